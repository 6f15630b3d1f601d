//! Proc macros for batpak. Use them through `batpak` (which re-exports them);
//! this crate is not meant to be a direct dependency.
//!
//! Each macro has its own folder with the same pipeline: `parse` (a typed
//! model of the input that keeps spans) → `check` (one function per rule,
//! all errors collected) → `expand` (the generated code, which reaches the
//! runtime only through `::batpak::__private`).

use proc_macro::TokenStream;

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
