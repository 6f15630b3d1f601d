//! Unit, tuple, struct and empty variants; split attributes; kinds as consts.
use batpak::{EventKind, EventPayload};

#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 2)]
#[batpak(version = 3)]
pub enum Shapes {
    #[batpak(type_id = 1)]
    Unit,
    #[batpak(type_id = 2)]
    Newtype(String),
    #[batpak(type_id = 3)]
    Tuple(u8, Vec<u16>, Option<bool>),
    #[batpak(type_id = 4)]
    Named { id: u64, label: Box<str> },
    #[batpak(type_id = 5)]
    EmptyNamed {},
    #[batpak(type_id = 6)]
    EmptyTuple(),
    /// Docs and other attributes on a variant are fine.
    #[allow(dead_code)]
    #[batpak(type_id = 0xFFF)]
    HTTPRequestSent { url: String },
}

const KIND: EventKind = Shapes::HTTP_REQUEST_SENT;
const _: () = assert!(KIND.type_id() == 0xFFF);
const _: () = assert!(Shapes::KINDS.len() == 7);

fn main() {
    let _ = Shapes::Unit.kind() == Shapes::UNIT;
}
