batpak_ui_tests::event!(Opened, 1);

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = Opened)]
    Closed,
    #[terminal]
    Open,
}

fn main() {
    let coordinate = batpak::Coordinate::new("door-1", "house").unwrap();
    let _open = batpak::typestate::Handle::<door::Open>::new(coordinate);
}
