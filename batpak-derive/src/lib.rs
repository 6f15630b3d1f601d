//! Proc macros for batpak. Use them through `batpak` (which re-exports them);
//! this crate is not meant to be a direct dependency.
//!
//! Each macro has its own folder with the same pipeline: `parse` (a typed
//! model of the input that keeps spans) → `check` (one function per rule,
//! all errors collected) → `expand` (the generated code, which reaches the
//! runtime only through `::batpak::__private`).

#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use proc_macro::TokenStream;

mod diag;
mod event_payload;
mod gate;
mod state_machine;

/// Turns a gate function into a type implementing `batpak::guard::Gate`.
///
/// Use it as `#[batpak::gate]`; `batpak::gate` has the full documentation
/// and examples.
#[proc_macro_attribute]
pub fn gate(attr: TokenStream, item: TokenStream) -> TokenStream {
    gate::expand(attr.into(), item.into()).into()
}

/// Declares an entity's lifecycle on an enum of states. See
/// `batpak::typestate` for what it generates and an example.
#[proc_macro_attribute]
pub fn state_machine(args: TokenStream, input: TokenStream) -> TokenStream {
    state_machine::state_machine(args.into(), input.into()).into()
}

/// Derives `batpak::EventPayload` for a struct (one event kind) or an enum
/// (one event kind per variant).
///
/// Structs: `#[batpak(category = C, type_id = T)]` (optional `version = V`,
/// default 1), next to the struct's own `Serialize` and `Deserialize`
/// derives. Also implements `SingleKind`.
///
/// Enums: `#[batpak(category = C)]` (optional `version = V`) on the enum and
/// `#[batpak(type_id = T)]` on every variant. A variant's stored bytes are
/// its fields only, exactly as a struct with the same fields would store
/// them, and decoding picks the variant from the stored kind: renaming or
/// reordering variants never breaks stored data. Each variant's kind is an
/// associated constant named after it in SCREAMING_SNAKE_CASE
/// (`Deposited` → `AccountEvent::DEPOSITED`). Field `#[serde(...)]`
/// attributes are honoured; the enum needs no serde derives.
///
/// Categories are 1 to 15 (0 is batpak's), type ids 0x000 to 0xFFF,
/// versions 1 to 65535. Every mistake is reported in one compile, at the
/// offending token.
///
/// The `batpak` crate documents the derive with runnable examples: see
/// `batpak::EventPayload`.
#[proc_macro_derive(EventPayload, attributes(batpak, serde))]
pub fn derive_event_payload(input: TokenStream) -> TokenStream {
    event_payload::derive(input.into()).into()
}
