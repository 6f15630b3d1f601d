batpak_ui_tests::event!(Opened, 1);
batpak_ui_tests::event!(Closed, 2);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Shut,
    #[terminal]
    Open,
}

// Reopening a terminal state by adding an edge outside the declaration.
impl batpak::typestate::Causes<Door, door::Open, door::Shut> for Closed {
    const KINDS: &'static [batpak::EventKind] = &[];
}

fn main() {}
