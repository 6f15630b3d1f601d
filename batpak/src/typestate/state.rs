//! States and edges as types: [`State`] (with [`Initial`] and
//! [`Terminal`]) and [`Causes`], all sealed.

use super::seal::{SealedEdge, SealedState};
use super::StateMachine;
use crate::event::EventKind;

/// A state as a type: the zero-sized marker `#[state_machine]` generates for
/// each variant (`order::Placed` for `Order::Placed`). Sealed.
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
/// use batpak::typestate::{Causes, Handle, State, StateMachine};
///
/// // Generic code over any state of any machine.
/// fn describe<S: State>(_: &Handle<S>) -> &'static str {
///     S::STATE.name()
/// }
/// let door = Door::new_entity(batpak::Coordinate::new("door-1", "house")?);
/// assert_eq!(describe(&door), "Closed");
///
/// // The edge Closed -> Open is caused by `DoorOpened`, of this kind:
/// let kinds = <DoorOpened as Causes<Door, door::Closed, door::Open>>::KINDS;
/// assert_eq!(kinds, [DoorOpened::KIND]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
/// which variant a value is, is checked when the [`Transition`](super::Transition) is built.
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
