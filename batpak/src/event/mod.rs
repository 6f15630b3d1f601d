//! WHAT happened: event kinds, headers, stored events and the
//! [`EventPayload`] trait that `#[derive(EventPayload)]` implements.

mod collision;
mod header;
mod kind;
mod payload;
mod upcast;

pub use collision::{kinds_are_distinct, KindCollision, KindRegistry};
pub use header::{now_micros, Event, EventHash, EventHeader, StoredEvent};
pub use kind::{EventKind, KindError, MAX_CATEGORY, MAX_TYPE_ID, SYSTEM_CATEGORY};
pub use payload::{
    check_kind, decode_msgpack, encode_msgpack, unknown_kind, EventPayload, PayloadError,
    SingleKind,
};
// For generated code only (reached through `batpak::__private`).
#[doc(hidden)]
pub use payload::{decode_struct, encode_struct, StructDeserialize, StructSerialize};
pub use upcast::{decode_versioned, Upcasters};
