//! Compile-time states and edges: [`State`], [`Causes`], [`Transition`],
//! and the typed entity [`Handle`] that moves along declared edges.

use std::fmt;
use std::marker::PhantomData;

use super::seal::{SealedEdge, SealedState};
use super::StateMachine;
use crate::coordinate::Coordinate;
use crate::event::{EventKind, EventPayload};

/// A state as a type: the zero-sized marker `#[state_machine]` generates for
/// each variant (`order::Placed` for `Order::Placed`). Sealed.
pub trait State: SealedState + 'static {
    /// The machine this state belongs to.
    type Machine: StateMachine;
    /// The same state at run time.
    const STATE: Self::Machine;
}

/// The `#[initial]` state: a new entity, with no events yet, is in it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the initial state of its machine",
    label = "a new entity starts in the `#[initial]` state",
    note = "to get a handle to an entity in another state, load its history with \
            `StateMachine::load` and `match` on the result"
)]
pub trait Initial: State {}

/// A `#[terminal]` state: no transition leaves it.
pub trait Terminal: State {}

/// A payload of type `Self` causes the transition from `From` to `To` in
/// machine `M`. Sealed: `#[state_machine]` implements it once per declared
/// edge and nothing else can, so a bound `P: Causes<M, From, To>` holds
/// exactly for the declared edges.
///
/// When `on = ..` names variants of an enum payload, the type-level edge is
/// `(From, To, TheEnum)` and [`Causes::KINDS`] lists the variants' kinds;
/// which variant a value is, is checked when the [`Transition`] is built.
#[diagnostic::on_unimplemented(
    message = "`{M}` declares no transition from `{From}` to `{To}` on `{Self}`",
    label = "`{M}` has no such transition",
    note = "the transitions of `{M}` are the `#[transition(to = .., on = ..)]` attributes \
            on its states; add one to `{From}` if this move is intended"
)]
pub trait Causes<M, From, To>: SealedEdge<M, From, To> {
    /// The event kinds of `Self` that cause this transition.
    const KINDS: &'static [EventKind];
}

/// A payload checked against a declared edge from `From` to `To`: the proof a
/// store needs to append it as that transition. Its kind comes from the
/// payload.
///
/// # Examples
///
/// See [`Handle::transition`], which builds one.
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
    pub fn kind(&self) -> EventKind {
        self.payload.kind()
    }

    /// The payload.
    pub fn payload(&self) -> &P {
        &self.payload
    }

    /// Gives the payload back.
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

/// Where a [`Handle`] appends its transitions: the store, or an in-memory
/// fake in tests.
///
/// The one store-facing call of the typestate layer. An implementation
/// appends `payload` to `coordinate` only if the entity holds exactly
/// `expected_next` events (so the new event gets entity sequence
/// `expected_next`), atomically with the check.
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
    fn append_expected<P: EventPayload>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
        expected_next: u64,
    ) -> Result<u64, TransitionError>;
}

/// An entity bound to a state known at compile time. Moving it along a
/// declared edge ([`Handle::transition`]) appends the event and gives back
/// the handle in the new state; an undeclared move does not compile.
///
/// A handle remembers how many events the entity had when it was loaded;
/// its transition appends only if that is still true, so two handles cannot
/// both move the same entity.
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
        P: EventPayload,
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
        P: EventPayload,
        P: Causes<S::Machine, S, To>,
    {
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

/// Why a typed transition did not happen. The entity is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// The payload's kind is not one the edge declares (an enum payload's
    /// other variant).
    #[error(
        "`{machine}` moves from `{from}` to `{to}` only on events of kind {declared:?}, \
         and this payload has kind {kind}: pass the variant the declaration names"
    )]
    WrongEvent {
        /// The machine's name.
        machine: &'static str,
        /// The source state.
        from: &'static str,
        /// The target state.
        to: &'static str,
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
    /// The sink refused the append for another reason.
    #[error("the transition's event could not be appended: {0}")]
    Append(#[source] Box<crate::Error>),
}
