use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 2)]
    Deposited { cents: u64 },
    #[batpak(type_id = 0x002)]
    Withdrawn { cents: u64 },
}

fn main() {}
