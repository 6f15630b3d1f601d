batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Closed,
    #[terminal]
    Open,
}

enum Ajar {}

impl batpak::typestate::State for Ajar {
    type Machine = Door;
    const STATE: Door = Door::Open;
}

fn main() {}
