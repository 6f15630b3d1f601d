//! `#[gate]`: a free function becomes a type implementing `Gate`.
//!
//! `parse` reads the attribute keys and the function (keeping every node
//! for spans), `check` applies one function per rule and collects every
//! error, `expand` writes the gate type and its `Gate` impl.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;

/// Every error found in one expansion, reported together.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    pub(crate) fn spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn into_compile_errors(self) -> Option<TokenStream> {
        self.combined.map(|error| error.to_compile_error())
    }
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            // Not a function at all: keep the item, say what `#[gate]` is for.
            let error = syn::Error::new_spanned(
                &item,
                "`#[gate]` goes on a free function: \
                 `fn name(ctx: &Ctx, proposal: &Proposal<Payload>) -> Result<(), Denial>`",
            )
            .to_compile_error();
            return quote! { #item #error };
        }
    };
    let mut errors = Errors::default();
    let entries = parse::attribute(attr, &mut errors);
    let options = check::options(&entries, &function, &mut errors);
    let signature = check::signature(&function, &mut errors);
    match (errors.into_compile_errors(), signature) {
        (None, Some(signature)) => expand::gate(&function, &options, &signature),
        (errors, _) => quote! { #function #errors },
    }
}
