//! The attribute's `key = value` entries, kept as written (spans included)
//! for `check`.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Token};

use super::Errors;

/// The key naming the gate (`name = "..."`).
pub(super) const NAME: &str = "name";
/// The key naming the generated type (`type_name = Ident`).
pub(super) const TYPE_NAME: &str = "type_name";
/// Every key, in the order error messages list them.
pub(super) const KEYS: &[&str] = &[NAME, TYPE_NAME];

/// One `key = value` entry.
pub(super) struct Entry {
    pub(super) key: Ident,
    pub(super) value: Value,
}

/// A value as written.
pub(super) enum Value {
    /// A string literal: `"..."`.
    Str(LitStr),
    /// A bare identifier: `Foo`.
    Ident(Ident),
    /// Anything else (kept for its span).
    Other(syn::Expr),
}

/// Parses `key = value, ...`; a syntax error is recorded and ends parsing.
pub(super) fn attribute(tokens: TokenStream, errors: &mut Errors) -> Vec<Entry> {
    let mut entries = Vec::new();
    let parser = |input: ParseStream<'_>| {
        while !input.is_empty() {
            let key = input.call(Ident::parse_any)?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(key.span(), missing_value(&key)));
            }
            input.parse::<Token![=]>()?;
            let value = if input.peek(LitStr) {
                Value::Str(input.parse()?)
            } else if input.peek(Ident::peek_any) && (input.peek2(Token![,]) || peek_end(input)) {
                Value::Ident(input.call(Ident::parse_any)?)
            } else {
                Value::Other(input.parse()?)
            };
            entries.push(Entry { key, value });
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
    }
    entries
}

/// What to write instead of a bare key.
fn missing_value(key: &Ident) -> String {
    let example = match key.to_string().as_str() {
        NAME => format!("{NAME} = \"my_gate\""),
        TYPE_NAME => format!("{TYPE_NAME} = MyGate"),
        other => format!("{other} = ..."),
    };
    format!("`{key}` needs a value: `{example}`")
}

fn peek_end(input: ParseStream<'_>) -> bool {
    let ahead = input.fork();
    ahead.call(Ident::parse_any).is_ok() && ahead.is_empty()
}
