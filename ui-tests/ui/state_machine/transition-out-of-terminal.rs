batpak_ui_tests::event!(Opened, 1);
batpak_ui_tests::event!(Reopened, 2);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Demolished, on = Opened)]
    Closed,
    #[terminal]
    #[transition(to = Closed, on = Reopened)]
    Demolished,
}

fn main() {}
