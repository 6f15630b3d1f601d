use batpak::EventPayload;
use serde::{Deserialize, Serialize};

const ACCOUNTS: u8 = 1;

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = ACCOUNTS, type_id = "7")]
struct Deposited {
    cents: u64,
}

fn main() {}
