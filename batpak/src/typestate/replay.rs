//! Replaying stored history through a machine: [`HasHeader`] (what replay
//! reads) and [`ReplayError`] (the event that broke the machine).

use crate::event::{Event, EventHeader, EventKind, StoredEvent};
use crate::id::EventId;

/// Anything replay can read an event header from.
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// An event the current state has no transition on.
    #[error(
        "`{machine}` history is broken at entity sequence {entity_sequence}{}: \
         an event of kind {kind}{} does not move state `{state}`{}; the history was written \
         outside the machine, or the declaration changed since: fix the declaration or \
         migrate the entity",
        event_id.map(|id| format!(" (event {id})")).unwrap_or_default(),
        event.map(|name| format!(" (`{name}`)")).unwrap_or_default(),
        if *terminal { ", which is terminal" } else { "" }
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
