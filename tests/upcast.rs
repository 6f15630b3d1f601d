//! Payload versions: upgrade steps per (kind, from-version) applied by
//! `decode_versioned`, and its errors.

use batpak::event::{decode_versioned, encode_msgpack, Upcasters};
use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct DepositedV1 {
    cents: u64,
}

/// Version 2 added `memo`.
#[derive(Serialize, Deserialize)]
struct DepositedV2 {
    cents: u64,
    memo: String,
}

/// Version 3 renamed `cents` to `amount_cents`.
#[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 2, version = 3)]
struct Deposited {
    amount_cents: u64,
    memo: String,
}

fn upcasters() -> Upcasters {
    let mut upcasters = Upcasters::new();
    upcasters
        .step(Deposited::KIND, 1, |old: DepositedV1| DepositedV2 {
            cents: old.cents,
            memo: "(none)".into(),
        })
        .step(Deposited::KIND, 2, |old: DepositedV2| Deposited {
            amount_cents: old.cents,
            memo: old.memo,
        });
    upcasters
}

#[test]
fn old_versions_climb_the_chain_to_the_current_one() {
    let upcasters = upcasters();
    let v1 = encode_msgpack("DepositedV1", &DepositedV1 { cents: 500 }).unwrap();
    let v2 = encode_msgpack(
        "DepositedV2",
        &DepositedV2 {
            cents: 70,
            memo: "tip".into(),
        },
    )
    .unwrap();
    let v3 = Deposited {
        amount_cents: 9,
        memo: "now".into(),
    }
    .encode_payload()
    .unwrap();

    let from_v1: Deposited = decode_versioned(Deposited::KIND, 1, &v1, &upcasters).unwrap();
    assert_eq!(
        from_v1,
        Deposited {
            amount_cents: 500,
            memo: "(none)".into()
        }
    );
    let from_v2: Deposited = decode_versioned(Deposited::KIND, 2, &v2, &upcasters).unwrap();
    assert_eq!(
        from_v2,
        Deposited {
            amount_cents: 70,
            memo: "tip".into()
        }
    );
    // The current version decodes directly, with or without steps.
    let current: Deposited = decode_versioned(Deposited::KIND, 3, &v3, &Upcasters::new()).unwrap();
    assert_eq!(current.amount_cents, 9);
}

#[test]
fn a_missing_step_names_the_version_without_one() {
    let mut only_second = Upcasters::new();
    only_second.step(Deposited::KIND, 2, |old: DepositedV2| Deposited {
        amount_cents: old.cents,
        memo: old.memo,
    });
    let v1 = encode_msgpack("DepositedV1", &DepositedV1 { cents: 1 }).unwrap();
    let error = decode_versioned::<Deposited>(Deposited::KIND, 1, &v1, &only_second).unwrap_err();
    assert_eq!(
        error,
        PayloadError::MissingUpcast {
            type_name: "Deposited",
            kind: Deposited::KIND,
            from: 1
        }
    );
    assert!(error
        .to_string()
        .contains("register one for kind 1:002, version 1"));
}

#[test]
fn a_stored_version_newer_than_the_code_is_refused() {
    let error =
        decode_versioned::<Deposited>(Deposited::KIND, 4, &[0x80], &upcasters()).unwrap_err();
    assert_eq!(
        error,
        PayloadError::VersionTooNew {
            type_name: "Deposited",
            kind: Deposited::KIND,
            stored: 4,
            current: 3
        }
    );
    assert!(error.to_string().contains("upgrade the program"));
}

#[test]
fn a_step_that_cannot_read_the_old_bytes_fails_with_the_reason() {
    // The stored v1 bytes do not have `cents`.
    #[derive(Serialize)]
    struct Wrong {
        dollars: String,
    }
    let bytes = encode_msgpack(
        "Wrong",
        &Wrong {
            dollars: "x".into(),
        },
    )
    .unwrap();
    let error =
        decode_versioned::<Deposited>(Deposited::KIND, 1, &bytes, &upcasters()).unwrap_err();
    assert!(
        matches!(&error, PayloadError::UpcastFailed { from: 1, reason, .. } if reason.contains("DepositedV1")),
        "{error:?}"
    );
}

#[test]
fn a_fallible_step_reports_its_own_error() {
    #[derive(Serialize, Deserialize)]
    struct PriceV1 {
        text: String,
    }
    #[derive(Debug, Serialize, Deserialize, EventPayload)]
    #[batpak(category = 3, type_id = 1, version = 2)]
    struct Price {
        cents: u64,
    }
    let mut upcasters = Upcasters::new();
    upcasters.try_step(Price::KIND, 1, |old: PriceV1| {
        old.text.parse::<u64>().map(|cents| Price { cents })
    });
    let good = encode_msgpack("PriceV1", &PriceV1 { text: "42".into() }).unwrap();
    let bad = encode_msgpack(
        "PriceV1",
        &PriceV1 {
            text: "lots".into(),
        },
    )
    .unwrap();
    assert_eq!(
        decode_versioned::<Price>(Price::KIND, 1, &good, &upcasters)
            .unwrap()
            .cents,
        42
    );
    let error = decode_versioned::<Price>(Price::KIND, 1, &bad, &upcasters).unwrap_err();
    assert!(
        matches!(&error, PayloadError::UpcastFailed { reason, .. } if reason.contains("invalid digit")),
        "{error:?}"
    );
}

/// An enum's version covers every variant: a variant that did not change
/// gets an `unchanged` step.
#[derive(Debug, PartialEq, EventPayload)]
#[batpak(category = 2, version = 2)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: String },
    #[batpak(type_id = 2)]
    Deposited { cents: u64, memo: String },
}

#[test]
fn enum_variants_upgrade_per_kind() {
    let mut upcasters = Upcasters::new();
    upcasters.unchanged(AccountEvent::OPENED, 1).step(
        AccountEvent::DEPOSITED,
        1,
        |old: DepositedV1| DepositedV2 {
            cents: old.cents,
            memo: String::new(),
        },
    );
    #[derive(Serialize)]
    struct OpenedV1 {
        owner: String,
    }
    let opened = encode_msgpack(
        "OpenedV1",
        &OpenedV1 {
            owner: "ada".into(),
        },
    )
    .unwrap();
    let deposited = encode_msgpack("DepositedV1", &DepositedV1 { cents: 3 }).unwrap();
    assert_eq!(
        decode_versioned::<AccountEvent>(AccountEvent::OPENED, 1, &opened, &upcasters).unwrap(),
        AccountEvent::Opened {
            owner: "ada".into()
        }
    );
    assert_eq!(
        decode_versioned::<AccountEvent>(AccountEvent::DEPOSITED, 1, &deposited, &upcasters)
            .unwrap(),
        AccountEvent::Deposited {
            cents: 3,
            memo: String::new()
        }
    );
    // A kind the enum does not declare is refused before any step runs.
    let stranger = EventKind::custom(2, 9);
    assert!(matches!(
        decode_versioned::<AccountEvent>(stranger, 1, &opened, &upcasters),
        Err(PayloadError::UnknownKind { .. })
    ));
    assert!(format!("{upcasters:?}").contains("steps"));
}

#[test]
fn a_raw_stored_event_decodes_typed_from_its_header_version() {
    use batpak::event::{EventHash, EventHeader};
    use batpak::{Coordinate, CorrelationId, Event, EventId, StoredEvent};

    let v1 = encode_msgpack("DepositedV1", &DepositedV1 { cents: 12 }).unwrap();
    let raw = StoredEvent {
        coordinate: Coordinate::new("account-9", "bank").unwrap(),
        event: Event {
            header: EventHeader {
                event_id: EventId::now(),
                global_sequence: 41,
                entity_sequence: 3,
                timestamp_micros: 7,
                kind: Deposited::KIND,
                payload_version: 1,
                correlation_id: CorrelationId::now(),
                causation_id: None,
            },
            payload: v1,
        },
        prev_hash: EventHash([1; 32]),
        hash: EventHash([2; 32]),
    };
    let typed = raw.decode::<Deposited>(&upcasters()).unwrap();
    assert_eq!(
        typed.payload(),
        &Deposited {
            amount_cents: 12,
            memo: "(none)".into()
        }
    );
    // Everything but the payload is carried over untouched, including the
    // version it was stored at.
    assert_eq!(typed.header(), raw.header());
    assert_eq!(typed.coordinate, raw.coordinate);
    assert_eq!((typed.prev_hash, typed.hash), (raw.prev_hash, raw.hash));

    let error = raw.decode::<Deposited>(&Upcasters::new()).unwrap_err();
    assert!(matches!(error, PayloadError::MissingUpcast { from: 1, .. }));
}
