//! Typed reads through the store: `get_typed`, `query_typed`, `stream_typed`
//! with derived payloads, kind narrowing, upcasting of old versions, and the
//! store's kind registry.

use batpak::event::{encode_msgpack, Upcasters};
use batpak::prelude::*;
use batpak::{AppendError, PayloadError, ReadError};
use batpak_tests::coord;
use serde::{Deserialize, Serialize};

/// The enum a bank application writes, one kind per variant.
#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: String },
    #[batpak(type_id = 2)]
    Deposited { cents: u64 },
    #[batpak(type_id = 3)]
    Withdrawn(u64),
    #[batpak(type_id = 4)]
    Closed,
}

/// Another type in another category, to show typed reads skip it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 2, type_id = 1)]
struct AuditNote {
    text: String,
}

fn history() -> Vec<AccountEvent> {
    vec![
        AccountEvent::Opened {
            owner: "alice".into(),
        },
        AccountEvent::Deposited { cents: 500 },
        AccountEvent::Withdrawn(120),
        AccountEvent::Closed,
    ]
}

fn payloads<T>(events: impl Iterator<Item = Result<StoredEvent<T>, ReadError>>) -> Vec<T> {
    events.map(|e| e.unwrap().event.payload).collect()
}

#[test]
fn a_derived_enum_roundtrips_through_the_store_by_id_region_and_stream() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let alice = coord("alice");
    let mut ids = Vec::new();
    for (i, event) in history().iter().enumerate() {
        ids.push(store.append_typed(&alice, event).unwrap().event_id);
        if i == 1 {
            // Interleave other types and a system event on the same entity.
            store
                .append_typed(&alice, &AuditNote { text: "kyc".into() })
                .unwrap();
            store
                .append_denial(&alice, &Denial::new("limit", "over the limit"))
                .unwrap();
        }
    }

    for (id, expected) in ids.iter().zip(history()) {
        let event = store.get_typed::<AccountEvent>(*id).unwrap().unwrap();
        assert_eq!(event.payload(), &expected);
        assert_eq!(event.header().kind, expected.kind());
    }
    assert_eq!(
        payloads(store.stream_typed::<AccountEvent>(&alice).unwrap()),
        history()
    );
    assert_eq!(
        payloads(store.query_typed::<AccountEvent>(&Region::all()).unwrap()),
        history()
    );
    // Entity order survives: the typed stream keeps the stored sequences.
    let sequences: Vec<u64> = store
        .stream_typed::<AccountEvent>(&alice)
        .unwrap()
        .map(|e| e.unwrap().header().entity_sequence)
        .collect();
    assert_eq!(sequences, [0, 1, 4, 5]);
    assert_eq!(
        payloads(store.stream_typed::<AuditNote>(&alice).unwrap()),
        [AuditNote { text: "kyc".into() }]
    );
}

#[test]
fn query_typed_yields_only_events_in_the_region_and_of_the_types_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let (alice, bob) = (coord("alice"), coord("bob"));
    for event in history() {
        store.append_typed(&alice, &event).unwrap();
        store.append_typed(&bob, &event).unwrap();
    }
    store
        .append_typed(&alice, &AuditNote { text: "x".into() })
        .unwrap();

    // The region's kinds AND T's kinds: `with_kind` of another type's kind
    // does not widen the result to that kind.
    let region = Region::entity("alice")
        .with_kind(AccountEvent::DEPOSITED)
        .with_kind(AuditNote::KIND);
    assert_eq!(
        payloads(store.query_typed::<AccountEvent>(&region).unwrap()),
        [AccountEvent::Deposited { cents: 500 }]
    );
    // A category with none of T's kinds: nothing, not an error.
    let other = Region::all().with_category(2);
    assert_eq!(
        store.query_typed::<AccountEvent>(&other).unwrap().count(),
        0
    );
    // A kind filter the type fully covers, across entities, in global order.
    let closes = Region::scope("test")
        .with_category(1)
        .with_kind(AccountEvent::CLOSED);
    let entities: Vec<String> = store
        .query_typed::<AccountEvent>(&closes)
        .unwrap()
        .map(|e| e.unwrap().coordinate.entity().to_owned())
        .collect();
    assert_eq!(entities, ["alice", "bob"]);
    // A sequence range is kept.
    let late = Region::entity_prefix("").from_sequence(6);
    assert_eq!(
        payloads(store.query_typed::<AccountEvent>(&late).unwrap()),
        [AccountEvent::Closed, AccountEvent::Closed]
    );
}

/// The stored form of `AccountEvent` as an older build declared it: other
/// variant names, another order.
mod earlier_build {
    #[derive(Debug, PartialEq, batpak::EventPayload)]
    #[batpak(category = 1)]
    pub enum Ledger {
        #[batpak(type_id = 4)]
        Shut,
        #[batpak(type_id = 3)]
        TookOut(u64),
        #[batpak(type_id = 2)]
        PutIn { cents: u64 },
        #[batpak(type_id = 1)]
        Began { owner: String },
    }
}

#[test]
fn renaming_and_reordering_variants_keeps_stored_events_readable_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let account = coord("acct");
    {
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        use earlier_build::Ledger;
        for event in [
            Ledger::Began {
                owner: "alice".into(),
            },
            Ledger::PutIn { cents: 500 },
            Ledger::TookOut(120),
            Ledger::Shut,
        ] {
            store.append_typed(&account, &event).unwrap();
        }
        store.close().unwrap();
    }
    // A later build, with the current definition, reads the same events.
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    assert_eq!(
        payloads(store.stream_typed::<AccountEvent>(&account).unwrap()),
        history()
    );
}

/// Version 1 of `Priced`, as an older build wrote it.
#[derive(Serialize, Deserialize)]
struct PricedV1 {
    cents: u64,
}

/// Version 2 added a currency.
#[derive(Serialize, Deserialize)]
struct PricedV2 {
    cents: u64,
    currency: String,
}

mod v1 {
    use serde::{Deserialize, Serialize};

    /// The payload as the older build declared it.
    #[derive(Serialize, Deserialize, batpak::EventPayload)]
    #[batpak(category = 3, type_id = 1)]
    pub struct Priced {
        pub cents: u64,
    }
}

/// Version 3 renamed `cents` to `amount`.
#[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 3, type_id = 1, version = 3)]
struct Priced {
    amount: u64,
    currency: String,
}

fn priced_upcasters() -> Upcasters {
    let mut upcasters = Upcasters::new();
    upcasters
        .step(Priced::KIND, 1, |old: PricedV1| PricedV2 {
            cents: old.cents,
            currency: "EUR".into(),
        })
        .step(Priced::KIND, 2, |old: PricedV2| Priced {
            amount: old.cents,
            currency: old.currency,
        });
    upcasters
}

#[test]
fn a_v1_event_written_by_an_older_definition_is_upcast_on_every_typed_read() {
    let dir = tempfile::tempdir().unwrap();
    let item = coord("item-1");
    let old_id = {
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let id = store
            .append_typed(&item, &v1::Priced { cents: 250 })
            .unwrap()
            .event_id;
        store.close().unwrap();
        id
    };
    let store = Store::open(StoreConfig::new(dir.path()).upcasters(priced_upcasters())).unwrap();
    let current = Priced {
        amount: 990,
        currency: "USD".into(),
    };
    store.append_typed(&item, &current).unwrap();
    let upgraded = Priced {
        amount: 250,
        currency: "EUR".into(),
    };

    let by_id = store.get_typed::<Priced>(old_id).unwrap().unwrap();
    assert_eq!(by_id.payload(), &upgraded);
    assert_eq!(
        by_id.header().payload_version,
        1,
        "the stored header is as written"
    );
    assert_eq!(
        payloads(store.stream_typed::<Priced>(&item).unwrap()),
        [upgraded, current]
    );
    assert_eq!(
        store.query_typed::<Priced>(&Region::all()).unwrap().count(),
        2
    );
}

#[test]
fn an_old_version_without_steps_and_a_version_from_the_future_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let item = coord("item-1");
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let bytes = encode_msgpack("PricedV1", &PricedV1 { cents: 1 }).unwrap();
    let old = store
        .append_encoded(&item, Priced::KIND, 1, bytes.clone(), AppendOptions::new())
        .unwrap();
    let future = store
        .append_encoded(&item, Priced::KIND, 4, bytes, AppendOptions::new())
        .unwrap();

    let missing = store.get_typed::<Priced>(old.event_id).unwrap_err();
    assert!(
        matches!(
            missing,
            ReadError::Payload(PayloadError::MissingUpcast { from: 1, .. })
        ),
        "{missing}"
    );
    let too_new = store.get_typed::<Priced>(future.event_id).unwrap_err();
    assert!(
        matches!(
            too_new,
            ReadError::Payload(PayloadError::VersionTooNew {
                stored: 4,
                current: 3,
                ..
            })
        ),
        "{too_new}"
    );
    // A stream reports each bad event in place and goes on.
    let results: Vec<_> = store.stream_typed::<Priced>(&item).unwrap().collect();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(Result::is_err));
}

/// Claims `AccountEvent::DEPOSITED`'s kind (1, 2) by mistake.
#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 2)]
struct CopyPasted {
    cents: u64,
}

#[test]
fn two_types_claiming_one_kind_in_one_store_is_an_error_naming_both_and_the_kind() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let alice = coord("alice");
    store
        .append_typed(&alice, &AccountEvent::Deposited { cents: 1 })
        .unwrap();

    let read = store.query_typed::<CopyPasted>(&Region::all()).unwrap_err();
    let ReadError::KindCollision(collision) = &read else {
        panic!("expected a kind collision, got {read}");
    };
    assert_eq!(collision.kind, EventKind::custom(1, 2));
    assert!(collision.first.ends_with("AccountEvent"), "{read}");
    assert!(collision.second.ends_with("CopyPasted"), "{read}");
    let message = read.to_string();
    assert!(message.contains("AccountEvent") && message.contains("CopyPasted"));
    assert!(
        message.contains(&EventKind::custom(1, 2).to_string()),
        "{message}"
    );

    // Every typed path refuses, and nothing is written.
    let append = store
        .append_typed(&alice, &CopyPasted { cents: 2 })
        .unwrap_err();
    assert!(matches!(append, AppendError::KindCollision(_)), "{append}");
    assert!(matches!(
        store.stream_typed::<CopyPasted>(&alice),
        Err(ReadError::KindCollision(_))
    ));
    assert_eq!(store.len(), 1);
    // The first owner keeps working.
    assert_eq!(
        store.stream_typed::<AccountEvent>(&alice).unwrap().count(),
        1
    );

    // The registry is per store: another store accepts the other type.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Store::open(StoreConfig::new(other_dir.path())).unwrap();
    other
        .append_typed(&alice, &CopyPasted { cents: 2 })
        .unwrap();
}

#[test]
fn reading_an_event_of_a_kind_the_type_does_not_have_is_an_unknown_kind_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let alice = coord("alice");
    let note = store
        .append_typed(&alice, &AuditNote { text: "x".into() })
        .unwrap();
    // Category 1 like AccountEvent, but a type id it does not declare.
    let stray = store
        .append(&alice, EventKind::custom(1, 0x0FF), &"stray")
        .unwrap();
    for id in [note.event_id, stray.event_id] {
        let err = store.get_typed::<AccountEvent>(id).unwrap_err();
        assert!(
            matches!(err, ReadError::Payload(PayloadError::UnknownKind { .. })),
            "{err}"
        );
    }
    // Typed iteration skips those kinds instead.
    assert_eq!(
        store.stream_typed::<AccountEvent>(&alice).unwrap().count(),
        0
    );
    assert!(store
        .get_typed::<AccountEvent>(EventId::now())
        .unwrap()
        .is_none());
}

/// The total price of an item's events, folded from `Priced`.
#[derive(Debug, Clone, Default)]
struct Total {
    amount: u64,
}

impl Projection for Total {
    type Event = Priced;

    fn initial() -> Self {
        Total::default()
    }

    fn apply(&mut self, event: &Priced, _meta: &EventMeta<'_>) {
        self.amount += event.amount;
    }
}

#[test]
fn projections_and_typed_cursors_upcast_with_the_stores_steps() {
    let dir = tempfile::tempdir().unwrap();
    let item = coord("item-2");
    {
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        store
            .append_typed(&item, &v1::Priced { cents: 250 })
            .unwrap();
        store.close().unwrap();
    }
    let store = Store::open(StoreConfig::new(dir.path()).upcasters(priced_upcasters())).unwrap();
    store
        .append_typed(
            &item,
            &Priced {
                amount: 10,
                currency: "USD".into(),
            },
        )
        .unwrap();

    assert_eq!(store.project::<Total>(&item).unwrap().amount, 260);

    let mut cursor = store
        .cursor_guaranteed_typed::<Priced>(&Region::all(), "prices")
        .unwrap();
    let first = cursor.poll().unwrap().unwrap();
    assert_eq!(first.payload().amount, 250);
    assert_eq!(first.payload().currency, "EUR");
    assert_eq!(cursor.poll().unwrap().unwrap().payload().amount, 10);
    assert!(cursor.poll().unwrap().is_none());
}

/// Folds `CopyPasted`, whose kind another type already owns.
#[derive(Debug, Clone)]
struct CopyPastedCount(u64);

impl Projection for CopyPastedCount {
    type Event = CopyPasted;

    fn initial() -> Self {
        CopyPastedCount(0)
    }

    fn apply(&mut self, _event: &CopyPasted, _meta: &EventMeta<'_>) {
        self.0 += 1;
    }
}

#[test]
fn projections_and_typed_cursors_claim_their_payload_type() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let alice = coord("alice");
    store
        .append_typed(&alice, &AccountEvent::Deposited { cents: 1 })
        .unwrap();

    let projected = store.project::<CopyPastedCount>(&alice).unwrap_err();
    assert!(
        matches!(projected, batpak::ProjectionError::KindCollision(_)),
        "{projected}"
    );
    let cursor = store
        .cursor_guaranteed_typed::<CopyPasted>(&Region::all(), "copies")
        .unwrap_err();
    assert!(
        matches!(cursor, batpak::CursorError::KindCollision(_)),
        "{cursor}"
    );
}

#[test]
fn typed_appends_take_options_for_cas_and_idempotency() {
    use batpak::store::IdempotencyKey;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let alice = coord("alice");
    let opened = AccountEvent::Opened {
        owner: "alice".into(),
    };
    let key = IdempotencyKey::from_content("open alice");
    let first = store
        .append_typed_with_options(
            &alice,
            &opened,
            AppendOptions::new()
                .expected_sequence(0)
                .idempotency_key(key),
        )
        .unwrap();
    // The same request again returns the original receipt and writes nothing.
    let repeat = store
        .append_typed_with_options(&alice, &opened, AppendOptions::new().idempotency_key(key))
        .unwrap();
    assert_eq!(repeat, first);
    assert_eq!(store.len(), 1);
    // A stale expectation loses.
    let stale = store
        .append_typed_with_options(
            &alice,
            &AccountEvent::Deposited { cents: 5 },
            AppendOptions::new().expected_sequence(0),
        )
        .unwrap_err();
    assert!(
        matches!(
            stale,
            AppendError::SequenceMismatch {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{stale}"
    );
    // The payload version is the type's, whatever the options say.
    let receipt = store
        .append_typed_with_options(
            &alice,
            &AccountEvent::Closed,
            AppendOptions::new().payload_version(9),
        )
        .unwrap();
    let stored = store.get(receipt.event_id).unwrap().unwrap();
    assert_eq!(
        stored.header().payload_version,
        <AccountEvent as EventPayload>::VERSION
    );
}
