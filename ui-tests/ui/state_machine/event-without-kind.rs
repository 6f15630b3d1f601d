pub struct Opened;

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Closed,
    Open,
}

fn main() {}
