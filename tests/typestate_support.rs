//! Hand-written payloads (what `#[derive(EventPayload)]` generates) and an
//! in-memory [`TransitionSink`] standing in for the store.

use std::collections::HashMap;
use std::sync::Mutex;

use batpak::typestate::{TransitionError, TransitionSink};
use batpak::{
    Coordinate, CorrelationId, Event, EventHash, EventHeader, EventId, EventPayload, StoredEvent,
};

/// Implements `EventPayload` and `SingleKind` for a struct payload, as the
/// derive does: `struct_event!(PaymentReceived { cents: u64 }, kind = (1, 1));`
#[macro_export]
macro_rules! struct_event {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }, kind = ($category:literal, $type_id:literal)) => {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct $name { $(pub $field: $ty),* }
        $crate::struct_event!(@impl $name, $category, $type_id);
    };
    ($name:ident, kind = ($category:literal, $type_id:literal)) => {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct $name;
        $crate::struct_event!(@impl $name, $category, $type_id);
    };
    (@impl $name:ident, $category:literal, $type_id:literal) => {

        impl ::batpak::EventPayload for $name {
            const KINDS: &'static [::batpak::EventKind] =
                &[<Self as ::batpak::SingleKind>::KIND];
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
            const KIND: ::batpak::EventKind = ::batpak::EventKind::custom($category, $type_id);
        }
    };
}

/// Implements `EventPayload` for an enum of unit variants, one kind each,
/// with the per-variant constants the derive generates:
/// `enum_event!(OrderEvent { PaymentReceived = PAYMENT_RECEIVED (2, 1), .. });`
#[macro_export]
macro_rules! enum_event {
    ($name:ident { $($variant:ident = $constant:ident ($category:literal, $type_id:literal)),* $(,)? }) => {
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($variant),* }

        impl $name {
            $(
                #[doc = concat!("The kind of `", stringify!($variant), "`.")]
                pub const $constant: ::batpak::EventKind =
                    ::batpak::EventKind::custom($category, $type_id);
            )*
        }

        impl ::batpak::EventPayload for $name {
            const KINDS: &'static [::batpak::EventKind] = &[$($name::$constant),*];
            const VERSION: u16 = 1;
            const TYPE_NAME: &'static str = stringify!($name);
            fn kind(&self) -> ::batpak::EventKind {
                match self { $($name::$variant => $name::$constant),* }
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
    };
}

/// An in-memory event log with the store's compare-and-swap rule: an append
/// names the entity sequence it expects to get, and fails if another append
/// got there first.
#[derive(Default)]
pub struct MemorySink {
    entities: Mutex<HashMap<String, Vec<StoredEvent<Vec<u8>>>>>,
}

impl MemorySink {
    /// The entity's stored events, in entity order.
    pub fn stream(&self, coordinate: &Coordinate) -> Vec<StoredEvent<Vec<u8>>> {
        let entities = self.entities.lock().unwrap();
        entities
            .get(&coordinate.to_string())
            .cloned()
            .unwrap_or_default()
    }

    /// Appends without any check, as code that bypasses the machine would.
    pub fn append_unchecked<P: EventPayload>(&self, coordinate: &Coordinate, payload: &P) -> u64 {
        self.append(coordinate, payload, None).unwrap()
    }

    /// Appends under one lock, checking the expected entity sequence if
    /// given.
    fn append<P: EventPayload>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
        expected_next: Option<u64>,
    ) -> Result<u64, TransitionError> {
        let mut entities = self.entities.lock().unwrap();
        let events = entities.entry(coordinate.to_string()).or_default();
        let entity_sequence = events.len() as u64;
        if let Some(expected) = expected_next.filter(|&e| e != entity_sequence) {
            return Err(TransitionError::Conflict {
                coordinate: coordinate.clone(),
                expected,
                actual: entity_sequence,
            });
        }
        events.push(StoredEvent {
            coordinate: coordinate.clone(),
            event: Event {
                header: EventHeader {
                    event_id: EventId::now(),
                    global_sequence: entity_sequence,
                    entity_sequence,
                    timestamp_micros: batpak::event::now_micros(),
                    kind: payload.kind(),
                    payload_version: P::VERSION,
                    correlation_id: CorrelationId::now(),
                    causation_id: None,
                },
                payload: payload.encode_payload().unwrap(),
            },
            prev_hash: EventHash::GENESIS,
            hash: EventHash::GENESIS,
        });
        Ok(entity_sequence)
    }
}

impl TransitionSink for MemorySink {
    fn append_expected<P: EventPayload>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
        expected_next: u64,
    ) -> Result<u64, TransitionError> {
        self.append(coordinate, payload, Some(expected_next))
    }
}
