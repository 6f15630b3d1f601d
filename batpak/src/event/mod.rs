//! WHAT happened: event kinds, headers, stored events and the
//! [`EventPayload`] trait that `#[derive(EventPayload)]` implements.

mod header;
mod kind;
mod payload;

pub use header::{now_micros, Event, EventHash, EventHeader, StoredEvent};
pub use kind::{EventKind, KindError, MAX_CATEGORY, MAX_TYPE_ID, SYSTEM_CATEGORY};
pub use payload::{
    check_kind, decode_msgpack, encode_msgpack, EventPayload, PayloadError, SingleKind,
};
