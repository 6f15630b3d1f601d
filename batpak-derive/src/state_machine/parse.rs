//! The declaration as a typed model that borrows the input and keeps the
//! tokens each check points at.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ItemEnum, Path, Variant};

use super::{keys, Errors};

/// A `#[state_machine]` enum.
pub struct Machine<'a> {
    pub item: &'a ItemEnum,
    /// The module holding the state markers: `module = ..` or the enum's
    /// name in snake case.
    pub module: Ident,
    pub states: Vec<StateDecl<'a>>,
}

/// One variant: a state.
pub struct StateDecl<'a> {
    pub variant: &'a Variant,
    /// The `initial` token, if the state is initial.
    pub initial: Option<&'a Path>,
    /// The `terminal` token, if the state is terminal.
    pub terminal: Option<&'a Path>,
    pub transitions: Vec<TransitionDecl<'a>>,
    /// Whether a `#[transition]` of this state did not parse (and was
    /// reported), so rules about the graph would see only part of it.
    pub incomplete: bool,
}

/// One `#[transition(to = .., on = ..)]`.
pub struct TransitionDecl<'a> {
    /// The `transition` token.
    pub keyword: &'a Path,
    pub to: Ident,
    pub on: Event,
}

/// What `on = ..` names.
pub enum Event {
    /// A payload type with one kind (`on = PaymentReceived`).
    Struct(Path),
    /// A variant of an enum payload (`on = OrderEvent::PaymentReceived`):
    /// the path's next-to-last segment starts with a capital letter.
    Variant { enum_path: Path, variant: Ident },
}

impl Event {
    fn from_path(path: Path) -> Event {
        let segments = &path.segments;
        let names_enum = segments.len() >= 2
            && segments[segments.len() - 2]
                .ident
                .to_string()
                .starts_with(|c: char| c.is_ascii_uppercase());
        if names_enum {
            let mut enum_path = path.clone();
            if let Some(last) = enum_path.segments.pop() {
                let variant = last.into_value().ident;
                // Drop the trailing `::` left by `pop`.
                enum_path.segments.pop_punct();
                return Event::Variant { enum_path, variant };
            }
        }
        Event::Struct(path)
    }

    /// The payload type (the enum for a variant).
    pub fn payload_type(&self) -> &Path {
        match self {
            Event::Struct(path) => path,
            Event::Variant { enum_path, .. } => enum_path,
        }
    }

    /// The name shown in diagrams and messages: the last path segment.
    pub fn label(&self) -> String {
        match self {
            Event::Struct(path) => path
                .segments
                .last()
                .map_or_else(String::new, |s| s.ident.to_string()),
            Event::Variant { variant, .. } => variant.to_string(),
        }
    }

    /// The path as written, for comparing two edges' events.
    pub fn written(&self) -> String {
        match self {
            Event::Struct(path) => quote::quote!(#path).to_string(),
            Event::Variant { enum_path, variant } => {
                quote::quote!(#enum_path::#variant).to_string()
            }
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Event::Struct(path) => path.span(),
            Event::Variant { variant, .. } => variant.span(),
        }
    }
}

impl<'a> Machine<'a> {
    pub fn parse(args: TokenStream, item: &'a ItemEnum, errors: &mut Errors) -> Machine<'a> {
        let module = parse_args(args, errors)
            .unwrap_or_else(|| Ident::new(&snake_case(&item.ident.to_string()), item.ident.span()));
        let states = item
            .variants
            .iter()
            .map(|variant| StateDecl::parse(variant, errors))
            .collect();
        Machine {
            item,
            module,
            states,
        }
    }

    pub fn state(&self, name: &Ident) -> Option<usize> {
        self.states.iter().position(|s| s.variant.ident == *name)
    }
}

/// `#[state_machine]` or `#[state_machine(module = name)]`.
fn parse_args(args: TokenStream, errors: &mut Errors) -> Option<Ident> {
    let mut module = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident(keys::MODULE) {
            module = Some(meta.value()?.parse::<Ident>()?);
        } else {
            errors.push(
                &meta.path,
                format_args!(
                    "unknown key `{}` in #[state_machine(..)]: the only key is `{}` \
                     (the name of the module of state types)",
                    path_text(&meta.path),
                    keys::MODULE
                ),
            );
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        errors.add(error);
    }
    module
}

impl<'a> StateDecl<'a> {
    fn parse(variant: &'a Variant, errors: &mut Errors) -> StateDecl<'a> {
        let mut state = StateDecl {
            variant,
            initial: None,
            terminal: None,
            transitions: Vec::new(),
            incomplete: false,
        };
        for attr in &variant.attrs {
            let path = attr.path();
            if path.is_ident(keys::INITIAL) {
                require_bare(attr, errors);
                if state.initial.is_some() {
                    errors.push(path, "this state is already marked #[initial]");
                }
                state.initial = Some(path);
            } else if path.is_ident(keys::TERMINAL) {
                require_bare(attr, errors);
                if state.terminal.is_some() {
                    errors.push(path, "this state is already marked #[terminal]");
                }
                state.terminal = Some(path);
            } else if path.is_ident(keys::TRANSITION) {
                match TransitionDecl::parse(attr, errors) {
                    Some(transition) => state.transitions.push(transition),
                    None => state.incomplete = true,
                }
            }
        }
        state
    }
}

impl<'a> TransitionDecl<'a> {
    fn parse(attr: &'a Attribute, errors: &mut Errors) -> Option<TransitionDecl<'a>> {
        let keyword = attr.path();
        let mut to: Option<Ident> = None;
        let mut on: Option<Path> = None;
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(keys::TO) {
                if to.is_some() {
                    errors.push(&meta.path, "`to` is given twice in this #[transition]");
                }
                to = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident(keys::ON) {
                if on.is_some() {
                    errors.push(&meta.path, "`on` is given twice in this #[transition]");
                }
                on = Some(meta.value()?.parse()?);
            } else {
                errors.push(
                    &meta.path,
                    format_args!(
                        "unknown key `{}` in #[transition(..)]: expected \
                         `#[transition(to = State, on = Event)]`",
                        path_text(&meta.path)
                    ),
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.add(error);
            return None;
        }
        match (to, on) {
            (Some(to), Some(on)) => Some(TransitionDecl {
                keyword,
                to,
                on: Event::from_path(on),
            }),
            (to, on) => {
                let missing = match (to.is_none(), on.is_none()) {
                    (true, true) => "`to` and `on`",
                    (true, false) => "`to`",
                    _ => "`on`",
                };
                errors.push(
                    keyword,
                    format_args!(
                        "#[transition] is missing {missing}: write \
                         `#[transition(to = State, on = Event)]`"
                    ),
                );
                None
            }
        }
    }
}

/// `#[initial]` and `#[terminal]` take no arguments.
fn require_bare(attr: &Attribute, errors: &mut Errors) {
    if let Err(error) = attr.meta.require_path_only() {
        errors.push_at(
            error.span(),
            format_args!("#[{}] takes no arguments", path_text(attr.path())),
        );
    }
}

/// Consumes `= value` after an unknown key, so the next keys still parse.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

fn path_text(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// `OrderLifecycle` → `order_lifecycle`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let acronym_end = i > 0
                && chars[i - 1].is_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev_lower || acronym_end {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `PaymentReceived` → `PAYMENT_RECEIVED`: the associated constant
/// `#[derive(EventPayload)]` gives each variant of an enum payload.
pub fn screaming_snake_case(name: &str) -> String {
    snake_case(name).to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversions_match_the_derive_convention() {
        for (name, snake) in [
            ("Order", "order"),
            ("OrderLifecycle", "order_lifecycle"),
            ("HTTPRequest", "http_request"),
            ("Stage2Review", "stage2_review"),
        ] {
            assert_eq!(snake_case(name), snake);
        }
        assert_eq!(screaming_snake_case("PaymentReceived"), "PAYMENT_RECEIVED");
    }

    #[test]
    fn a_capitalised_next_to_last_segment_names_a_variant() {
        let variant = Event::from_path(syn::parse_quote!(OrderEvent::PaymentReceived));
        assert!(matches!(&variant, Event::Variant { variant, .. } if variant == "PaymentReceived"));
        let payload = variant.payload_type();
        assert_eq!(quote::quote!(#payload).to_string(), "OrderEvent");
        let in_module = Event::from_path(syn::parse_quote!(events::PaymentReceived));
        assert!(matches!(in_module, Event::Struct(_)));
        assert_eq!(in_module.label(), "PaymentReceived");
    }
}
