//! The rules `#[gate]` enforces, one function per rule; every violation is
//! recorded (spanned on the offending token) and reporting continues.

use proc_macro2::Span;
use syn::{FnArg, GenericArgument, Ident, ItemFn, PathArguments, ReturnType, Type};

use super::parse::{Entry, Value, KEYS, NAME, TYPE_NAME};
use super::Errors;

/// The accepted signature, shown in messages.
const SHAPE: &str = "fn name(ctx: &Ctx, proposal: &Proposal<Payload>) -> Result<(), Denial>";

/// What the attribute settled, defaults filled in.
pub(super) struct Options {
    /// The gate's name (`Gate::name`).
    pub(super) name: String,
    /// The generated type.
    pub(super) type_name: Ident,
}

/// The two types the gate is for.
pub(super) struct Signature<'a> {
    /// `Ctx` in `ctx: &Ctx`.
    pub(super) ctx: &'a Type,
    /// `Payload` in `proposal: &Proposal<Payload>`.
    pub(super) payload: &'a Type,
}

/// Keys: each known, each at most once, each with the right kind of value.
pub(super) fn options(entries: &[Entry], function: &ItemFn, errors: &mut Errors) -> Options {
    let mut name = None;
    let mut type_name = None;
    for entry in entries {
        let key = entry.key.to_string();
        let already = match key.as_str() {
            NAME => name.is_some(),
            TYPE_NAME => type_name.is_some(),
            _ => {
                errors.spanned(
                    &entry.key,
                    format!(
                        "unknown `#[gate]` key `{key}`: the keys are {}",
                        KEYS.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                );
                continue;
            }
        };
        if already {
            errors.spanned(&entry.key, format!("`{key}` is given twice: keep one"));
            continue;
        }
        match (key.as_str(), &entry.value) {
            (NAME, Value::Str(lit)) if lit.value().trim().is_empty() => {
                errors.spanned(lit, "the gate's name cannot be empty");
                name = Some(String::new());
            }
            (NAME, Value::Str(lit)) => name = Some(lit.value()),
            (TYPE_NAME, Value::Ident(ident)) => type_name = Some(ident.clone()),
            (NAME, value) => {
                errors.spanned(value, "`name` takes a string literal: `name = \"my_gate\"`");
                name = Some(String::new());
            }
            (_, value) => {
                errors.spanned(
                    value,
                    "`type_name` takes the name of the type to generate: `type_name = MyGate`",
                );
                type_name = Some(function.sig.ident.clone());
            }
        }
    }
    let fn_ident = &function.sig.ident;
    let type_name = type_name.unwrap_or_else(|| default_type_name(fn_ident, errors));
    Options {
        name: name.unwrap_or_else(|| unraw(fn_ident)),
        type_name,
    }
}

/// The default type is the function's name in UpperCamelCase; it must not
/// be the function's own name (a unit struct and a function would clash).
fn default_type_name(fn_ident: &Ident, errors: &mut Errors) -> Ident {
    let camel = upper_camel_case(&unraw(fn_ident));
    if camel == unraw(fn_ident) {
        errors.spanned(
            fn_ident,
            format!(
                "the gate type would be called `{camel}`, like the function: name the \
                 function in snake_case or choose the type with `#[gate(type_name = ...)]`"
            ),
        );
    }
    Ident::new(&camel, fn_ident.span())
}

/// The signature: `fn name(ctx: &Ctx, proposal: &Proposal<Payload>) -> Result<(), Denial>`,
/// neither async nor unsafe, not a method.
pub(super) fn signature<'a>(function: &'a ItemFn, errors: &mut Errors) -> Option<Signature<'a>> {
    not_async(function, errors);
    not_unsafe(function, errors);
    not_a_method(function, errors);
    let params = two_params(function, errors);
    let ctx = params.and_then(|[ctx, _]| ctx_param(ctx, errors));
    let payload = params.and_then(|[_, proposal]| proposal_param(proposal, errors));
    returns_result(function, errors);
    Some(Signature {
        ctx: ctx?,
        payload: payload?,
    })
}

/// Gates run synchronously, before the event is written.
fn not_async(function: &ItemFn, errors: &mut Errors) {
    if let Some(token) = &function.sig.asyncness {
        errors.spanned(
            token,
            "a gate cannot be `async`: gates run synchronously, before the event is written",
        );
    }
}

/// `Gate::evaluate` is a safe call, so the function it calls must be safe.
fn not_unsafe(function: &ItemFn, errors: &mut Errors) {
    if let Some(token) = &function.sig.unsafety {
        errors.spanned(
            token,
            "a gate cannot be `unsafe`: `Gate::evaluate` calls it from safe code",
        );
    }
}

/// A gate is a free function: the generated type has no state for `self`.
fn not_a_method(function: &ItemFn, errors: &mut Errors) {
    for input in &function.sig.inputs {
        if let FnArg::Receiver(receiver) = input {
            errors.spanned(
                receiver,
                "`#[gate]` goes on a free function, not a method: take the context as \
                 the first parameter instead of `self`",
            );
        }
    }
}

/// Exactly two typed parameters: the context and the proposal.
fn two_params<'a>(function: &'a ItemFn, errors: &mut Errors) -> Option<[&'a Type; 2]> {
    let typed: Vec<&syn::PatType> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    match typed.as_slice() {
        [ctx, proposal] => Some([&*ctx.ty, &*proposal.ty]),
        [_, _, extra @ ..] => {
            for param in extra {
                errors.spanned(
                    param,
                    format!(
                        "a gate takes exactly two parameters, the context and the proposal \
                         (`{SHAPE}`): remove this one"
                    ),
                );
            }
            None
        }
        few => {
            errors.push(syn::Error::new(
                params_span(function),
                format!(
                    "a gate takes two parameters, the context and the proposal, but this one \
                     takes {}: write `{SHAPE}`",
                    few.len()
                ),
            ));
            None
        }
    }
}

fn params_span(function: &ItemFn) -> Span {
    function.sig.paren_token.span.join()
}

/// The context is borrowed: `&Ctx` (gates read, they do not change).
fn ctx_param<'a>(ty: &'a Type, errors: &mut Errors) -> Option<&'a Type> {
    match ty {
        Type::Reference(reference) if reference.mutability.is_none() => Some(&reference.elem),
        Type::Reference(reference) => {
            errors.spanned(
                reference,
                "the context is borrowed, not changed: take `&Ctx`, not `&mut Ctx`",
            );
            None
        }
        other => {
            errors.spanned(
                other,
                "the first parameter is the context, taken by shared reference: `ctx: &Ctx`",
            );
            None
        }
    }
}

/// The proposal is borrowed: `&Proposal<Payload>`.
fn proposal_param<'a>(ty: &'a Type, errors: &mut Errors) -> Option<&'a Type> {
    let payload = match ty {
        Type::Reference(reference) if reference.mutability.is_none() => {
            single_type_arg(&reference.elem, "Proposal")
        }
        _ => None,
    };
    if payload.is_none() {
        errors.spanned(
            ty,
            "the second parameter is the proposal, taken by shared reference: \
             `proposal: &Proposal<Payload>`",
        );
    }
    payload
}

/// A gate returns `Result<(), Denial>`.
fn returns_result(function: &ItemFn, errors: &mut Errors) {
    match &function.sig.output {
        ReturnType::Default => errors.push(syn::Error::new(
            function.sig.paren_token.span.close(),
            "a gate returns `Result<(), Denial>`: add `-> Result<(), Denial>` after the parameters",
        )),
        ReturnType::Type(_, ty) if !is_result_unit_denial(ty) => errors.spanned(
            ty,
            "a gate returns `Result<(), Denial>`: `Ok(())` lets the proposal pass, \
             `Err(Denial::new(..))` stops it",
        ),
        ReturnType::Type(..) => {}
    }
}

fn is_result_unit_denial(ty: &Type) -> bool {
    let Some(args) = type_args(ty, "Result") else {
        return false;
    };
    match args.as_slice() {
        [Type::Tuple(unit), denial] => unit.elems.is_empty() && last_ident_is(denial, "Denial"),
        _ => false,
    }
}

/// `Name<T>` → `T`.
fn single_type_arg<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    match type_args(ty, name)?.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

/// The type arguments of a path type whose last segment is `name`.
fn type_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args
        .iter()
        .map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect()
}

fn last_ident_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(path)
        if path.path.segments.last().is_some_and(|s| s.ident == name && s.arguments.is_none()))
}

fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map_or(text.clone(), str::to_owned)
}

/// `sufficient_funds` → `SufficientFunds`.
fn upper_camel_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

impl quote::ToTokens for Value {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        match self {
            Value::Str(lit) => lit.to_tokens(tokens),
            Value::Ident(ident) => ident.to_tokens(tokens),
            Value::Other(expr) => expr.to_tokens(tokens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_camel_case_joins_snake_parts() {
        assert_eq!(upper_camel_case("sufficient_funds"), "SufficientFunds");
        assert_eq!(upper_camel_case("_max_10_items"), "Max10Items");
        assert_eq!(upper_camel_case("a"), "A");
    }

    #[test]
    fn result_shape_is_recognised() {
        let ok: Type = syn::parse_quote!(Result<(), Denial>);
        let qualified: Type = syn::parse_quote!(::core::result::Result<(), batpak::guard::Denial>);
        let wrong: Type = syn::parse_quote!(Result<bool, Denial>);
        assert!(is_result_unit_denial(&ok));
        assert!(is_result_unit_denial(&qualified));
        assert!(!is_result_unit_denial(&wrong));
    }
}
