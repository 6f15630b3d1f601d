//! Shared fixtures for the cases in `ui/` (driven by `ui.rs`): the `bank`
//! module and the `event!` macro.

pub mod bank;
/// A unit-struct event payload, implemented by hand the way
/// `#[derive(EventPayload)]` does: `batpak_ui_tests::event!(OrderShipped, 3);`
/// (category 1, the given type id).
#[macro_export]
macro_rules! event {
    ($name:ident, $type_id:literal) => {
        #[doc = concat!("The `", stringify!($name), "` event.")]
        #[derive(Debug, ::serde::Serialize, ::serde::Deserialize)]
        pub struct $name;

        impl ::batpak::EventPayload for $name {
            const KINDS: &'static [::batpak::EventKind] = &[<Self as ::batpak::SingleKind>::KIND];
            const VERSION: u16 = 1;
            const TYPE_NAME: &'static str = stringify!($name);
            fn kind(&self) -> ::batpak::EventKind {
                <Self as ::batpak::SingleKind>::KIND
            }
            fn encode_payload(&self) -> Result<Vec<u8>, ::batpak::PayloadError> {
                ::batpak::event::encode_msgpack(Self::TYPE_NAME, self)
            }
            fn decode_payload(
                kind: ::batpak::EventKind,
                bytes: &[u8],
            ) -> Result<Self, ::batpak::PayloadError> {
                ::batpak::event::check_kind::<Self>(kind)?;
                ::batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
            }
        }

        impl ::batpak::SingleKind for $name {
            const KIND: ::batpak::EventKind = ::batpak::EventKind::custom(1, $type_id);
        }
    };
}
