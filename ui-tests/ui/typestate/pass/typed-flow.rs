//! Typed handles move along declared edges and come back from `load`.

use batpak::typestate::{Handle, TransitionError, TransitionSink};
use batpak::{Coordinate, EventPayload, StateMachine};

batpak_ui_tests::event!(PaymentReceived, 1);
batpak_ui_tests::event!(OrderShipped, 2);

#[batpak::state_machine]
enum Order {
    #[initial]
    #[transition(to = Paid, on = PaymentReceived)]
    Placed,
    #[transition(to = Shipped, on = OrderShipped)]
    Paid,
    #[terminal]
    Shipped,
}

/// Accepts every append (the store checks the sequence).
struct Accept;

impl TransitionSink for Accept {
    fn append_expected<P: EventPayload>(
        &self,
        _: &Coordinate,
        _: &P,
        next: u64,
    ) -> Result<u64, TransitionError> {
        Ok(next)
    }
}

fn ship(store: &impl TransitionSink, order: order::Loaded) -> Result<Handle<order::Shipped>, TransitionError> {
    match order {
        order::Loaded::Placed(placed) => {
            let paid: Handle<order::Paid> = placed.transition(store, PaymentReceived)?;
            paid.transition(store, OrderShipped)
        }
        order::Loaded::Paid(paid) => paid.transition(store, OrderShipped),
        order::Loaded::Shipped(shipped) => Ok(shipped),
    }
}

fn main() {
    let coordinate = Coordinate::new("order-1", "shop").unwrap();
    let loaded = Order::load(coordinate, Vec::<batpak::EventHeader>::new()).unwrap();
    let shipped = ship(&Accept, loaded).unwrap();
    assert_eq!(shipped.next_sequence(), 2);
}
