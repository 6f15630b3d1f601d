//! `#[state_machine]`: an enum of states with its initial state, terminal
//! states and transitions (each caused by an event payload) becomes the
//! runtime state of a `batpak::typestate::StateMachine`, a module of sealed
//! zero-sized state markers, and one `Declares` impl per edge.
//!
//! Pipeline: [`parse`] (a model of the declaration that keeps spans) →
//! [`check`] (one function per rule, every error collected) → [`expand`].

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Attribute keys, in one place.
mod keys {
    pub const MODULE: &str = "module";
    pub const INITIAL: &str = "initial";
    pub const TERMINAL: &str = "terminal";
    pub const TRANSITION: &str = "transition";
    pub const TO: &str = "to";
    pub const ON: &str = "on";
    /// The name of the generated enum of typed handles, inside the module.
    pub const LOADED: &str = "Loaded";
}

/// Collects errors so that one compile reports all of them.
#[derive(Default)]
struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    fn push(&mut self, span: impl ToTokens, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(span, message));
    }

    fn push_at(&mut self, span: proc_macro2::Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    fn add(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// All errors combined into one, if there were any.
    fn finish(self) -> Option<syn::Error> {
        self.errors.into_iter().reduce(|mut all, next| {
            all.combine(next);
            all
        })
    }
}

/// Expands `#[state_machine(args)] input`.
pub fn state_machine(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: syn::Item = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error(),
    };
    let syn::Item::Enum(item) = item else {
        let error = syn::Error::new_spanned(
            &item,
            "#[state_machine] goes on an enum whose unit variants are the states",
        )
        .to_compile_error();
        return quote::quote!(#item #error);
    };
    let mut errors = Errors::default();
    let machine = parse::Machine::parse(args, &item, &mut errors);
    check::check(&machine, &mut errors);
    match errors.finish() {
        // Still emit the user's enum, so one mistake does not cascade into
        // "cannot find type" errors wherever it is used.
        Some(error) => {
            let fallback = expand::plain_enum(&item);
            let error = error.to_compile_error();
            quote::quote!(#fallback #error)
        }
        None => expand::expand(&machine),
    }
}
