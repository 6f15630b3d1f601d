#[batpak::state_machine]
struct Door {
    open: bool,
}

fn main() {}
