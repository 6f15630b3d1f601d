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
    pub fn new(coordinate: Coordinate) -> Self
    where
        S: Initial,
    {
        handle_at(coordinate, 0)
    }

    /// The entity.
    pub fn coordinate(&self) -> &Coordinate {
        &self.coordinate
    }

    /// How many events the entity held when this handle saw it last: the
    /// entity sequence its next transition will get.
    pub fn next_sequence(&self) -> u64 {
        self.next_sequence
    }

    /// The state, at run time.
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
