//! The rules an `EventPayload` input must follow, one function per rule.
//! Every rule runs, so one compile reports every mistake; the result is a
//! [`Plan`] holding only validated values, which is all `expand` sees.

use proc_macro2::Span;
use syn::{Fields, Ident, Type, Visibility};

use super::parse::{Body, Input, Setting, Settings, Variant, CATEGORY, TYPE_ID};
use crate::diag::Diagnostics;

/// Highest category (4 bits); category 0 is batpak's own.
const MAX_CATEGORY: u64 = 0xF;
/// Highest type id (12 bits).
const MAX_TYPE_ID: u64 = 0xFFF;
/// The version when none is given.
const DEFAULT_VERSION: u16 = 1;

/// A validated input, ready to expand.
pub(crate) struct Plan<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) version: u16,
    pub(crate) category: u8,
    pub(crate) shape: Shape<'a>,
}

pub(crate) enum Shape<'a> {
    Struct { type_id: u16 },
    Enum(Vec<PlannedVariant<'a>>),
}

pub(crate) struct PlannedVariant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) fields: &'a Fields,
    pub(crate) type_id: u16,
    /// The associated constant naming this variant's kind.
    pub(crate) const_name: Ident,
}

/// Runs every rule; `Some` only when none failed.
pub(crate) fn check<'a>(input: &Input<'a>, diag: &mut Diagnostics) -> Option<Plan<'a>> {
    reject_generics(input, diag);
    let settings = &input.settings;
    let category = category_in_range(settings.category, diag);
    let version = version_in_range(settings.version, diag);
    let mut type_id = None;
    match &input.body {
        Body::Union(span) => reject_union(*span, diag),
        Body::Struct(fields) => {
            require_keys(
                input.ident,
                settings,
                &[CATEGORY, TYPE_ID],
                STRUCT_SHAPE,
                diag,
            );
            type_id = type_id_in_range(settings.type_id, diag);
            reject_borrowed_fields(fields, diag);
        }
        Body::Enum(variants) => {
            require_keys(input.ident, settings, &[CATEGORY], ENUM_SHAPE, diag);
            reject_type_id_on_enum(settings, diag);
            require_variants(input.ident, variants, diag);
            for variant in variants {
                require_variant_type_id(variant, diag);
                reject_enum_keys_on_variant(&variant.settings, diag);
                type_id_in_range(variant.settings.type_id, diag);
                reject_borrowed_fields(variant.fields, diag);
            }
            type_ids_distinct(variants, diag);
            const_names_distinct(variants, diag);
        }
    }
    if diag.has_errors() {
        return None;
    }
    let shape = match &input.body {
        Body::Struct(_) => Shape::Struct { type_id: type_id? },
        Body::Enum(variants) => Shape::Enum(
            variants
                .iter()
                .map(|variant| {
                    Some(PlannedVariant {
                        ident: variant.ident,
                        fields: variant.fields,
                        type_id: checked_type_id(variant.settings.type_id?.value)?,
                        const_name: const_name(variant.ident),
                    })
                })
                .collect::<Option<_>>()?,
        ),
        Body::Union(_) => return None,
    };
    Some(Plan {
        ident: input.ident,
        vis: input.vis,
        version: version.unwrap_or(DEFAULT_VERSION),
        category: category?,
        shape,
    })
}

const STRUCT_SHAPE: &str =
    "a struct payload needs `#[batpak(category = 1..=15, type_id = 0x000..=0xFFF)]`";
const ENUM_SHAPE: &str = "an enum payload needs `#[batpak(category = 1..=15)]` on the enum \
     and `#[batpak(type_id = 0x000..=0xFFF)]` on each variant";

/// A union has no single set of fields to store.
fn reject_union(span: Span, diag: &mut Diagnostics) {
    diag.at(
        span,
        "EventPayload cannot be derived for a union: use a struct, or an enum with one \
         variant per event kind",
    );
}

/// A stored kind names one concrete type; a generic type would give every
/// instantiation the same kind with different bytes.
fn reject_generics(input: &Input<'_>, diag: &mut Diagnostics) {
    let generics = input.generics;
    if generics.params.is_empty() && generics.where_clause.is_none() {
        return;
    }
    let message = format!(
        "EventPayload cannot be derived for a generic type: every instantiation of `{}` \
         would share one stored kind; derive it on a concrete type instead",
        input.ident
    );
    if generics.params.is_empty() {
        diag.spanned(&generics.where_clause, message);
    } else {
        diag.spanned(&generics.params, message);
    }
}

/// The type (or enum) must name its category (and a struct its type id).
fn require_keys(
    ident: &Ident,
    settings: &Settings,
    required: &[&str],
    shape: &str,
    diag: &mut Diagnostics,
) {
    let missing: Vec<String> = required
        .iter()
        .filter(|key| !settings.written.contains(key))
        .map(|key| format!("`{key}`"))
        .collect();
    if !missing.is_empty() {
        diag.spanned(
            ident,
            format_args!("missing {} for `{ident}`: {shape}", missing.join(" and ")),
        );
    }
}

/// An enum's type ids belong to its variants.
fn reject_type_id_on_enum(settings: &Settings, diag: &mut Diagnostics) {
    if let Some(setting) = settings.type_id {
        diag.at(
            setting.key_span,
            "`type_id` goes on each variant of an enum, not on the enum: each variant is \
             stored as its own kind",
        );
    }
}

/// An enum without variants has no kinds to store.
fn require_variants(ident: &Ident, variants: &[Variant<'_>], diag: &mut Diagnostics) {
    if variants.is_empty() {
        diag.spanned(
            ident,
            format_args!(
                "`{ident}` has no variants, so it has no event kinds: add a variant with \
                 `#[batpak(type_id = ...)]`"
            ),
        );
    }
}

/// Every variant is stored as its own kind, so every variant needs a type id.
fn require_variant_type_id(variant: &Variant<'_>, diag: &mut Diagnostics) {
    if variant.settings.type_id.is_none() {
        let ident = variant.ident;
        diag.spanned(
            ident,
            format_args!(
                "variant `{ident}` has no type id: add `#[batpak(type_id = 0x000..=0xFFF)]` \
                 (each variant is stored as its own kind)"
            ),
        );
    }
}

/// Payloads are decoded from stored bytes into owned values, so a field
/// cannot borrow (`&'static str` would only decode from `'static` bytes).
fn reject_borrowed_fields(fields: &Fields, diag: &mut Diagnostics) {
    for field in fields {
        if let Type::Reference(reference) = &field.ty {
            diag.spanned(
                reference,
                "a payload field cannot be a reference: events are decoded from stored bytes \
                 into owned values; use an owned type such as `String`, `Vec<u8>` or `Box<T>`",
            );
        }
    }
}

/// Category and version are the enum's, shared by all variants.
fn reject_enum_keys_on_variant(settings: &Settings, diag: &mut Diagnostics) {
    if let Some(setting) = settings.category {
        diag.at(
            setting.key_span,
            "`category` goes on the enum, not on a variant: all variants share the enum's \
             category",
        );
    }
    if let Some(setting) = settings.version {
        diag.at(
            setting.key_span,
            "`version` goes on the enum, not on a variant: one version covers the whole enum",
        );
    }
}

/// Category 0 is batpak's; categories are 4 bits.
fn category_in_range(setting: Option<Setting>, diag: &mut Diagnostics) -> Option<u8> {
    let setting = setting?;
    match setting.value {
        0 => {
            diag.at(
                setting.value_span,
                "category 0 is reserved for batpak's own system events: use a category from \
                 1 to 15",
            );
            None
        }
        value @ 1..=MAX_CATEGORY => u8::try_from(value).ok(),
        value => {
            diag.at(
                setting.value_span,
                format_args!("category {value} is out of range: categories are 1 to 15 (4 bits)"),
            );
            None
        }
    }
}

/// Type ids are 12 bits.
fn type_id_in_range(setting: Option<Setting>, diag: &mut Diagnostics) -> Option<u16> {
    let setting = setting?;
    let type_id = checked_type_id(setting.value);
    if type_id.is_none() {
        diag.at(
            setting.value_span,
            format_args!(
                "type_id {:#x} is out of range: type ids are 0x000 to 0xFFF (12 bits)",
                setting.value
            ),
        );
    }
    type_id
}

fn checked_type_id(value: u64) -> Option<u16> {
    if value <= MAX_TYPE_ID {
        u16::try_from(value).ok()
    } else {
        None
    }
}

/// Versions start at 1 and fit a `u16`.
fn version_in_range(setting: Option<Setting>, diag: &mut Diagnostics) -> Option<u16> {
    let setting = setting?;
    match u16::try_from(setting.value) {
        Ok(0) => {
            diag.at(
                setting.value_span,
                "version 0 is not a payload version: versions start at 1 (the default when \
                 `version` is left out)",
            );
            None
        }
        Ok(version) => Some(version),
        Err(_) => {
            diag.at(
                setting.value_span,
                format_args!(
                    "version {} is out of range: versions are 1 to 65535",
                    setting.value
                ),
            );
            None
        }
    }
}

/// Two variants with one type id would be one stored kind: decoding could
/// not tell them apart. Both places are reported.
fn type_ids_distinct(variants: &[Variant<'_>], diag: &mut Diagnostics) {
    for (index, later) in variants.iter().enumerate() {
        let Some(later_id) = later.settings.type_id else {
            continue;
        };
        let first = variants[..index].iter().find(|earlier| {
            earlier
                .settings
                .type_id
                .is_some_and(|id| id.value == later_id.value)
        });
        let Some(first) = first else {
            continue;
        };
        let Some(first_id) = first.settings.type_id else {
            continue;
        };
        let shown = later_id.value;
        diag.at(
            first_id.value_span,
            format_args!(
                "type_id {shown:#05x} is used by both `{}` and `{}`: each variant needs its \
                 own type id",
                first.ident, later.ident
            ),
        );
        diag.at(
            later_id.value_span,
            format_args!(
                "type_id {shown:#05x} is already used by `{}`: give `{}` its own type id",
                first.ident, later.ident
            ),
        );
    }
}

/// Each variant's kind constant must have its own name.
fn const_names_distinct(variants: &[Variant<'_>], diag: &mut Diagnostics) {
    for (index, later) in variants.iter().enumerate() {
        let name = const_name(later.ident);
        if let Some(first) = variants[..index]
            .iter()
            .find(|earlier| const_name(earlier.ident) == name)
        {
            diag.spanned(
                later.ident,
                format_args!(
                    "variants `{}` and `{}` would both name the kind constant `{name}`: \
                     rename one of them",
                    first.ident, later.ident
                ),
            );
        }
    }
}

/// `MoneyDeposited` → `MONEY_DEPOSITED`, `HTTPRequest` → `HTTP_REQUEST`.
pub(crate) fn screaming_snake(name: &str) -> String {
    let chars: Vec<char> = name.trim_start_matches("r#").chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (index, &ch) in chars.iter().enumerate() {
        if ch.is_uppercase() && index > 0 {
            let prev = chars[index - 1];
            let next_is_lower = chars.get(index + 1).is_some_and(|c| c.is_lowercase());
            let boundary = prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower);
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(ch.to_uppercase());
    }
    out
}

fn const_name(variant: &Ident) -> Ident {
    Ident::new(&screaming_snake(&variant.to_string()), variant.span())
}

#[cfg(test)]
mod tests {
    use super::screaming_snake;

    #[test]
    fn variant_names_become_screaming_snake_case() {
        for (variant, constant) in [
            ("Deposited", "DEPOSITED"),
            ("MoneyDeposited", "MONEY_DEPOSITED"),
            ("HTTPRequest", "HTTP_REQUEST"),
            ("V2Opened", "V2_OPENED"),
            ("Step2", "STEP2"),
            ("Already_Snake", "ALREADY_SNAKE"),
            ("A", "A"),
        ] {
            assert_eq!(screaming_snake(variant), constant, "{variant}");
        }
    }
}
