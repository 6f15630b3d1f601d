use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(category = 2, type_id = 1, version = 2)]
    Opened,
}

fn main() {}
