//! EventKind packing and validation, ids, and payload helpers.

use batpak::event::{check_kind, decode_msgpack, encode_msgpack};
use batpak::{
    CausationId, CorrelationId, EventId, EventKind, EventPayload, KindError, PayloadError,
    SingleKind,
};
use serde::{Deserialize, Serialize};

#[test]
fn try_custom_refuses_the_system_category() {
    assert_eq!(
        EventKind::try_custom(0, 5),
        Err(KindError::ReservedCategory { type_id: 5 })
    );
    assert_eq!(
        KindError::ReservedCategory { type_id: 5 }.to_string(),
        "category 0 is reserved for batpak system events (type id 0x005): use a category from 1 to 15"
    );
}

#[test]
fn try_custom_refuses_a_category_above_15() {
    assert_eq!(
        EventKind::try_custom(16, 1),
        Err(KindError::CategoryOutOfRange { category: 16 })
    );
    assert_eq!(
        KindError::CategoryOutOfRange { category: 16 }.to_string(),
        "category 16 is out of range: categories are 1 to 15"
    );
}

#[test]
fn try_custom_refuses_a_type_id_above_0xfff() {
    assert_eq!(
        EventKind::try_custom(1, 0x1000),
        Err(KindError::TypeIdOutOfRange { type_id: 0x1000 })
    );
    assert_eq!(
        KindError::TypeIdOutOfRange { type_id: 0x1000 }.to_string(),
        "type id 0x1000 is out of range: type ids are 0x000 to 0xFFF (0 to 4095)"
    );
}

#[test]
fn custom_in_a_const_packs_category_and_type_id() {
    const KIND: EventKind = EventKind::custom(0xA, 0x123);
    assert_eq!(KIND.to_raw(), 0xA123);
    assert_eq!(KIND.to_string(), "A:123");
    assert_eq!(EventKind::try_custom(0xA, 0x123), Ok(KIND));
}

#[test]
fn every_valid_pair_roundtrips() {
    for category in 1..=15u8 {
        for type_id in [0u16, 1, 0x7FF, 0xFFF] {
            let kind = EventKind::try_custom(category, type_id).unwrap();
            assert_eq!(kind.category(), category);
            assert_eq!(kind.type_id(), type_id);
            assert!(!kind.is_system());
        }
    }
}

#[test]
fn ids_display_parse_and_serde_roundtrip() {
    let id = EventId::now();
    let text = id.to_string();
    assert_eq!(text.len(), 36);
    assert_eq!(text.parse::<EventId>().unwrap(), id);

    let bytes = rmp_serde_roundtrip(&id);
    assert_eq!(bytes, id);

    let corr: CorrelationId = id.into();
    let cause: CausationId = id.into();
    assert_eq!(corr.as_uuid(), cause.as_uuid());
}

fn rmp_serde_roundtrip<T: Serialize + for<'de> Deserialize<'de>>(value: &T) -> T {
    let bytes = encode_msgpack("T", value).unwrap();
    decode_msgpack("T", EventKind::custom(1, 1), &bytes).unwrap()
}

#[test]
fn ids_made_in_a_row_are_ordered() {
    let ids: Vec<EventId> = (0..1000).map(|_| EventId::now()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Renamed {
    cents: u64,
    #[serde(default)]
    memo: String,
}

impl EventPayload for Renamed {
    const KINDS: &'static [EventKind] = &[Self::KIND];
    const VERSION: u16 = 1;
    const TYPE_NAME: &'static str = "Renamed";
    fn kind(&self) -> EventKind {
        Self::KIND
    }
    fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
        encode_msgpack(Self::TYPE_NAME, self)
    }
    fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
        check_kind::<Self>(kind)?;
        decode_msgpack(Self::TYPE_NAME, kind, bytes)
    }
}

impl SingleKind for Renamed {
    const KIND: EventKind = EventKind::custom(3, 7);
}

#[test]
fn payload_decoding_refuses_a_foreign_kind() {
    let bytes = Renamed {
        cents: 1,
        memo: String::new(),
    }
    .encode_payload()
    .unwrap();
    let err = Renamed::decode_payload(EventKind::custom(3, 8), &bytes).unwrap_err();
    assert_eq!(
        err,
        PayloadError::UnknownKind {
            type_name: "Renamed",
            kind: EventKind::custom(3, 8),
            declared: Renamed::KINDS,
        }
    );
}

#[test]
fn payloads_are_named_maps_so_missing_defaulted_fields_decode() {
    #[derive(Serialize)]
    struct Older {
        cents: u64,
    }
    let bytes = encode_msgpack("Older", &Older { cents: 9 }).unwrap();
    let newer = Renamed::decode_payload(Renamed::KIND, &bytes).unwrap();
    assert_eq!(
        newer,
        Renamed {
            cents: 9,
            memo: String::new()
        }
    );
}

#[test]
fn garbage_bytes_are_a_decode_error_not_a_panic() {
    let err = Renamed::decode_payload(Renamed::KIND, &[0xc1, 0xff, 0x00]).unwrap_err();
    assert!(matches!(
        err,
        PayloadError::Decode {
            type_name: "Renamed",
            ..
        }
    ));
}
