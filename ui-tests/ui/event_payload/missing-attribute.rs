use batpak::EventPayload;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
struct Deposited {
    cents: u64,
}

fn main() {}
