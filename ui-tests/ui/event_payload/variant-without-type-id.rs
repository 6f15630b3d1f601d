use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened,
    Deposited { cents: u64 },
}

fn main() {}
