//! Pins the generated code: a representative struct and enum are expanded,
//! formatted with prettyplease and compared to the files in
//! `batpak-derive/snapshots/`. A change to the expansion shows up as a diff
//! to review; accept it with `BATPAK_BLESS=1 cargo test -p batpak-derive`.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;

fn assert_snapshot(name: &str, input: TokenStream) {
    let expanded = super::derive(input);
    let file: syn::File = syn::parse2(expanded).expect("the expansion parses as a file");
    let pretty = prettyplease::unparse(&file);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(format!("{name}.expanded.rs"));
    if std::env::var_os("BATPAK_BLESS").is_some() {
        std::fs::write(&path, &pretty).expect("write snapshot");
        return;
    }
    let pinned = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        pinned == pretty,
        "the expansion of `{name}` changed; review it and accept with \
         BATPAK_BLESS=1 cargo test -p batpak-derive\n--- pinned ({})\n{pinned}\n--- now\n{pretty}",
        path.display()
    );
}

#[test]
fn struct_expansion_is_pinned() {
    assert_snapshot(
        "struct",
        quote! {
            #[derive(Serialize, Deserialize, EventPayload)]
            #[batpak(category = 1, type_id = 0x010, version = 2)]
            pub struct Deposited {
                pub cents: u64,
            }
        },
    );
}

#[test]
fn enum_expansion_is_pinned() {
    assert_snapshot(
        "enum",
        quote! {
            #[derive(EventPayload)]
            #[batpak(category = 1)]
            pub enum AccountEvent {
                #[batpak(type_id = 1)]
                Opened,
                #[batpak(type_id = 2)]
                Deposited {
                    cents: u64,
                    #[serde(default)]
                    memo: Option<String>,
                },
                #[batpak(type_id = 3)]
                Renamed(String),
            }
        },
    );
}

#[test]
fn errors_are_all_reported_with_a_fallback_impl() {
    let expanded = super::derive(quote! {
        #[batpak(category = 0)]
        enum Broken {
            #[batpak(type_id = 0x1000)]
            A,
            B,
        }
    })
    .to_string();
    assert_eq!(expanded.matches("compile_error").count(), 3, "{expanded}");
    assert!(expanded.contains("impl :: batpak :: __private :: EventPayload for Broken"));
}
