use batpak::EventPayload;

// A struct payload uses its own Serialize/Deserialize: forgetting them is
// reported against the struct.
#[derive(EventPayload)]
#[batpak(category = 1, type_id = 1)]
struct Deposited {
    cents: u64,
}

fn main() {}
