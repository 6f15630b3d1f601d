//! The generated code. Everything it names from batpak goes through
//! `::batpak::__private`; helpers live inside `const _: () = { ... };` so
//! they never collide with the user's names.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Attribute, Fields, Ident, LitInt};

use super::check::{Plan, PlannedVariant, Shape};
use super::parse::SERDE;

/// The `EventPayload` impl plus `SingleKind` (struct) or the per-variant
/// kind constants (enum), for a validated input.
pub(crate) fn expand(plan: &Plan<'_>) -> TokenStream {
    match &plan.shape {
        Shape::Struct { type_id } => expand_struct(plan, *type_id),
        Shape::Enum(variants) => expand_enum(plan, variants),
    }
}

/// `EventKind::custom(category, 0x0ab)`: checked again by the compiler,
/// since `custom` is a `const fn` that refuses bad values.
fn kind_expr(category: u8, type_id: u16) -> TokenStream {
    let category = Literal::u8_unsuffixed(category);
    let type_id = LitInt::new(&format!("{type_id:#05x}"), Span::call_site());
    quote!(::batpak::__private::EventKind::custom(#category, #type_id))
}

/// The associated items every impl shares.
fn header(plan: &Plan<'_>, kinds: &TokenStream) -> TokenStream {
    let version = Literal::u16_unsuffixed(plan.version);
    let type_name = plan.ident.to_string();
    quote! {
        const KINDS: &'static [::batpak::__private::EventKind] = #kinds;
        const VERSION: ::core::primitive::u16 = #version;
        const TYPE_NAME: &'static ::core::primitive::str = #type_name;
    }
}

fn expand_struct(plan: &Plan<'_>, type_id: u16) -> TokenStream {
    let ident = plan.ident;
    let kind = kind_expr(plan.category, type_id);
    // The functions are spanned on the struct's name: a forgotten serde
    // derive is reported there, in batpak's words (`StructSerialize`'s and
    // `StructDeserialize`'s messages). Their arguments keep the call-site
    // span of the parameters they name, so they still resolve when the
    // struct's name comes from a `macro_rules!` wrapper.
    let encode_fn = quote_spanned!(ident.span()=> ::batpak::__private::encode_struct::<Self>);
    let decode_fn = quote_spanned!(ident.span()=> ::batpak::__private::decode_struct::<Self>);
    let encode = quote!(#encode_fn(self));
    let decode = quote!(#decode_fn(kind, bytes));
    let header = header(
        plan,
        &quote!(&[<Self as ::batpak::__private::SingleKind>::KIND]),
    );
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::batpak::__private::EventPayload for #ident {
                #header

                #[inline]
                fn kind(&self) -> ::batpak::__private::EventKind {
                    <Self as ::batpak::__private::SingleKind>::KIND
                }

                fn encode_payload(
                    &self,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<::core::primitive::u8>,
                    ::batpak::__private::PayloadError,
                > {
                    #encode
                }

                fn decode_payload(
                    kind: ::batpak::__private::EventKind,
                    bytes: &[::core::primitive::u8],
                ) -> ::core::result::Result<Self, ::batpak::__private::PayloadError> {
                    #decode
                }
            }

            #[automatically_derived]
            impl ::batpak::__private::SingleKind for #ident {
                const KIND: ::batpak::__private::EventKind = #kind;
            }
        };
    }
}

fn expand_enum(plan: &Plan<'_>, variants: &[PlannedVariant<'_>]) -> TokenStream {
    let ident = plan.ident;
    let vis = plan.vis;
    let const_names: Vec<&Ident> = variants.iter().map(|v| &v.const_name).collect();
    let header = header(plan, &quote!(&[#(Self::#const_names),*]));
    let constants = variants.iter().map(|variant| {
        let name = &variant.const_name;
        let kind = kind_expr(plan.category, variant.type_id);
        let doc = format!(
            " The kind `{ident}::{}` events are stored as (category {}, type id {:#05x}).",
            variant.ident, plan.category, variant.type_id
        );
        quote! {
            #[doc = #doc]
            #vis const #name: ::batpak::__private::EventKind = #kind;
        }
    });
    let kind_arms = variants.iter().map(|variant| {
        let pattern = ignoring_pattern(variant);
        let name = &variant.const_name;
        quote!(#pattern => Self::#name,)
    });
    let helpers = variants.iter().map(helper_structs);
    let encode_arms = variants.iter().map(encode_arm);
    let decode_branches = variants.iter().map(decode_branch);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #ident {
                #(#constants)*
            }

            #(#helpers)*

            #[automatically_derived]
            impl ::batpak::__private::EventPayload for #ident {
                #header

                fn kind(&self) -> ::batpak::__private::EventKind {
                    match self {
                        #(#kind_arms)*
                    }
                }

                fn encode_payload(
                    &self,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<::core::primitive::u8>,
                    ::batpak::__private::PayloadError,
                > {
                    let type_name = <Self as ::batpak::__private::EventPayload>::TYPE_NAME;
                    match self {
                        #(#encode_arms)*
                    }
                }

                fn decode_payload(
                    kind: ::batpak::__private::EventKind,
                    bytes: &[::core::primitive::u8],
                ) -> ::core::result::Result<Self, ::batpak::__private::PayloadError> {
                    let type_name = <Self as ::batpak::__private::EventPayload>::TYPE_NAME;
                    #(#decode_branches)*
                    ::core::result::Result::Err(::batpak::__private::unknown_kind::<Self>(kind))
                }
            }
        };
    }
}

fn encode_helper(variant: &PlannedVariant<'_>) -> Ident {
    format_ident!("__BatpakEncode{}", variant.ident)
}

fn decode_helper(variant: &PlannedVariant<'_>) -> Ident {
    format_ident!("__BatpakDecode{}", variant.ident)
}

/// `field0`, `field1`, ...: the bindings a variant's fields are moved into.
fn bindings(fields: &Fields) -> Vec<Ident> {
    (0..fields.len())
        .map(|index| format_ident!("__field{}", index))
        .collect()
}

/// The field's own `#[serde(...)]` attributes, carried to the helpers.
fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident(SERDE))
}

/// `Self::V`, `Self::V { .. }` or `Self::V(..)`.
fn ignoring_pattern(variant: &PlannedVariant<'_>) -> TokenStream {
    let ident = variant.ident;
    match variant.fields {
        Fields::Unit => quote!(Self::#ident),
        Fields::Named(_) => quote!(Self::#ident { .. }),
        Fields::Unnamed(_) => quote!(Self::#ident(..)),
    }
}

/// `Self::V { a: __field0, .. }` (or the tuple form) binding every field;
/// used both to take a variant apart and to build it.
fn binding_pattern(path: &TokenStream, fields: &Fields) -> TokenStream {
    let bound = bindings(fields);
    match fields {
        Fields::Unit => quote!(#path {}),
        Fields::Named(named) => {
            let names = named.named.iter().map(|field| &field.ident);
            quote!(#path { #(#names: #bound),* })
        }
        Fields::Unnamed(_) => quote!(#path(#(#bound),*)),
    }
}

/// Per variant, a borrowing struct to encode and an owning struct to
/// decode. Each holds exactly the variant's fields, so the stored bytes are
/// those of a plain struct with those fields: no variant name, no tag.
fn helper_structs(variant: &PlannedVariant<'_>) -> TokenStream {
    let encode = encode_helper(variant);
    let decode = decode_helper(variant);
    let serde_derive = |which: TokenStream| {
        quote! {
            #[derive(::batpak::__private::serde::#which)]
            #[serde(crate = "::batpak::__private::serde")]
            #[allow(dead_code, non_camel_case_types)]
        }
    };
    let ser = serde_derive(quote!(Serialize));
    let de = serde_derive(quote!(Deserialize));
    let fields = variant.fields.iter().map(|field| {
        let attrs = serde_attrs(&field.attrs);
        let name = field.ident.as_ref().map(|name| quote!(#name:));
        let ty = &field.ty;
        (quote!(#(#attrs)* #name &'__batpak #ty), {
            let attrs = serde_attrs(&field.attrs);
            quote!(#(#attrs)* #name #ty)
        })
    });
    let (borrowed, owned): (Vec<_>, Vec<_>) = fields.unzip();
    // A lifetime only when some field borrows (`V {}` and `V()` have none).
    let lifetime = (!variant.fields.is_empty()).then(|| quote!(<'__batpak>));
    match variant.fields {
        Fields::Unit => quote! {
            #ser
            struct #encode {}
            #de
            struct #decode {}
        },
        Fields::Named(_) => quote! {
            #ser
            struct #encode #lifetime { #(#borrowed),* }
            #de
            struct #decode { #(#owned),* }
        },
        Fields::Unnamed(_) => quote! {
            #ser
            struct #encode #lifetime (#(#borrowed),*);
            #de
            struct #decode(#(#owned),*);
        },
    }
}

/// `Self::V { a: __field0 } => encode_msgpack(type_name, &__BatpakEncodeV { a: __field0 }),`
fn encode_arm(variant: &PlannedVariant<'_>) -> TokenStream {
    let ident = variant.ident;
    let encode = encode_helper(variant);
    let take = binding_pattern(&quote!(Self::#ident), variant.fields);
    let take = match variant.fields {
        Fields::Unit => quote!(Self::#ident),
        _ => take,
    };
    let build = binding_pattern(&quote!(#encode), variant.fields);
    quote! {
        #take => ::batpak::__private::encode_msgpack(type_name, &#build),
    }
}

/// `if kind == Self::V { let __BatpakDecodeV { .. } = decode_msgpack(..)?; return Ok(Self::V { .. }); }`
fn decode_branch(variant: &PlannedVariant<'_>) -> TokenStream {
    let ident = variant.ident;
    let name = &variant.const_name;
    let decode = decode_helper(variant);
    let take = binding_pattern(&quote!(#decode), variant.fields);
    let build = match variant.fields {
        Fields::Unit => quote!(Self::#ident),
        _ => binding_pattern(&quote!(Self::#ident), variant.fields),
    };
    quote! {
        if kind == Self::#name {
            let #take: #decode = ::batpak::__private::decode_msgpack(type_name, kind, bytes)?;
            return ::core::result::Result::Ok(#build);
        }
    }
}
