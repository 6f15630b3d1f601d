use batpak::EventPayload;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 0, type_id = 1)]
struct Deposited {
    cents: u64,
}

fn main() {}
