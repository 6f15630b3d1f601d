use batpak::EventPayload;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 1)]
struct Deposited {
    #[batpak(type_id = 2)]
    cents: u64,
}

fn main() {}
