#![allow(non_camel_case_types)]
use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    MoneyIn,
    #[batpak(type_id = 2)]
    Money_In,
}

fn main() {}
