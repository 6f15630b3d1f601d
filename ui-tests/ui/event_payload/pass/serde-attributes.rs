//! Field serde attributes work on enum variants without serde derives on
//! the enum, and next to the user's own derives on structs and enums.
use batpak::EventPayload;
use serde::{Deserialize, Serialize};

mod money {
    pub fn ser<S: serde::Serializer>(cents: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(*cents)
    }
    pub fn de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        serde::Deserialize::deserialize(d)
    }
}

#[derive(EventPayload)]
#[batpak(category = 3)]
enum Priced {
    #[batpak(type_id = 1)]
    Set {
        #[serde(rename = "amt", alias = "amount")]
        amount: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(skip)]
        cache: Vec<u8>,
        #[serde(serialize_with = "money::ser", deserialize_with = "money::de")]
        cents: u64,
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        tags: Vec<String>,
    },
    #[batpak(type_id = 2)]
    Cleared(#[serde(default)] Option<String>),
}

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 3, type_id = 3)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Rated {
    star_count: u8,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 3)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged {
    #[batpak(type_id = 4)]
    #[serde(rename = "started")]
    Started { at: u64 },
}

fn main() {}
