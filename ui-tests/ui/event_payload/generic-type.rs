use batpak::EventPayload;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 1)]
struct Changed<T> {
    value: T,
}

fn main() {}
