//! One-line declarations of derived payloads and an in-memory
//! [`TransitionSink`] standing in for the store (`tests/state_machine.rs`;
//! `tests/state_machine_store.rs` uses the real store).

use std::collections::HashMap;
use std::sync::Mutex;

use batpak::typestate::{TransitionError, TransitionSink};
use batpak::{
    Coordinate, CorrelationId, Event, EventHash, EventHeader, EventId, EventPayload, StoredEvent,
};

/// Declares a derived struct payload in one line:
/// `struct_event!(PaymentReceived { cents: u64 }, kind = (1, 1));`
#[macro_export]
macro_rules! struct_event {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }, kind = ($category:literal, $type_id:literal)) => {
        #[derive(
            Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::batpak::EventPayload,
        )]
        #[batpak(category = $category, type_id = $type_id)]
        pub struct $name { $(pub $field: $ty),* }
    };
    ($name:ident, kind = ($category:literal, $type_id:literal)) => {
        #[derive(
            Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::batpak::EventPayload,
        )]
        #[batpak(category = $category, type_id = $type_id)]
        pub struct $name;
    };
}

/// Declares a derived enum payload of unit variants, one kind each (the
/// derive names each kind `TicketEvent::ASSIGNED` and so on):
/// `enum_event!(TicketEvent, category = 2 { Assigned = 1, Resolved = 3 });`
#[macro_export]
macro_rules! enum_event {
    ($name:ident, category = $category:literal { $($variant:ident = $type_id:literal),* $(,)? }) => {
        #[derive(Debug, Clone, PartialEq, ::batpak::EventPayload)]
        #[batpak(category = $category)]
        pub enum $name { $(#[batpak(type_id = $type_id)] $variant),* }
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
