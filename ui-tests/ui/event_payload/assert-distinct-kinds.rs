use batpak::EventPayload;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 2)]
struct Deposited { cents: u64 }

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)] Opened,
    #[batpak(type_id = 2)] Withdrawn { cents: u64 },
}

batpak::assert_distinct_kinds!(Deposited, AccountEvent);

fn main() {}
