//! The typed model of a `#[derive(EventPayload)]` input. It borrows the
//! `syn` nodes so every later error can point at the user's own tokens.
//! Parsing records malformed attributes (unknown or duplicate keys, values
//! that are not integers) and keeps going.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Generics, Ident, Lit, Visibility};

use crate::diag::Diagnostics;

/// The attribute every setting lives in: `#[batpak(...)]`.
pub(crate) const ATTR: &str = "batpak";
/// The event category, 1 to 15.
pub(crate) const CATEGORY: &str = "category";
/// The type id within the category, 0x000 to 0xFFF.
pub(crate) const TYPE_ID: &str = "type_id";
/// The payload schema version, 1 to 65535.
pub(crate) const VERSION: &str = "version";
/// Serde's attribute, carried over to the hidden per-variant helpers.
pub(crate) const SERDE: &str = "serde";

const KEYS: [&str; 3] = [CATEGORY, TYPE_ID, VERSION];

/// One `key = value` from `#[batpak(...)]`.
#[derive(Clone, Copy)]
pub(crate) struct Setting {
    pub(crate) key_span: Span,
    pub(crate) value: u64,
    pub(crate) value_span: Span,
}

/// Every setting found on one item (type or variant).
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) category: Option<Setting>,
    pub(crate) type_id: Option<Setting>,
    pub(crate) version: Option<Setting>,
    /// Every key written, even with a bad value (so a bad value is not
    /// also reported as missing).
    pub(crate) written: Vec<&'static str>,
}

pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) generics: &'a Generics,
    pub(crate) settings: Settings,
    pub(crate) body: Body<'a>,
}

pub(crate) enum Body<'a> {
    Struct(&'a Fields),
    Enum(Vec<Variant<'a>>),
    /// Unions are refused; the span is the `union` keyword.
    Union(Span),
}

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) fields: &'a Fields,
    pub(crate) settings: Settings,
}

impl<'a> Input<'a> {
    pub(crate) fn parse(input: &'a DeriveInput, diag: &mut Diagnostics) -> Self {
        let settings = parse_settings(&input.attrs, diag);
        let body = match &input.data {
            Data::Struct(data) => {
                reject_field_attrs(&data.fields, diag);
                Body::Struct(&data.fields)
            }
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .map(|variant| {
                        reject_field_attrs(&variant.fields, diag);
                        Variant {
                            ident: &variant.ident,
                            fields: &variant.fields,
                            settings: parse_settings(&variant.attrs, diag),
                        }
                    })
                    .collect(),
            ),
            Data::Union(data) => Body::Union(data.union_token.span),
        };
        Input {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            settings,
            body,
        }
    }
}

/// Reads every `#[batpak(...)]` on one item.
fn parse_settings(attrs: &[Attribute], diag: &mut Diagnostics) -> Settings {
    let mut settings = Settings::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(ATTR)) {
        let parsed = attr.parse_nested_meta(|meta| {
            let key_span = meta.path.span();
            let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
                diag.spanned(&meta.path, unknown_key_message(&meta.path));
                let _skipped: Expr = meta.value()?.parse()?;
                return Ok(());
            };
            let value: Expr = meta.value()?.parse()?;
            let (name, slot) = match key.as_str() {
                CATEGORY => (CATEGORY, &mut settings.category),
                TYPE_ID => (TYPE_ID, &mut settings.type_id),
                VERSION => (VERSION, &mut settings.version),
                _ => {
                    diag.spanned(&meta.path, unknown_key_message(&meta.path));
                    return Ok(());
                }
            };
            settings.written.push(name);
            let Some(value_setting) = integer(&value, key_span, diag) else {
                return Ok(());
            };
            if slot.is_some() {
                diag.spanned(
                    &meta.path,
                    format_args!("duplicate `{key}`: give it once per `#[batpak(...)]` item"),
                );
            } else {
                *slot = Some(value_setting);
            }
            Ok(())
        });
        if let Err(error) = parsed {
            diag.push(error);
        }
    }
    settings
}

fn unknown_key_message(path: &syn::Path) -> String {
    let name = quote::ToTokens::to_token_stream(path).to_string();
    format!(
        "unknown key `{name}` in `#[{ATTR}(...)]`: expected one of `{}`",
        KEYS.join("`, `")
    )
}

/// The value as a `u64`, or an error at the value when it is not an
/// integer literal.
fn integer(value: &Expr, key_span: Span, diag: &mut Diagnostics) -> Option<Setting> {
    // A literal passed through a `macro_rules!` `$value:literal` arrives
    // wrapped in an invisible group: look inside.
    if let Expr::Group(group) = value {
        return integer(&group.expr, key_span, diag);
    }
    let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = value
    else {
        diag.spanned(
            value,
            "expected an integer literal, like `1` or `0x01F` (not a constant or an \
             expression: the derive checks the value itself)",
        );
        return None;
    };
    match int.base10_parse::<u64>() {
        Ok(number) => Some(Setting {
            key_span,
            value: number,
            value_span: int.span(),
        }),
        Err(error) => {
            diag.push(error);
            None
        }
    }
}

/// `#[batpak]` belongs on the type or on a variant, never on a field.
fn reject_field_attrs(fields: &Fields, diag: &mut Diagnostics) {
    for attr in fields
        .iter()
        .flat_map(|field| &field.attrs)
        .filter(|attr| attr.path().is_ident(ATTR))
    {
        diag.spanned(
            attr,
            "`#[batpak(...)]` goes on the type or on an enum variant, not on a field",
        );
    }
}
