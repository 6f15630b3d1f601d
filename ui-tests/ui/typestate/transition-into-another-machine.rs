use batpak::typestate::{Handle, TransitionSink};
batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Closed,
    #[terminal]
    Open,
}

#[batpak::state_machine]
enum Gate {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Closed,
    #[terminal]
    Open,
}

fn open(store: &impl TransitionSink, door: Handle<door::Closed>) {
    let _ = door.transition::<gate::Open, _>(store, Opened);
}

fn main() {}
