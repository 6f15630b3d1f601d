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

fn pay_again(store: &impl TransitionSink, shipped: Handle<order::Shipped>) {
    let _ = shipped.transition::<order::Paid, _>(store, PaymentReceived);
}

fn main() {}
