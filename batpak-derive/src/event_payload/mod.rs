//! `#[derive(EventPayload)]`: parse → check → expand.

mod check;
mod expand;
mod parse;

#[cfg(test)]
mod snapshot;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::diag::Diagnostics;
use parse::{Body, Input};

/// The whole derive on `proc_macro2` tokens (so tests can call it).
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut diag = Diagnostics::new();
    let model = Input::parse(&input, &mut diag);
    let plan = check::check(&model, &mut diag);
    match (plan, diag.finish()) {
        (Some(plan), Ok(())) => expand::expand(&plan),
        (_, Err(error)) => {
            let errors = error.to_compile_error();
            let fallback = fallback(&model);
            quote!(#errors #fallback)
        }
        // `check` returns no plan only after recording an error; say so
        // rather than emit nothing if that ever breaks.
        (None, Ok(())) => {
            let error = syn::Error::new_spanned(
                &input.ident,
                "internal error in #[derive(EventPayload)]: no plan and no error; please \
                 report this to batpak",
            )
            .to_compile_error();
            let fallback = fallback(&model);
            quote!(#error #fallback)
        }
    }
}

/// After an error, a stand-in impl (never run: the crate does not compile)
/// so that uses of the type elsewhere do not add a cascade of unrelated
/// errors to the real one. Generic types get none.
fn fallback(model: &Input<'_>) -> TokenStream {
    if !model.generics.params.is_empty() || model.generics.where_clause.is_some() {
        return TokenStream::new();
    }
    let ident = model.ident;
    let vis = model.vis;
    let placeholder = quote!(::batpak::__private::EventKind::from_raw(0));
    let extra = match &model.body {
        Body::Struct(_) | Body::Union(_) => quote! {
            impl ::batpak::__private::SingleKind for #ident {
                const KIND: ::batpak::__private::EventKind = #placeholder;
            }
        },
        Body::Enum(variants) => {
            let mut names: Vec<syn::Ident> = Vec::new();
            for variant in variants {
                let name = syn::Ident::new(
                    &check::screaming_snake(&variant.ident.to_string()),
                    variant.ident.span(),
                );
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            quote! {
                impl #ident {
                    #(#[doc(hidden)] #vis const #names: ::batpak::__private::EventKind = #placeholder;)*
                }
            }
        }
    };
    quote! {
        const _: () = {
            impl ::batpak::__private::EventPayload for #ident {
                const KINDS: &'static [::batpak::__private::EventKind] = &[];
                const VERSION: ::core::primitive::u16 = 1;
                const TYPE_NAME: &'static ::core::primitive::str = "";
                fn kind(&self) -> ::batpak::__private::EventKind {
                    ::core::unreachable!()
                }
                fn encode_payload(
                    &self,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<::core::primitive::u8>,
                    ::batpak::__private::PayloadError,
                > {
                    ::core::unreachable!()
                }
                fn decode_payload(
                    _: ::batpak::__private::EventKind,
                    _: &[::core::primitive::u8],
                ) -> ::core::result::Result<Self, ::batpak::__private::PayloadError> {
                    ::core::unreachable!()
                }
            }
            #extra
        };
    }
}
