//! The derive comes with the prelude.
use batpak::prelude::*;

#[derive(EventPayload)]
#[batpak(category = 4)]
enum Light {
    #[batpak(type_id = 1)]
    On,
    #[batpak(type_id = 2)]
    Off,
}

batpak::assert_distinct_kinds!(Light);

fn main() {
    assert_eq!(Light::On.kind(), Light::ON);
    assert_ne!(Light::Off.kind(), Light::ON);
}
