//! Generated code does not depend on the user's names: local items called
//! `Result`, `Vec`, `serde`, `batpak`-like helpers, or a `#![deny(missing_docs)]`
//! crate, change nothing.
#![deny(missing_docs, warnings)]

/// A module that shadows common names.
pub mod events {
    #![allow(dead_code)]
    use batpak::EventPayload;

    /// Shadows `Result`.
    pub type Result<T> = core::result::Result<T, ()>;
    /// Shadows `Vec`.
    pub struct Vec;
    /// Shadows `serde`.
    pub mod serde {}
    /// Shadows `Option`.
    pub enum Option {}

    /// Account events.
    #[derive(batpak::EventPayload)]
    #[batpak(category = 9)]
    pub enum AccountEvent {
        /// Opened.
        #[batpak(type_id = 1)]
        Opened {
            /// Who.
            owner: String,
        },
        /// Closed.
        #[batpak(type_id = 2)]
        Closed,
    }

    /// A struct payload in the same module.
    #[derive(::serde::Serialize, ::serde::Deserialize, EventPayload)]
    #[batpak(category = 9, type_id = 3)]
    pub struct Audited {
        /// Who.
        pub by: String,
    }
}

fn main() {
    use batpak::EventPayload;
    let kind = events::AccountEvent::Closed.kind();
    assert_eq!(kind, events::AccountEvent::CLOSED);
}
