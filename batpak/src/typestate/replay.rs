//! Replaying stored history through a machine: [`HasHeader`] (what replay
//! reads) and [`ReplayError`] (the event that broke the machine).

use crate::event::{Event, EventHeader, EventKind, StoredEvent};
use crate::id::EventId;

/// Anything replay can read an event header from.
///
/// # Examples
///
/// ```
/// # use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
/// # use batpak::typestate::TransitionSink;
/// # macro_rules! event { ($name:ident, $type_id:literal) => {
/// #     #[derive(Debug, serde::Serialize, serde::Deserialize)] struct $name;
/// #     impl EventPayload for $name {
/// #         const KINDS: &'static [EventKind] = &[Self::KIND];
/// #         const VERSION: u16 = 1;
/// #         const TYPE_NAME: &'static str = stringify!($name);
/// #         fn kind(&self) -> EventKind { Self::KIND }
/// #         fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
/// #             batpak::event::encode_msgpack(Self::TYPE_NAME, self)
/// #         }
/// #         fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
/// #             batpak::event::check_kind::<Self>(kind)?;
/// #             batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
/// #         }
/// #     }
/// #     impl SingleKind for $name { const KIND: EventKind = EventKind::custom(1, $type_id); }
/// # } }
/// # event!(DoorOpened, 1);
/// # event!(DoorClosed, 2);
/// # #[batpak::state_machine]
/// # #[derive(Debug, Clone, Copy, PartialEq)]
/// # enum Door {
/// #     #[initial] #[transition(to = Open, on = DoorOpened)] Closed,
/// #     #[transition(to = Closed, on = DoorClosed)] Open,
/// # }
/// # #[derive(Default)]
/// # struct Store(std::cell::Cell<u64>);
/// # impl TransitionSink for Store {
/// #     fn append_expected<P: EventPayload>(&self, c: &batpak::Coordinate, _: &P, next: u64)
/// #         -> Result<u64, batpak::typestate::TransitionError> {
/// #         if self.0.get() != next {
/// #             return Err(batpak::typestate::TransitionError::Conflict {
/// #                 coordinate: c.clone(), expected: next, actual: self.0.get() });
/// #         }
/// #         self.0.set(next + 1);
/// #         Ok(next)
/// #     }
/// # }
/// # let store = Store::default();
/// use batpak::typestate::StateMachine;
/// use batpak::{CorrelationId, EventHeader, EventId};
///
/// let header = |entity_sequence, kind| EventHeader {
///     event_id: EventId::now(),
///     global_sequence: entity_sequence,
///     entity_sequence,
///     timestamp_micros: 0,
///     kind,
///     payload_version: 1,
///     correlation_id: CorrelationId::now(),
///     causation_id: None,
/// };
/// let history = vec![header(0, DoorOpened::KIND), header(1, DoorClosed::KIND)];
/// assert_eq!(Door::replay(&history)?, Door::Closed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait HasHeader {
    /// The event's header.
    fn header(&self) -> &EventHeader;
}

impl HasHeader for EventHeader {
    fn header(&self) -> &EventHeader {
        self
    }
}

impl<P> HasHeader for Event<P> {
    fn header(&self) -> &EventHeader {
        &self.header
    }
}

impl<P> HasHeader for StoredEvent<P> {
    fn header(&self) -> &EventHeader {
        &self.event.header
    }
}

impl<T: HasHeader + ?Sized> HasHeader for &T {
    fn header(&self) -> &EventHeader {
        (**self).header()
    }
}

/// A stored history that a `#[state_machine]` does not accept.
///
/// # Examples
///
/// ```
/// # use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
/// # use batpak::typestate::TransitionSink;
/// # macro_rules! event { ($name:ident, $type_id:literal) => {
/// #     #[derive(Debug, serde::Serialize, serde::Deserialize)] struct $name;
/// #     impl EventPayload for $name {
/// #         const KINDS: &'static [EventKind] = &[Self::KIND];
/// #         const VERSION: u16 = 1;
/// #         const TYPE_NAME: &'static str = stringify!($name);
/// #         fn kind(&self) -> EventKind { Self::KIND }
/// #         fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
/// #             batpak::event::encode_msgpack(Self::TYPE_NAME, self)
/// #         }
/// #         fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
/// #             batpak::event::check_kind::<Self>(kind)?;
/// #             batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
/// #         }
/// #     }
/// #     impl SingleKind for $name { const KIND: EventKind = EventKind::custom(1, $type_id); }
/// # } }
/// # event!(DoorOpened, 1);
/// # event!(DoorClosed, 2);
/// # #[batpak::state_machine]
/// # #[derive(Debug, Clone, Copy, PartialEq)]
/// # enum Door {
/// #     #[initial] #[transition(to = Open, on = DoorOpened)] Closed,
/// #     #[transition(to = Closed, on = DoorClosed)] Open,
/// # }
/// # #[derive(Default)]
/// # struct Store(std::cell::Cell<u64>);
/// # impl TransitionSink for Store {
/// #     fn append_expected<P: EventPayload>(&self, c: &batpak::Coordinate, _: &P, next: u64)
/// #         -> Result<u64, batpak::typestate::TransitionError> {
/// #         if self.0.get() != next {
/// #             return Err(batpak::typestate::TransitionError::Conflict {
/// #                 coordinate: c.clone(), expected: next, actual: self.0.get() });
/// #         }
/// #         self.0.set(next + 1);
/// #         Ok(next)
/// #     }
/// # }
/// # let store = Store::default();
/// use batpak::typestate::{ReplayError, StateMachine};
///
/// // Closing a closed door is not a transition of `Door`.
/// let err = Door::replay_kinds([DoorOpened::KIND, DoorClosed::KIND, DoorClosed::KIND]).unwrap_err();
/// assert!(matches!(
///     err,
///     ReplayError::UndeclaredTransition { state: "Closed", entity_sequence: 2, .. }
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// An event the current state has no transition on.
    #[error(
        "`{machine}` history is broken at entity sequence {entity_sequence}{}: {}; the history \
         was written outside the machine, or the declaration changed since: fix the declaration \
         or migrate the entity",
        event_id.map(|id| format!(" (event {id})")).unwrap_or_default(),
        if *terminal {
            format!("`{state}` is terminal, yet an event of kind {kind}{} follows it", event_name(*event))
        } else {
            format!("`{state}` has no transition on an event of kind {kind}{}", event_name(*event))
        }
    )]
    UndeclaredTransition {
        /// The machine's name.
        machine: &'static str,
        /// The state the entity was in.
        state: &'static str,
        /// Whether that state is terminal.
        terminal: bool,
        /// The offending event's kind.
        kind: EventKind,
        /// The event's name, if the machine mentions its kind anywhere.
        event: Option<&'static str>,
        /// The offending event's entity sequence (for
        /// [`StateMachine::replay_kinds`](super::StateMachine::replay_kinds):
        /// its position in the input).
        entity_sequence: u64,
        /// The offending event's id, when replaying stored events.
        event_id: Option<EventId>,
    },
    /// The events did not start at entity sequence 0 or skipped one.
    #[error(
        "`{machine}` replay expected entity sequence {expected} but got {found} (event \
         {event_id}): replay needs the entity's whole history, in entity order"
    )]
    SequenceGap {
        /// The machine's name.
        machine: &'static str,
        /// The entity sequence that should have come next.
        expected: u64,
        /// The one that came.
        found: u64,
        /// The event that came.
        event_id: EventId,
    },
}

fn event_name(event: Option<&str>) -> String {
    event.map(|name| format!(" (`{name}`)")).unwrap_or_default()
}
