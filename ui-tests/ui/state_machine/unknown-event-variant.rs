#[derive(Debug)]
pub enum DoorEvent {
    Opened,
}

#[batpak::state_machine]
enum Door {
    #[initial]
    #[transition(to = Open, on = DoorEvent::Openned)]
    Closed,
    Open,
}

fn main() {}
