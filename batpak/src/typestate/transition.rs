//! A payload checked against a declared edge ([`Transition`]), where it is
//! appended ([`TransitionSink`]), and why it was not ([`TransitionError`]).

use std::fmt;
use std::marker::PhantomData;

use super::{Causes, State, StateMachine};
use crate::coordinate::Coordinate;
use crate::event::{EventKind, EventPayload};

/// A payload checked against a declared edge from `From` to `To`: the proof a
/// store needs to append it as that transition. Its kind comes from the
/// payload.
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
/// use batpak::typestate::{StateMachine, Transition};
///
/// let opening = Transition::<door::Closed, door::Open, _>::new(DoorOpened)?;
/// assert_eq!(opening.kind(), DoorOpened::KIND);
/// let door = Door::new_entity(batpak::Coordinate::new("door-1", "house")?);
/// let open = door.apply(&store, opening)?;
/// assert_eq!(open.state(), Door::Open);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Transition<From, To, P> {
    payload: P,
    edge: PhantomData<fn() -> (From, To)>,
}

impl<From, To, P> Transition<From, To, P>
where
    From: State,
    To: State<Machine = From::Machine>,
    P: EventPayload,
    P: Causes<From::Machine, From, To>,
{
    /// Checks `payload` against the edge. The edge itself is checked at
    /// compile time; at run time, only that the payload's kind is one the
    /// edge declares (it matters for enum payloads, where each variant has
    /// its own kind).
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
    /// use batpak::typestate::Transition;
    ///
    /// let opening = Transition::<door::Closed, door::Open, _>::new(DoorOpened)?;
    /// let door = Door::new_entity(Coordinate::new("door-1", "house")?);
    /// let open = door.apply(&store, opening)?;
    /// assert_eq!(open.state(), Door::Open);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TransitionError::WrongEvent`] if the payload's kind is not one the
    /// edge declares.
    pub fn new(payload: P) -> Result<Self, TransitionError> {
        let kind = payload.kind();
        let declared = <P as Causes<From::Machine, From, To>>::KINDS;
        if !declared.contains(&kind) {
            return Err(TransitionError::WrongEvent {
                machine: <From::Machine as StateMachine>::NAME,
                from: From::STATE.name(),
                to: To::STATE.name(),
                event_type: P::TYPE_NAME,
                kind,
                declared,
            });
        }
        Ok(Transition {
            payload,
            edge: PhantomData,
        })
    }
}

impl<From, To, P: EventPayload> Transition<From, To, P> {
    /// The kind the event is stored as.
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
    /// use batpak::typestate::Transition;
    /// let breaking = Transition::<door::Open, door::Broken, _>::new(DoorBroken)?;
    /// assert_eq!(breaking.kind(), DoorBroken::KIND);
    /// # Ok::<(), batpak::typestate::TransitionError>(())
    /// ```
    pub fn kind(&self) -> EventKind {
        self.payload.kind()
    }

    /// The payload.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// #[derive(Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 1)]
    /// struct DoorOpened { by: String }
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// use batpak::typestate::Transition;
    ///
    /// let opening = Transition::<door::Closed, door::Open, _>::new(DoorOpened { by: "ada".into() })?;
    /// assert_eq!(opening.payload().by, "ada");
    /// # Ok::<(), batpak::typestate::TransitionError>(())
    /// ```
    pub fn payload(&self) -> &P {
        &self.payload
    }

    /// Gives the payload back.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use serde::{Deserialize, Serialize};
    /// #[derive(Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 1)]
    /// struct DoorOpened { by: String }
    /// # #[derive(Serialize, Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// use batpak::typestate::Transition;
    ///
    /// let opening = Transition::<door::Closed, door::Open, _>::new(DoorOpened { by: "ada".into() })?;
    /// let payload: DoorOpened = opening.into_payload();
    /// assert_eq!(payload.by, "ada");
    /// # Ok::<(), batpak::typestate::TransitionError>(())
    /// ```
    pub fn into_payload(self) -> P {
        self.payload
    }
}

impl<From, To, P: fmt::Debug> fmt::Debug for Transition<From, To, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transition")
            .field("from", &std::any::type_name::<From>())
            .field("to", &std::any::type_name::<To>())
            .field("payload", &self.payload)
            .finish()
    }
}

/// Where a [`Handle`](super::Handle) appends its transitions: the
/// [`Store`](crate::store::Store) (which implements it with
/// compare-and-swap on the entity sequence), or an in-memory fake in tests.
///
/// The one store-facing call of the typestate layer. An implementation
/// appends `payload` to `coordinate` only if the entity holds exactly
/// `expected_next` events (so the new event gets entity sequence
/// `expected_next`), atomically with the check.
///
/// # Examples
///
/// An in-memory sink, as a test might use:
///
/// ```
/// use std::cell::RefCell;
/// use batpak::typestate::{TransitionError, TransitionSink};
/// use batpak::{Coordinate, EventKind, EventPayload};
///
/// #[derive(Default)]
/// struct Memory(RefCell<Vec<EventKind>>);
///
/// impl TransitionSink for Memory {
///     fn append_expected<P: EventPayload>(
///         &self,
///         coordinate: &Coordinate,
///         payload: &P,
///         expected_next: u64,
///     ) -> Result<u64, TransitionError> {
///         let mut kinds = self.0.borrow_mut();
///         let actual = kinds.len() as u64;
///         if actual != expected_next {
///             let coordinate = coordinate.clone();
///             return Err(TransitionError::Conflict { coordinate, expected: expected_next, actual });
///         }
///         kinds.push(payload.kind());
///         Ok(actual)
///     }
/// }
/// # let _ = Memory::default();
/// ```
pub trait TransitionSink {
    /// Appends `payload` as the entity's event number `expected_next`
    /// (compare-and-swap on the entity sequence) and returns the entity
    /// sequence it got.
    ///
    /// # Errors
    ///
    /// [`TransitionError::Conflict`] when the entity does not hold exactly
    /// `expected_next` events; [`TransitionError::Append`] for anything else
    /// the sink refuses.
    fn append_expected<P: EventPayload + 'static>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
        expected_next: u64,
    ) -> Result<u64, TransitionError>;
}

/// Why a typed transition did not happen. The entity is unchanged.
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
/// use batpak::typestate::{StateMachine, TransitionError};
///
/// let id = batpak::Coordinate::new("door-1", "house")?;
/// let first = Door::new_entity(id.clone());
/// let second = Door::new_entity(id);
/// first.transition::<door::Open, _>(&store, DoorOpened)?;
/// let err = second.transition::<door::Open, _>(&store, DoorOpened).unwrap_err();
/// assert!(matches!(err, TransitionError::Conflict { expected: 0, actual: 1, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The payload's kind is not one the edge declares (an enum payload's
    /// other variant).
    #[error(
        "`{machine}` moves from `{from}` to `{to}` only on `{event_type}` of kind {}, and this \
         one has kind {kind}: pass a variant the declaration names for this transition",
        declared.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
    )]
    WrongEvent {
        /// The machine's name.
        machine: &'static str,
        /// The source state.
        from: &'static str,
        /// The target state.
        to: &'static str,
        /// The payload's type.
        event_type: &'static str,
        /// The payload's kind.
        kind: EventKind,
        /// The kinds the edge declares.
        declared: &'static [EventKind],
    },
    /// Someone appended to the entity since the handle was loaded.
    #[error(
        "entity {coordinate} has moved on since this handle was loaded (it expected {expected} \
         events, the entity has {actual}): load the entity again and retry from its current state"
    )]
    Conflict {
        /// The entity.
        coordinate: Coordinate,
        /// How many events the handle expected.
        expected: u64,
        /// How many the entity holds.
        actual: u64,
    },
    /// The machine's declaration has no such edge: the typed route to it was
    /// forged by implementing batpak's hidden typestate traits by hand.
    /// Nothing was appended.
    #[error(
        "`{machine}` declares no transition from `{from}` to `{to}` on kind {kind}: only \
         edges declared with `#[transition(to = .., on = ..)]` can be taken; declare it there \
         instead of implementing batpak's typestate traits by hand"
    )]
    Undeclared {
        /// The machine's name.
        machine: &'static str,
        /// The source state.
        from: &'static str,
        /// The target state.
        to: &'static str,
        /// The event's kind.
        kind: EventKind,
    },
    /// The sink refused the append for another reason.
    #[error("the transition's event could not be appended: {0}")]
    Append(#[source] Box<crate::Error>),
}
