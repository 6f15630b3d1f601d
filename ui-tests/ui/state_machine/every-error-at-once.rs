batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[transition(to = Opne, on = Opened)]
    Closed,
    #[terminal]
    #[transition(to = Closed, on = Opened)]
    Open,
    Locked(u8),
}

fn main() {}
