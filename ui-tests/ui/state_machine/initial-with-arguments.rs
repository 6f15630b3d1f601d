batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[initial(on = Opened)]
    #[transition(to = Open, on = Opened)]
    Closed,
    Open,
}

fn main() {}
