batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    #[transition(to = Ajar, on = Opened)]
    Closed,
    Open,
    Ajar,
}

fn main() {}
