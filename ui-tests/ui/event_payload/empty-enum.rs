use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum Nothing {}

fn main() {}
