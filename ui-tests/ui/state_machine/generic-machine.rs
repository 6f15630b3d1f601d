batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door<T> {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Closed,
    Open(T),
}

fn main() {}
