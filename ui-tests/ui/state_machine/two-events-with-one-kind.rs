batpak_ui_tests::event!(Opened, 1);
batpak_ui_tests::event!(Kicked, 1);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    #[transition(to = Broken, on = Kicked)]
    Closed,
    Open,
    Broken,
}

fn main() {}
