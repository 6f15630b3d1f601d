use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1, type_id = 1)]
union Amount {
    cents: u64,
    ratio: f64,
}

fn main() {}
