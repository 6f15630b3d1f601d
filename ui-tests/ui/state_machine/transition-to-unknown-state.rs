batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Opne, on = Opened)]
    Closed,
    Open,
}

fn main() {}
