use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: &'static str },
    #[batpak(type_id = 2)]
    Renamed(String),
}

fn main() {}
