use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 0, version = 0)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened,
    #[batpak(type_id = 1)]
    Deposited { cents: u64 },
    Closed,
}

fn main() {}
