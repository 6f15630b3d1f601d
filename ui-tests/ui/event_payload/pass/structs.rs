//! Every struct shape, with and without a version.
use batpak::{EventKind, EventPayload, SingleKind};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 0x001)]
struct Named {
    cents: u64,
}

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 15, type_id = 0xFFF, version = 65535)]
struct Tuple(u64, String);

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(type_id = 0, version = 2, category = 1)]
struct Unit;

const _: () = assert!(Named::KIND.to_raw() == EventKind::custom(1, 1).to_raw());
const _: () = assert!(Tuple::VERSION == 65535);
const _: () = assert!(Unit::VERSION == 2);

fn main() {}
