use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1, type_id = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened,
}

fn main() {}
