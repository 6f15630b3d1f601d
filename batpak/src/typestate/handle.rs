//! [`Handle`]: an entity in a state known at compile time, moving along
//! declared edges.

use std::fmt;
use std::marker::PhantomData;

use super::{Causes, Initial, State, StateMachine, Transition, TransitionError, TransitionSink};
use crate::coordinate::Coordinate;
use crate::event::EventPayload;

/// An entity bound to a state known at compile time. Moving it along a
/// declared edge ([`Handle::transition`]) appends the event and gives back
/// the handle in the new state; an undeclared move does not compile.
///
/// A handle remembers how many events the entity had when it was loaded;
/// its transition appends only if that is still true, so two handles cannot
/// both move the same entity. It is deliberately not `Clone`: a move
/// consumes it, and after a refused move, load the entity again.
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
/// use batpak::typestate::{Handle, StateMachine};
///
/// let door = Door::new_entity(batpak::Coordinate::new("door-1", "house")?);
/// let open: Handle<door::Open> = door.transition(&store, DoorOpened)?;
/// assert_eq!((open.state(), open.next_sequence()), (Door::Open, 1));
/// assert_eq!(open.coordinate().entity(), "door-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Handle<S> {
    coordinate: Coordinate,
    next_sequence: u64,
    state: PhantomData<fn() -> S>,
}

/// A handle at a known place in an entity's history. Hidden: only replay
/// (through generated code) and transitions create handles in a given state.
#[doc(hidden)]
pub fn handle_at<S: State>(coordinate: Coordinate, next_sequence: u64) -> Handle<S> {
    Handle {
        coordinate,
        next_sequence,
        state: PhantomData,
    }
}

impl<S: State> Handle<S> {
    /// A handle to an entity with no events yet, in the initial state. Its
    /// first transition fails with [`TransitionError::Conflict`] if the
    /// entity has events after all (load it instead).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::TransitionError;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, Clone, Copy, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let id = Coordinate::new("door-1", "house")?;
    /// let door: Handle<door::Closed> = Handle::new(id.clone());
    /// assert_eq!((door.state(), door.next_sequence()), (Door::Closed, 0));
    /// door.transition::<door::Open, _>(&store, DoorOpened)?;
    ///
    /// // `new` claims the entity is empty; it is not any more, so the move is refused.
    /// let again: Handle<door::Closed> = Handle::new(id);
    /// let refused = again.transition::<door::Open, _>(&store, DoorOpened);
    /// assert!(matches!(refused, Err(TransitionError::Conflict { expected: 0, actual: 1, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(coordinate: Coordinate) -> Self
    where
        S: Initial,
    {
        handle_at(coordinate, 0)
    }

    /// The entity.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::TransitionError;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, Clone, Copy, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let id = Coordinate::new("door-1", "house")?;
    /// let open = Door::new_entity(id.clone()).transition::<door::Open, _>(&store, DoorOpened)?;
    /// assert_eq!(open.coordinate(), &id);
    /// assert_eq!(open.coordinate().entity(), "door-1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn coordinate(&self) -> &Coordinate {
        &self.coordinate
    }

    /// How many events the entity held when this handle saw it last: the
    /// entity sequence its next transition will get.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::TransitionError;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, Clone, Copy, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let id = Coordinate::new("door-1", "house")?;
    /// let closed = Door::new_entity(id.clone());
    /// assert_eq!(closed.next_sequence(), 0);
    /// let open = closed.transition::<door::Open, _>(&store, DoorOpened)?;
    /// let closed = open.transition::<door::Closed, _>(&store, DoorClosed)?;
    /// assert_eq!(closed.next_sequence(), 2);
    ///
    /// // A handle loaded from the store starts where the entity's history ends.
    /// let door::Loaded::Closed(loaded) = store.load_machine::<Door>(&id)? else {
    ///     panic!("the door was closed last");
    /// };
    /// assert_eq!(loaded.next_sequence(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_sequence(&self) -> u64 {
        self.next_sequence
    }

    /// The state, at run time.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::TransitionError;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, Clone, Copy, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let closed = Door::new_entity(Coordinate::new("door-1", "house")?);
    /// assert_eq!(closed.state(), Door::Closed);
    /// let open = closed.transition::<door::Open, _>(&store, DoorOpened)?;
    /// assert_eq!(open.state(), Door::Open);
    /// assert_eq!(format!("{:?}", open.state()), "Open");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn state(&self) -> S::Machine {
        S::STATE
    }

    /// Moves the entity from `S` to `To` by appending `payload`, with
    /// compare-and-swap on the entity sequence, and returns the handle in
    /// the new state. Name `To` by the binding's type or by turbofish
    /// (`transition::<order::Paid, _>`).
    ///
    /// Compiles only if the machine declares the edge `S → To` on `P`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::TransitionError;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, Clone, Copy, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let id = Coordinate::new("door-1", "house")?;
    /// // The target state is named by the binding's type here, by turbofish below.
    /// let open: Handle<door::Open> = Door::new_entity(id.clone()).transition(&store, DoorOpened)?;
    /// assert_eq!((open.state(), store.replay_machine::<Door>(&id)?), (Door::Open, Door::Open));
    ///
    /// // Two people load the open door; the first to move it wins.
    /// let (door::Loaded::Open(alice), door::Loaded::Open(bob)) =
    ///     (store.load_machine::<Door>(&id)?, store.load_machine::<Door>(&id)?)
    /// else {
    ///     panic!("the door is open");
    /// };
    /// let closed = alice.transition::<door::Closed, _>(&store, DoorClosed)?;
    /// assert_eq!(closed.next_sequence(), 2);
    ///
    /// // Bob's handle is stale: nothing is appended, and he is told to reload.
    /// let stale = bob.transition::<door::Closed, _>(&store, DoorClosed);
    /// assert!(matches!(stale, Err(TransitionError::Conflict { expected: 1, actual: 2, .. })));
    /// assert_eq!(store.replay_machine::<Door>(&id)?, Door::Closed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TransitionError::WrongEvent`] if `payload` is a variant of an enum
    /// whose kind the edge does not declare; [`TransitionError::Conflict`]
    /// if the entity changed since this handle was loaded (reload it);
    /// [`TransitionError::Append`] if the sink refuses the event.
    pub fn transition<To, P>(
        self,
        sink: &(impl TransitionSink + ?Sized),
        payload: P,
    ) -> Result<Handle<To>, TransitionError>
    where
        To: State<Machine = S::Machine>,
        P: EventPayload + 'static,
        P: Causes<S::Machine, S, To>,
    {
        self.apply(sink, Transition::<S, To, P>::new(payload)?)
    }

    /// Appends an already-checked [`Transition`] (see
    /// [`Handle::transition`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::TransitionError;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct DoorOpened;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 2)]
    /// # struct DoorClosed;
    /// # #[batpak::state_machine]
    /// # #[derive(Debug, Clone, Copy, PartialEq)]
    /// # enum Door {
    /// #     #[initial]
    /// #     #[transition(to = Open, on = DoorOpened)]
    /// #     Closed,
    /// #     #[transition(to = Closed, on = DoorClosed)]
    /// #     Open,
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// use batpak::typestate::Transition;
    ///
    /// // Check the event against the edge first (e.g. where it is built), append later.
    /// let opening = Transition::<door::Closed, door::Open, _>::new(DoorOpened)?;
    /// let door = Door::new_entity(Coordinate::new("door-1", "house")?);
    /// let open = door.apply(&store, opening)?;
    /// assert_eq!((open.state(), open.next_sequence()), (Door::Open, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Handle::transition`], less `WrongEvent`.
    pub fn apply<To, P>(
        self,
        sink: &(impl TransitionSink + ?Sized),
        transition: Transition<S, To, P>,
    ) -> Result<Handle<To>, TransitionError>
    where
        To: State<Machine = S::Machine>,
        P: EventPayload + 'static,
        P: Causes<S::Machine, S, To>,
    {
        // The trait bounds already require the edge; this check against the
        // declaration's own table also stops an edge forged by implementing
        // the hidden traits by hand, before anything is appended.
        let kind = transition.kind();
        let declared = S::STATE.next(kind).map(|to| to.index()) == Some(To::STATE.index());
        if !declared {
            return Err(TransitionError::Undeclared {
                machine: <S::Machine as StateMachine>::NAME,
                from: S::STATE.name(),
                to: To::STATE.name(),
                kind,
            });
        }
        let appended =
            sink.append_expected(&self.coordinate, transition.payload(), self.next_sequence)?;
        Ok(handle_at(self.coordinate, appended.saturating_add(1)))
    }
}

impl<S: State> fmt::Debug for Handle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("coordinate", &self.coordinate)
            .field("state", &S::STATE.name())
            .field("next_sequence", &self.next_sequence)
            .finish()
    }
}
