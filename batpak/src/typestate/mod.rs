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
//!   along declared edges through a [`TransitionSink`]: the
//!   [`Store`](crate::store::Store), which appends with compare-and-swap on
//!   the entity sequence and loads entities back
//!   ([`Store::load_machine`](crate::store::Store::load_machine),
//!   [`Store::replay_machine`](crate::store::Store::replay_machine)).
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
//! handles against a store, loaded back, replayed, and the machine is
//! drawn.
//!
//! ```
//! use batpak::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, EventPayload)]
//! #[batpak(category = 1, type_id = 1)]
//! struct PaymentReceived { cents: u64 }
//!
//! #[derive(Serialize, Deserialize, EventPayload)]
//! #[batpak(category = 1, type_id = 2)]
//! struct OrderShipped { carrier: String }
//!
//! #[derive(Serialize, Deserialize, EventPayload)]
//! #[batpak(category = 1, type_id = 3)]
//! struct OrderCancelled { reason: String }
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
//! # let dir = tempfile::tempdir()?;
//! let store = Store::open(StoreConfig::new(dir.path()))?;
//! let id = Coordinate::new("order-1", "shop")?;
//! let placed = Order::new_entity(id.clone());
//! let paid: Handle<order::Paid> = placed.transition(&store, PaymentReceived { cents: 4200 })?;
//!
//! // Later, elsewhere: load the order and continue from whatever state it is in.
//! match store.load_machine::<Order>(&id)? {
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
//! assert_eq!(store.replay_machine::<Order>(&id)?, Order::Shipped);
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
