//! Declarations that must compile: struct and enum-variant events, a
//! custom module name, every visibility, user derives and docs kept.
#![deny(missing_docs, dead_code)]

use batpak::StateMachine;

batpak_ui_tests::event!(PaymentReceived, 1);
batpak_ui_tests::event!(OrderShipped, 2);

/// Events of a ticket, one kind per variant (as the derive generates).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum TicketEvent {
    /// Someone took it.
    Assigned,
    /// It was closed.
    Resolved,
}

impl TicketEvent {
    /// Kind of `Assigned`.
    pub const ASSIGNED: batpak::EventKind = batpak::EventKind::custom(2, 1);
    /// Kind of `Resolved`.
    pub const RESOLVED: batpak::EventKind = batpak::EventKind::custom(2, 2);
}

impl batpak::EventPayload for TicketEvent {
    const KINDS: &'static [batpak::EventKind] = &[Self::ASSIGNED, Self::RESOLVED];
    const VERSION: u16 = 1;
    const TYPE_NAME: &'static str = "TicketEvent";
    fn kind(&self) -> batpak::EventKind {
        match self {
            TicketEvent::Assigned => Self::ASSIGNED,
            TicketEvent::Resolved => Self::RESOLVED,
        }
    }
    fn encode_payload(&self) -> Result<Vec<u8>, batpak::PayloadError> {
        batpak::event::encode_msgpack(Self::TYPE_NAME, self)
    }
    fn decode_payload(kind: batpak::EventKind, bytes: &[u8]) -> Result<Self, batpak::PayloadError> {
        batpak::event::check_kind::<Self>(kind)?;
        batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
    }
}

/// An order's lifecycle.
#[batpak::state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Just placed.
    #[initial]
    #[transition(to = Paid, on = PaymentReceived)]
    Placed,
    /// Paid, not shipped.
    #[transition(to = Shipped, on = OrderShipped)]
    Paid,
    /// Done.
    #[terminal]
    Shipped,
}

/// A ticket, moved by variants of one enum payload.
#[batpak::state_machine(module = ticket_state)]
pub(crate) enum Ticket {
    #[initial]
    #[transition(to = Working, on = TicketEvent::Assigned)]
    #[transition(to = Closed, on = TicketEvent::Resolved)]
    Open,
    #[transition(to = Closed, on = TicketEvent::Resolved)]
    Working,
    #[terminal]
    Closed,
}

mod nested {
    use super::PaymentReceived;

    #[batpak::state_machine]
    enum Private {
        #[initial]
        #[transition(to = Done, on = PaymentReceived)]
        Start,
        #[terminal]
        Done,
    }

    #[batpak::state_machine]
    pub(super) enum Shared {
        #[initial]
        #[transition(to = Done, on = PaymentReceived)]
        Start,
        #[terminal]
        Done,
    }

    pub(super) fn private_edges() -> usize {
        let _: private::Loaded;
        <Private as batpak::StateMachine>::EDGES.len()
    }
}

fn main() {
    assert_eq!(Order::INITIAL, Order::Placed);
    assert_eq!(<Ticket as StateMachine>::EDGES.len(), 3);
    assert_eq!(nested::private_edges(), 1);
    let _: Option<nested::shared::Loaded> = None;
}
