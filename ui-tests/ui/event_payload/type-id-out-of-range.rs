use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 0xFFF)]
    Opened,
    #[batpak(type_id = 0x1000)]
    Deposited { cents: u64 },
}

fn main() {}
