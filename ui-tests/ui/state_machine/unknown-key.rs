batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine(name = "door")]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened, when = is_unlocked)]
    Closed,
    Open,
}

fn main() {}
