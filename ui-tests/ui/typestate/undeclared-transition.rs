use batpak::typestate::{Handle, TransitionSink};
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

// Shipping straight from `Placed` skips payment: not declared.
fn ship(store: &impl TransitionSink, placed: Handle<order::Placed>) {
    let _ = placed.transition::<order::Shipped, _>(store, OrderShipped);
}

fn main() {}
