//! `#[derive(EventPayload)]` as a user writes it: structs, every enum
//! variant shape, serde attributes, and the guarantee that renaming or
//! reordering variants never breaks stored data.

use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 0x010)]
struct Deposited {
    cents: u64,
    memo: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 15, type_id = 0xFFF, version = 7)]
struct Marker;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 2, type_id = 0)]
struct Pair(u32, String);

/// Every variant shape.
#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 3, version = 2)]
enum Shapes {
    #[batpak(type_id = 1)]
    Unit,
    #[batpak(type_id = 2)]
    Newtype(String),
    #[batpak(type_id = 3)]
    Tuple(u8, i64, Vec<u16>),
    #[batpak(type_id = 4)]
    Named { id: u64, tags: Vec<String> },
    #[batpak(type_id = 0x0AB)]
    MoneyDeposited { cents: u64 },
    #[batpak(type_id = 6)]
    EmptyNamed {},
    #[batpak(type_id = 7)]
    EmptyTuple(),
}

fn roundtrip<T: EventPayload + PartialEq + std::fmt::Debug>(value: &T) {
    let bytes = value.encode_payload().unwrap();
    let back = T::decode_payload(value.kind(), &bytes).unwrap();
    assert_eq!(&back, value);
}

#[test]
fn structs_roundtrip_with_their_declared_kind_and_version() {
    let deposit = Deposited {
        cents: 250,
        memo: "rent".into(),
    };
    roundtrip(&deposit);
    roundtrip(&Marker);
    roundtrip(&Pair(7, "seven".into()));
    assert_eq!(Deposited::KIND, EventKind::custom(1, 0x010));
    assert_eq!(Deposited::KINDS, &[Deposited::KIND]);
    assert_eq!(deposit.kind(), Deposited::KIND);
    assert_eq!(Deposited::VERSION, 1);
    assert_eq!(Deposited::TYPE_NAME, "Deposited");
    assert_eq!(Marker::KIND, EventKind::custom(15, 0xFFF));
    assert_eq!(Marker::VERSION, 7);
    assert_eq!(Pair::KIND, EventKind::custom(2, 0));
}

#[test]
fn struct_bytes_are_named_messagepack() {
    let bytes = Deposited {
        cents: 1,
        memo: String::new(),
    }
    .encode_payload()
    .unwrap();
    // fixmap of 2, then the key "cents": field names are stored.
    assert_eq!(bytes[0], 0x82);
    assert_eq!(&bytes[1..7], b"\xa5cents");
}

#[test]
fn every_enum_variant_shape_roundtrips() {
    for value in [
        Shapes::Unit,
        Shapes::Newtype("hello".into()),
        Shapes::Tuple(1, -2, vec![3, 4]),
        Shapes::Named {
            id: 9,
            tags: vec!["a".into(), "b".into()],
        },
        Shapes::MoneyDeposited { cents: 42 },
        Shapes::EmptyNamed {},
        Shapes::EmptyTuple(),
    ] {
        roundtrip(&value);
    }
}

#[test]
fn enum_kinds_are_per_variant_constants_in_declaration_order() {
    assert_eq!(Shapes::UNIT, EventKind::custom(3, 1));
    assert_eq!(Shapes::NEWTYPE, EventKind::custom(3, 2));
    assert_eq!(Shapes::MONEY_DEPOSITED, EventKind::custom(3, 0x0AB));
    assert_eq!(
        Shapes::KINDS,
        &[
            Shapes::UNIT,
            Shapes::NEWTYPE,
            Shapes::TUPLE,
            Shapes::NAMED,
            Shapes::MONEY_DEPOSITED,
            Shapes::EMPTY_NAMED,
            Shapes::EMPTY_TUPLE,
        ]
    );
    assert_eq!(Shapes::Tuple(0, 0, vec![]).kind(), Shapes::TUPLE);
    assert_eq!(Shapes::VERSION, 2);
    assert_eq!(Shapes::TYPE_NAME, "Shapes");
}

#[test]
fn a_variant_stores_exactly_what_a_struct_with_its_fields_stores() {
    #[derive(Serialize)]
    struct Named {
        id: u64,
        tags: Vec<String>,
    }
    #[derive(Serialize)]
    struct Newtype(String);
    let variant = Shapes::Named {
        id: 5,
        tags: vec!["x".into()],
    };
    let plain = Named {
        id: 5,
        tags: vec!["x".into()],
    };
    assert_eq!(
        variant.encode_payload().unwrap(),
        rmp_bytes(&plain),
        "no variant name or tag in the bytes"
    );
    assert_eq!(
        Shapes::Newtype("n".into()).encode_payload().unwrap(),
        rmp_bytes(&Newtype("n".into()))
    );
    // A unit variant stores an empty map, so fields with defaults can be
    // added to it later.
    assert_eq!(Shapes::Unit.encode_payload().unwrap(), vec![0x80]);
}

fn rmp_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    batpak::event::encode_msgpack("test", value).unwrap()
}

#[test]
fn decoding_an_unknown_kind_is_a_typed_error() {
    let bytes = Shapes::Unit.encode_payload().unwrap();
    let stranger = EventKind::custom(3, 0x999);
    let error = Shapes::decode_payload(stranger, &bytes).unwrap_err();
    assert!(matches!(
        error,
        PayloadError::UnknownKind { type_name: "Shapes", kind, .. } if kind == stranger
    ));
    assert!(error
        .to_string()
        .contains("read it with the type that wrote it"));

    let error = Deposited::decode_payload(Shapes::UNIT, &bytes).unwrap_err();
    assert!(matches!(error, PayloadError::UnknownKind { .. }));
}

#[test]
fn bytes_of_the_wrong_shape_are_a_decode_error() {
    let bytes = Shapes::Newtype("text".into()).encode_payload().unwrap();
    let error = Shapes::decode_payload(Shapes::NAMED, &bytes).unwrap_err();
    assert!(matches!(
        error,
        PayloadError::Decode { type_name: "Shapes", kind, .. } if kind == Shapes::NAMED
    ));
}

/// The stored form as one version of the program declares it.
mod written {
    use batpak::EventPayload;

    #[derive(Debug, Clone, PartialEq, EventPayload)]
    #[batpak(category = 4)]
    pub enum AccountEvent {
        #[batpak(type_id = 1)]
        Opened { owner: String },
        #[batpak(type_id = 2)]
        Deposited { cents: u64 },
        #[batpak(type_id = 3)]
        Withdrawn(u64),
        #[batpak(type_id = 4)]
        Closed,
    }
}

/// A later version: variants reordered AND renamed, same type ids.
mod read {
    use batpak::EventPayload;

    #[derive(Debug, Clone, PartialEq, EventPayload)]
    #[batpak(category = 4)]
    pub enum LedgerEvent {
        #[batpak(type_id = 4)]
        AccountClosed,
        #[batpak(type_id = 3)]
        MoneyOut(u64),
        #[batpak(type_id = 2)]
        MoneyIn { cents: u64 },
        #[batpak(type_id = 1)]
        AccountOpened { owner: String },
    }
}

#[test]
fn renaming_and_reordering_variants_keeps_stored_data_readable() {
    use read::LedgerEvent;
    use written::AccountEvent;

    let history = [
        AccountEvent::Opened {
            owner: "ada".into(),
        },
        AccountEvent::Deposited { cents: 500 },
        AccountEvent::Withdrawn(120),
        AccountEvent::Closed,
    ];
    let stored: Vec<(EventKind, Vec<u8>)> = history
        .iter()
        .map(|event| (event.kind(), event.encode_payload().unwrap()))
        .collect();

    let replayed: Vec<LedgerEvent> = stored
        .iter()
        .map(|(kind, bytes)| LedgerEvent::decode_payload(*kind, bytes).unwrap())
        .collect();
    assert_eq!(
        replayed,
        [
            LedgerEvent::AccountOpened {
                owner: "ada".into()
            },
            LedgerEvent::MoneyIn { cents: 500 },
            LedgerEvent::MoneyOut(120),
            LedgerEvent::AccountClosed,
        ]
    );
    assert_eq!(AccountEvent::DEPOSITED, LedgerEvent::MONEY_IN);
}

mod with_serde {
    use batpak::EventPayload;
    use serde::{Deserialize, Serialize};

    fn is_zero(value: &u32) -> bool {
        *value == 0
    }

    fn default_currency() -> String {
        "EUR".into()
    }

    #[derive(Debug, Clone, PartialEq, EventPayload)]
    #[batpak(category = 5)]
    pub enum Priced {
        #[batpak(type_id = 1)]
        Set {
            #[serde(rename = "amt")]
            amount: u64,
            #[serde(default = "default_currency")]
            currency: String,
            #[serde(skip)]
            cached_label: Option<String>,
            #[serde(skip_serializing_if = "is_zero", default)]
            discount: u32,
        },
        #[batpak(type_id = 2)]
        Cleared(#[serde(default)] Option<String>),
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
    #[batpak(category = 5, type_id = 3)]
    #[serde(rename_all = "camelCase")]
    pub struct Rated {
        pub star_count: u8,
        #[serde(default)]
        pub comment: Option<String>,
        #[serde(skip)]
        pub scratch: u32,
    }
}

#[test]
fn serde_attributes_on_fields_are_respected() {
    use with_serde::{Priced, Rated};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct SetOnDisk {
        amt: u64,
        currency: String,
        #[serde(default)]
        discount: Option<u32>,
    }

    let set = Priced::Set {
        amount: 300,
        currency: "USD".into(),
        cached_label: Some("$3".into()),
        discount: 0,
    };
    let bytes = set.encode_payload().unwrap();
    // rename and skip_serializing_if shape the bytes; skip leaves the field out.
    let on_disk: SetOnDisk =
        batpak::event::decode_msgpack("SetOnDisk", Priced::SET, &bytes).unwrap();
    assert_eq!(
        on_disk,
        SetOnDisk {
            amt: 300,
            currency: "USD".into(),
            discount: None
        }
    );
    // skip comes back as Default.
    assert_eq!(
        Priced::decode_payload(Priced::SET, &bytes).unwrap(),
        Priced::Set {
            amount: 300,
            currency: "USD".into(),
            cached_label: None,
            discount: 0
        }
    );

    // default (with a function) fills in a field older bytes lack.
    #[derive(Serialize)]
    struct OlderSet {
        amt: u64,
    }
    let older = rmp_bytes(&OlderSet { amt: 5 });
    assert_eq!(
        Priced::decode_payload(Priced::SET, &older).unwrap(),
        Priced::Set {
            amount: 5,
            currency: "EUR".into(),
            cached_label: None,
            discount: 0
        }
    );

    // Structs use the user's own serde derives, container attributes too.
    let rated = Rated {
        star_count: 4,
        comment: None,
        scratch: 99,
    };
    let bytes = rated.encode_payload().unwrap();
    assert!(bytes.windows(9).any(|w| w == b"starCount"));
    let back = Rated::decode_payload(Rated::KIND, &bytes).unwrap();
    assert_eq!(back.scratch, 0);
    assert_eq!(back.star_count, 4);

    roundtrip(&Priced::Cleared(Some("why".into())));
}

/// A user type that also derives serde on the enum: nothing breaks, and the
/// stored bytes are still the variant's fields only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 6)]
#[serde(tag = "type")]
enum AlsoSerde {
    #[batpak(type_id = 1)]
    Started { at: u64 },
    #[batpak(type_id = 2)]
    Stopped { at: u64 },
}

#[test]
fn an_enum_may_also_derive_serde_without_changing_its_stored_bytes() {
    #[derive(Serialize)]
    struct At {
        at: u64,
    }
    let event = AlsoSerde::Stopped { at: 10 };
    assert_eq!(event.encode_payload().unwrap(), rmp_bytes(&At { at: 10 }));
    roundtrip(&event);
}

batpak::assert_distinct_kinds!(Deposited, Marker, Pair, Shapes, written::AccountEvent);
batpak::assert_distinct_kinds!(read::LedgerEvent);

mod properties {
    use super::Shapes;
    use batpak::{EventKind, EventPayload};
    use proptest::prelude::*;

    fn shapes() -> impl Strategy<Value = Shapes> {
        prop_oneof![
            Just(Shapes::Unit),
            ".{0,12}".prop_map(Shapes::Newtype),
            (
                any::<u8>(),
                any::<i64>(),
                prop::collection::vec(any::<u16>(), 0..4)
            )
                .prop_map(|(a, b, c)| Shapes::Tuple(a, b, c)),
            (any::<u64>(), prop::collection::vec(".{0,6}", 0..3))
                .prop_map(|(id, tags)| Shapes::Named { id, tags }),
            any::<u64>().prop_map(|cents| Shapes::MoneyDeposited { cents }),
            Just(Shapes::EmptyNamed {}),
            Just(Shapes::EmptyTuple()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn every_value_roundtrips_through_its_kind(value in shapes()) {
            let bytes = value.encode_payload().unwrap();
            prop_assert_eq!(Shapes::decode_payload(value.kind(), &bytes).unwrap(), value);
        }

        #[test]
        fn arbitrary_bytes_under_any_kind_never_panic(
            kind in prop_oneof![
                prop::sample::select(Shapes::KINDS),
                any::<u16>().prop_map(EventKind::from_raw),
            ],
            bytes in prop::collection::vec(any::<u8>(), 0..48),
        ) {
            let decoded = Shapes::decode_payload(kind, &bytes);
            if !Shapes::KINDS.contains(&kind) {
                prop_assert!(decoded.is_err());
            }
        }
    }
}

/// A user's own `macro_rules!` wrapper around the derive: names and
/// `$value:literal` keys pass through it.
macro_rules! declare_event {
    ($name:ident, $category:literal, $type_id:literal) => {
        #[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
        #[batpak(category = $category, type_id = $type_id)]
        struct $name {
            n: u32,
        }
    };
}

declare_event!(Wrapped, 4, 0x021);

#[test]
fn the_derive_works_inside_a_macro_rules_wrapper() {
    assert_eq!(Wrapped::KIND, EventKind::custom(4, 0x021));
    roundtrip(&Wrapped { n: 7 });
}
