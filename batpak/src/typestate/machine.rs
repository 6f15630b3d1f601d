//! [`StateMachine`]: the runtime side of a `#[state_machine]` declaration,
//! with its state and edge tables, replay and the Mermaid rendering.

use std::fmt::Write as _;

use super::replay::{HasHeader, ReplayError};
use super::seal::SealedMachine;
use crate::coordinate::Coordinate;
use crate::event::EventKind;

/// One state of a machine, as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateInfo {
    /// The variant's name.
    pub name: &'static str,
    /// Whether the state is `#[terminal]`.
    pub terminal: bool,
}

/// One declared transition: `from` moves to `to` when an event of `kind`
/// (named `event` in the declaration) is appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeInfo {
    /// Index of the source state in [`StateMachine::STATES`].
    pub from: usize,
    /// Index of the target state in [`StateMachine::STATES`].
    pub to: usize,
    /// The event as written in `on = ..` (its last path segment).
    pub event: &'static str,
    /// The event's stored kind.
    pub kind: EventKind,
}

/// A lifecycle declared with `#[state_machine]`: the enum of states itself is
/// the runtime state.
///
/// The trait is sealed: only `#[state_machine]` implements it. Its provided
/// methods replay an entity's history ([`StateMachine::replay`]), load an
/// entity as a typed handle ([`StateMachine::load`]) and draw the machine
/// ([`StateMachine::mermaid`]).
///
/// # Examples
///
/// ```
/// use batpak::typestate::StateMachine;
/// # use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
/// # macro_rules! event { ($name:ident, $type_id:literal) => {
/// #     #[derive(serde::Serialize, serde::Deserialize)] struct $name;
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
///
/// #[batpak::state_machine]
/// #[derive(Debug, PartialEq)]
/// enum Door {
///     #[initial]
///     #[transition(to = Open, on = DoorOpened)]
///     Closed,
///     #[transition(to = Closed, on = DoorClosed)]
///     Open,
/// }
///
/// let kinds = [DoorOpened::KIND, DoorClosed::KIND, DoorOpened::KIND];
/// assert_eq!(Door::replay_kinds(kinds)?, Door::Open);
/// assert_eq!(Door::Closed.next(DoorClosed::KIND), None);
/// # Ok::<(), batpak::typestate::ReplayError>(())
/// ```
pub trait StateMachine: SealedMachine + Sized + 'static {
    /// The enum's name.
    const NAME: &'static str;
    /// The `#[initial]` state: where an entity with no events is.
    const INITIAL: Self;
    /// Every state, in declaration order.
    const STATES: &'static [StateInfo];
    /// Every declared transition, in declaration order.
    const EDGES: &'static [EdgeInfo];

    /// What [`StateMachine::load`] returns: an enum with one typed
    /// [`Handle`](super::Handle) per state, to `match` on.
    type Loaded;

    /// The marker type of the `#[initial]` state.
    type InitialState: super::Initial<Machine = Self>;

    /// This state's position in [`StateMachine::STATES`].
    fn index(&self) -> usize;

    /// The state at `index` in [`StateMachine::STATES`].
    fn from_index(index: usize) -> Option<Self>;

    #[doc(hidden)]
    fn __loaded(self, coordinate: Coordinate, next_sequence: u64) -> Self::Loaded;

    /// A handle to a new entity (no events yet) in the initial state. Its
    /// first transition fails with a conflict if the entity has events after
    /// all: use [`StateMachine::load`] for existing entities.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("door-1", "house")?;
    /// let door: Handle<door::Closed> = Door::new_entity(coord.clone());
    /// assert_eq!(door.next_sequence(), 0);
    /// let _open: Handle<door::Open> = door.transition(&store, DoorOpened)?;
    /// assert_eq!(store.replay_machine::<Door>(&coord)?, Door::Open);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn new_entity(coordinate: Coordinate) -> super::Handle<Self::InitialState> {
        super::Handle::new(coordinate)
    }

    /// The state's name as declared.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// assert_eq!(Door::Open.name(), "Open");
    /// assert_eq!(Door::INITIAL.name(), "Closed");
    /// ```
    fn name(&self) -> &'static str {
        Self::STATES
            .get(self.index())
            .map_or("<unknown state>", |info| info.name)
    }

    /// Whether the state is `#[terminal]` (no transition leaves it).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// assert!(Door::Broken.is_terminal());
    /// assert!(!Door::Open.is_terminal());
    /// ```
    fn is_terminal(&self) -> bool {
        Self::STATES
            .get(self.index())
            .is_some_and(|info| info.terminal)
    }

    /// The state an event of `kind` moves this state to, if the machine
    /// declares such a transition.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// assert_eq!(Door::Closed.next(DoorOpened::KIND), Some(Door::Open));
    /// assert_eq!(Door::Closed.next(DoorClosed::KIND), None, "a closed door cannot close");
    /// assert_eq!(Door::Broken.next(DoorOpened::KIND), None);
    /// ```
    fn next(&self, kind: EventKind) -> Option<Self> {
        let from = self.index();
        Self::EDGES
            .iter()
            .find(|edge| edge.from == from && edge.kind == kind)
            .and_then(|edge| Self::from_index(edge.to))
    }

    /// The state reached by applying event kinds, in order, from the initial
    /// state.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::typestate::ReplayError;
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// let kinds = [DoorOpened::KIND, DoorClosed::KIND, DoorOpened::KIND, DoorBroken::KIND];
    /// assert_eq!(Door::replay_kinds(kinds)?, Door::Broken);
    ///
    /// // Position 2 breaks the machine: nothing leaves the terminal `Broken`.
    /// let err = Door::replay_kinds([DoorOpened::KIND, DoorBroken::KIND, DoorClosed::KIND]).unwrap_err();
    /// assert!(matches!(err, ReplayError::UndeclaredTransition { entity_sequence: 2, .. }));
    /// # Ok::<(), ReplayError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReplayError::UndeclaredTransition`] for the first kind the current
    /// state has no transition on; its `entity_sequence` is the kind's
    /// position in the input.
    fn replay_kinds(kinds: impl IntoIterator<Item = EventKind>) -> Result<Self, ReplayError> {
        let mut state = Self::INITIAL;
        for (position, kind) in (0u64..).zip(kinds) {
            state = step(state, kind, position, None)?;
        }
        Ok(state)
    }

    /// The state an entity is in after its stored history: every event of
    /// the entity, in entity order (entity sequences 0, 1, 2, ...).
    /// batpak's own system events (category 0) are skipped.
    ///
    /// Accepts anything with an event header: `StoredEvent<P>`, `Event<P>`,
    /// `EventHeader`, or references to them.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::typestate::ReplayError;
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("door-1", "house")?;
    /// store.append_typed(&coord, &DoorOpened)?;
    /// store.append_typed(&coord, &DoorClosed)?;
    /// let events = store.stream(&coord).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(Door::replay(&events)?, Door::Closed);
    ///
    /// // Part of a history is refused: it does not start at entity sequence 0.
    /// let err = Door::replay(&events[1..]).unwrap_err();
    /// assert!(matches!(err, ReplayError::SequenceGap { expected: 0, found: 1, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReplayError::UndeclaredTransition`] naming the first event (entity
    /// sequence, id, kind) the machine does not allow;
    /// [`ReplayError::SequenceGap`] if the history does not start at entity
    /// sequence 0 or skips one (it is not the entity's whole history).
    fn replay<E: HasHeader>(events: impl IntoIterator<Item = E>) -> Result<Self, ReplayError> {
        replay_counted::<Self, E>(events).map(|(state, _)| state)
    }

    /// Replays an entity's whole history (as [`StateMachine::replay`]) and
    /// returns a typed handle to it in the state reached, to `match` on.
    /// The handle remembers how many events it saw, so its next transition
    /// appends only if no one else has appended since.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("door-1", "house")?;
    /// store.append_typed(&coord, &DoorOpened)?;
    /// let events = store.stream(&coord).collect::<Result<Vec<_>, _>>()?;
    /// match Door::load(coord, &events)? {
    ///     door::Loaded::Open(open) => {
    ///         assert_eq!(open.next_sequence(), 1);
    ///         let _broken: Handle<door::Broken> = open.transition(&store, DoorBroken)?;
    ///     }
    ///     other => panic!("expected an open door, got {other:?}"),
    /// }
    /// assert_eq!(store.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`StateMachine::replay`].
    fn load<E: HasHeader>(
        coordinate: Coordinate,
        events: impl IntoIterator<Item = E>,
    ) -> Result<Self::Loaded, ReplayError> {
        let (state, next_sequence) = replay_counted::<Self, E>(events)?;
        Ok(state.__loaded(coordinate, next_sequence))
    }

    /// The machine as a Mermaid `stateDiagram-v2`, for docs: the initial
    /// state, every transition labelled with its event, and the terminal
    /// states.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 3)]
    /// # struct DoorBroken;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     #[transition(to = Broken, on = DoorBroken)]
    /// #     Open,
    /// #     #[terminal]
    /// #     Broken,
    /// # }
    /// let diagram = Door::mermaid();
    /// assert!(diagram.starts_with("stateDiagram-v2\n    [*] --> Closed\n"));
    /// assert!(diagram.contains("    Open --> Broken: DoorBroken\n"));
    /// assert!(diagram.ends_with("    Broken --> [*]\n"));
    /// ```
    fn mermaid() -> String {
        let mut out = String::from("stateDiagram-v2\n");
        let name = |index: usize| Self::STATES.get(index).map_or("?", |info| info.name);
        // Writing to a String cannot fail.
        let _ = writeln!(out, "    [*] --> {}", Self::INITIAL.name());
        for edge in Self::EDGES {
            let _ = writeln!(
                out,
                "    {} --> {}: {}",
                name(edge.from),
                name(edge.to),
                edge.event
            );
        }
        for info in Self::STATES.iter().filter(|info| info.terminal) {
            let _ = writeln!(out, "    {} --> [*]", info.name);
        }
        out
    }
}

/// Replays and counts: the state reached and the entity sequence the next
/// event must get.
fn replay_counted<M: StateMachine, E: HasHeader>(
    events: impl IntoIterator<Item = E>,
) -> Result<(M, u64), ReplayError> {
    let mut state = M::INITIAL;
    let mut next_sequence = 0u64;
    for event in events {
        let header = event.header();
        if header.entity_sequence != next_sequence {
            return Err(ReplayError::SequenceGap {
                machine: M::NAME,
                expected: next_sequence,
                found: header.entity_sequence,
                event_id: header.event_id,
            });
        }
        state = step(state, header.kind, header.entity_sequence, Some(header))?;
        next_sequence += 1;
    }
    Ok((state, next_sequence))
}

/// One event's effect. batpak's own system events (category 0, such as a
/// recorded denial) are not part of any domain machine and leave the state
/// as it is; they still count as entity sequences.
fn step<M: StateMachine>(
    state: M,
    kind: EventKind,
    entity_sequence: u64,
    header: Option<&crate::event::EventHeader>,
) -> Result<M, ReplayError> {
    if kind.is_system() {
        return Ok(state);
    }
    state
        .next(kind)
        .ok_or_else(|| ReplayError::UndeclaredTransition {
            machine: M::NAME,
            state: state.name(),
            terminal: state.is_terminal(),
            kind,
            event: M::EDGES
                .iter()
                .find(|edge| edge.kind == kind)
                .map(|edge| edge.event),
            entity_sequence,
            event_id: header.map(|h| h.event_id),
        })
}
