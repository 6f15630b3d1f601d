use batpak::EventPayload;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 1)]
#[batpak(type_id = 2)]
struct Deposited {
    cents: u64,
}

fn main() {}
