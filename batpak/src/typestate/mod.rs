//! Typestate: an entity's lifecycle checked by the compiler when code moves
//! it, and by replay when its history is read back.
//!
//! `#[state_machine]` on an enum of states generates everything here for
//! that enum; this module holds the pieces it targets:
//!
//! - [`StateMachine`], implemented by the enum itself (the runtime state):
//!   the state and edge tables, [`StateMachine::replay`],
//!   [`StateMachine::load`] and [`StateMachine::mermaid`];
//! - [`State`] (with [`Initial`] and [`Terminal`]), implemented by one
//!   zero-sized, uninhabited marker type per state, in a module named after
//!   the machine (`order::Paid` for `Order::Paid`);
//! - [`Causes`], implemented by an event payload once per declared edge it
//!   causes, and [`Transition`], a payload checked against one;
//! - [`Handle`], an entity in a state known at compile time, which moves
//!   along declared edges through a [`TransitionSink`] (the store).
//!
//! Every trait is sealed: only `#[state_machine]` implements them, so an
//! undeclared state or edge cannot be built outside this crate without
//! reaching into the hidden `batpak::__private` module.
//!
//! # Declaring a machine
//!
//! - `#[state_machine]` goes on an enum of unit variants, one per state
//!   (`#[state_machine(module = name)]` names the generated module; the
//!   default is the enum's name in snake case). Derive on the enum what you
//!   need (`Debug, Clone, Copy, PartialEq, Eq` is typical); the macro adds
//!   nothing to it.
//! - `#[initial]` on exactly one state: an entity with no events is in it.
//!   To record how an entity comes to exist, make the initial state a `New`
//!   state with a transition out of it.
//! - `#[terminal]` on states no transition may leave.
//! - `#[transition(to = State, on = Event)]` on a state, once per way out.
//!   `Event` is either a payload type with one kind (`on = PaymentReceived`,
//!   kind `<PaymentReceived as SingleKind>::KIND`) or a variant of an enum
//!   payload (`on = OrderEvent::PaymentReceived`, kind
//!   `OrderEvent::PAYMENT_RECEIVED`, the constant `#[derive(EventPayload)]`
//!   generates). A path whose next-to-last segment is capitalised names a
//!   variant.
//!
//! Rejected at compile time, all in one compile and pointing at the
//! offending token: no initial state or two; a `to` that is not a state; two
//! transitions out of one state on the same event (or on two events with
//! the same kind); a transition out of a terminal state; a state the initial
//! one cannot reach; a state with fields; generics; unknown keys.
//!
//! For a type-level edge the compiler knows the payload's type, not its
//! value. An edge caused by an enum variant is therefore the edge
//! `(From, To, TheEnum)` at compile time, and [`Transition::new`] checks at
//! run time that the value is a variant the declaration names for that edge
//! ([`TransitionError::WrongEvent`] otherwise, before anything is appended).
//!
//! Replay is strict: every event of the entity must be a declared
//! transition of its current state, except batpak's own system events
//! (category 0), which are skipped. Keep domain events that do not move the
//! lifecycle on another entity.
//!
//! # Examples
//!
//! The order lifecycle: an order is placed, paid and shipped through typed
//! handles, its history is replayed and loaded back, and the machine is
//! drawn. (`store` stands for a `batpak` store; here a hidden in-memory
//! [`TransitionSink`].)
//!
//! ```
//! use batpak::typestate::{Handle, StateMachine, TransitionSink};
//! use batpak::Coordinate;
//! # use batpak::{EventHeader, EventKind, EventPayload, PayloadError, SingleKind};
//! # macro_rules! event { (struct $name:ident $body:tt, $type_id:literal) => {
//! #     #[derive(serde::Serialize, serde::Deserialize)] struct $name $body
//! #     impl EventPayload for $name {
//! #         const KINDS: &'static [EventKind] = &[Self::KIND];
//! #         const VERSION: u16 = 1;
//! #         const TYPE_NAME: &'static str = stringify!($name);
//! #         fn kind(&self) -> EventKind { Self::KIND }
//! #         fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
//! #             batpak::event::encode_msgpack(Self::TYPE_NAME, self)
//! #         }
//! #         fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
//! #             batpak::event::check_kind::<Self>(kind)?;
//! #             batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
//! #         }
//! #     }
//! #     impl SingleKind for $name { const KIND: EventKind = EventKind::custom(1, $type_id); }
//! # } }
//! # #[derive(Default)]
//! # struct Store(std::cell::RefCell<Vec<EventHeader>>);
//! # impl TransitionSink for Store {
//! #     fn append_expected<P: EventPayload>(&self, c: &Coordinate, p: &P, next: u64)
//! #         -> Result<u64, batpak::typestate::TransitionError> {
//! #         let mut log = self.0.borrow_mut();
//! #         if log.len() as u64 != next {
//! #             return Err(batpak::typestate::TransitionError::Conflict {
//! #                 coordinate: c.clone(), expected: next, actual: log.len() as u64 });
//! #         }
//! #         log.push(EventHeader {
//! #             event_id: batpak::EventId::now(), global_sequence: next, entity_sequence: next,
//! #             timestamp_micros: 0, kind: p.kind(), payload_version: P::VERSION,
//! #             correlation_id: batpak::CorrelationId::now(), causation_id: None,
//! #         });
//! #         Ok(next)
//! #     }
//! # }
//! # impl Store { fn stream(&self, _: &Coordinate) -> Vec<EventHeader> { self.0.borrow().clone() } }
//! # let store = Store::default();
//! // The events (usually `#[derive(EventPayload)]`).
//! # event!(
//! struct PaymentReceived { cents: u64 }
//! # , 1);
//! # event!(
//! struct OrderShipped { carrier: String }
//! # , 2);
//! # event!(
//! struct OrderCancelled { reason: String }
//! # , 3);
//!
//! #[batpak::state_machine]
//! #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//! pub enum Order {
//!     #[initial]
//!     #[transition(to = Paid, on = PaymentReceived)]
//!     #[transition(to = Cancelled, on = OrderCancelled)]
//!     Placed,
//!     #[transition(to = Shipped, on = OrderShipped)]
//!     Paid,
//!     #[terminal]
//!     Shipped,
//!     #[terminal]
//!     Cancelled,
//! }
//!
//! let id = Coordinate::new("order-1", "shop")?;
//! let placed = Order::new_entity(id.clone());
//! let paid: Handle<order::Paid> = placed.transition(&store, PaymentReceived { cents: 4200 })?;
//!
//! // Later, elsewhere: load the order and continue from whatever state it is in.
//! match Order::load(id.clone(), store.stream(&id))? {
//!     order::Loaded::Paid(paid) => {
//!         let shipped = paid.transition::<order::Shipped, _>(
//!             &store,
//!             OrderShipped { carrier: "post".into() },
//!         )?;
//!         assert_eq!(shipped.next_sequence(), 2);
//!         // shipped.transition::<order::Paid, _>(&store, PaymentReceived { cents: 1 })
//!         // does not compile: "`Order` declares no transition from `Shipped` to `Paid`
//!         // on `PaymentReceived`".
//!     }
//!     other => panic!("expected a paid order, got {other:?}"),
//! }
//!
//! // The handle loaded before shipping is stale: its move is refused.
//! let stale = paid.transition::<order::Shipped, _>(&store, OrderShipped { carrier: "x".into() });
//! assert!(stale.is_err());
//!
//! assert_eq!(Order::replay(store.stream(&id))?, Order::Shipped);
//! println!("{}", Order::mermaid());
//! assert!(Order::mermaid().contains("    Placed --> Paid: PaymentReceived\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod handle;
mod machine;
mod replay;
mod seal;
mod state;
mod transition;

pub use handle::Handle;
pub use machine::{EdgeInfo, StateInfo, StateMachine};
pub use replay::{HasHeader, ReplayError};
pub use state::{Causes, Initial, State, Terminal};
pub use transition::{Transition, TransitionError, TransitionSink};

/// What generated code reaches through `batpak::__private::typestate`.
pub(crate) mod private {
    pub use super::handle::handle_at;
    pub use super::seal::{SealedEdge, SealedMachine, SealedState};
    pub use super::{Causes, EdgeInfo, Handle, Initial, State, StateInfo, StateMachine, Terminal};
}
