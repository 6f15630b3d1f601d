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
//!   zero-sized marker type per state, in a module named after the machine
//!   (`order::Paid` for `Order::Paid`);
//! - [`Causes`], implemented by an event payload once per declared edge it
//!   causes, and [`Transition`], a payload checked against one;
//! - [`Handle`], an entity in a state known at compile time, which moves
//!   along declared edges through a [`TransitionSink`] (the store).
//!
//! Every trait is sealed: only `#[state_machine]` implements them, so an
//! undeclared state or edge cannot be built outside this crate without
//! reaching into the hidden `batpak::__private` module.
//!
//! # Examples
//!
//! ```
//! use batpak::typestate::{Handle, StateMachine};
//! # use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
//! # macro_rules! event { ($name:ident, $type_id:literal) => {
//! #     #[derive(serde::Serialize, serde::Deserialize)] struct $name;
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
//! # event!(PaymentReceived, 1);
//! # event!(OrderCancelled, 2);
//! # event!(OrderShipped, 3);
//! # struct Log(std::cell::RefCell<Vec<EventKind>>);
//! # impl batpak::typestate::TransitionSink for Log {
//! #     fn append_expected<P: EventPayload>(&self, _: &batpak::Coordinate, p: &P, next: u64)
//! #         -> Result<u64, batpak::typestate::TransitionError> {
//! #         assert_eq!(self.0.borrow().len() as u64, next);
//! #         self.0.borrow_mut().push(p.kind());
//! #         Ok(next)
//! #     }
//! # }
//! # let store = Log(Default::default());
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
//! let placed = Order::new_entity(batpak::Coordinate::new("order-1", "shop")?);
//! let paid: Handle<order::Paid> = placed.transition(&store, PaymentReceived)?;
//! let shipped = paid.transition::<order::Shipped, _>(&store, OrderShipped)?;
//! assert_eq!(shipped.state(), Order::Shipped);
//! assert_eq!(shipped.next_sequence(), 2);
//! // shipped.transition::<order::Paid, _>(&store, PaymentReceived) does not compile:
//! // "`Order` declares no transition from `order::Shipped` to `order::Paid` on `PaymentReceived`"
//!
//! assert_eq!(Order::replay_kinds(store.0.borrow().iter().copied())?, Order::Shipped);
//! assert!(Order::mermaid().contains("Placed --> Paid: PaymentReceived"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod handle;
mod machine;
mod replay;
mod seal;

pub use handle::{
    Causes, Handle, Initial, State, Terminal, Transition, TransitionError, TransitionSink,
};
pub use machine::{EdgeInfo, StateInfo, StateMachine};
pub use replay::{HasHeader, ReplayError};

/// What generated code reaches through `batpak::__private::typestate`.
pub(crate) mod private {
    pub use super::handle::handle_at;
    pub use super::seal::{SealedEdge, SealedMachine, SealedState};
    pub use super::{Causes, EdgeInfo, Handle, Initial, State, StateInfo, StateMachine, Terminal};
}
