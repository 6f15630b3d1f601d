//! Projections: a fold of the store's events, incremental, cached in memory
//! and in files that are refused when they do not match the store.

use batpak::projection::{CacheStatus, EventMeta, Projection};
use batpak::store::Store;
use batpak::{Coordinate, EventKind, EventPayload, Region};
use batpak_tests::{copy_dir, open};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: String },
    #[batpak(type_id = 2)]
    Deposited { cents: u64 },
    #[batpak(type_id = 3)]
    Withdrawn { cents: u64 },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Account {
    owner: Option<String>,
    balance: i64,
    events: u64,
    last_entity_sequence: Option<u64>,
}

impl Projection for Account {
    type Event = AccountEvent;
    fn initial() -> Self {
        Account::default()
    }
    fn apply(&mut self, event: &AccountEvent, meta: &EventMeta<'_>) {
        match event {
            AccountEvent::Opened { owner } => self.owner = Some(owner.clone()),
            AccountEvent::Deposited { cents } => self.balance += *cents as i64,
            AccountEvent::Withdrawn { cents } => self.balance -= *cents as i64,
        }
        self.events += 1;
        self.last_entity_sequence = Some(meta.header.entity_sequence);
    }
}

/// Balances of every account in a region.
#[derive(Debug, Clone, Default, PartialEq)]
struct Balances(BTreeMap<String, i64>);

impl Projection for Balances {
    type Event = AccountEvent;
    fn initial() -> Self {
        Balances::default()
    }
    fn apply(&mut self, event: &AccountEvent, meta: &EventMeta<'_>) {
        let balance = self
            .0
            .entry(meta.coordinate.entity().to_owned())
            .or_default();
        match event {
            AccountEvent::Opened { .. } => {}
            AccountEvent::Deposited { cents } => *balance += *cents as i64,
            AccountEvent::Withdrawn { cents } => *balance -= *cents as i64,
        }
    }
}

/// The same fold as `Account`, computed by hand from a query.
fn fold_query(store: &Store, account: &Coordinate) -> Account {
    let mut state = Account::default();
    for event in store.query(&Region::coordinate(account)) {
        let event = event.unwrap();
        if !AccountEvent::KINDS.contains(&event.header().kind) {
            continue;
        }
        let typed = AccountEvent::decode_payload(event.header().kind, event.payload()).unwrap();
        let meta_seq = event.header().entity_sequence;
        match typed {
            AccountEvent::Opened { owner } => state.owner = Some(owner),
            AccountEvent::Deposited { cents } => state.balance += cents as i64,
            AccountEvent::Withdrawn { cents } => state.balance -= cents as i64,
        }
        state.events += 1;
        state.last_entity_sequence = Some(meta_seq);
    }
    state
}

fn bank(entity: &str) -> Coordinate {
    Coordinate::new(entity, "bank").unwrap()
}

#[test]
fn projection_equals_a_fold_of_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (a, b) = (bank("acct-a"), bank("acct-b"));
    store
        .append_typed(
            &a,
            &AccountEvent::Opened {
                owner: "ann".into(),
            },
        )
        .unwrap();
    store
        .append_typed(
            &b,
            &AccountEvent::Opened {
                owner: "bob".into(),
            },
        )
        .unwrap();
    for n in 1..=20u64 {
        store
            .append_typed(&a, &AccountEvent::Deposited { cents: n })
            .unwrap();
        // An event of a kind the projection does not own is passed over.
        store.append(&a, EventKind::custom(2, 9), &"note").unwrap();
        store
            .append_typed(&b, &AccountEvent::Withdrawn { cents: n })
            .unwrap();
    }
    for account in [&a, &b] {
        let expected = fold_query(&store, account);
        assert_eq!(store.project::<Account>(account).unwrap(), expected);
        assert_eq!(
            store
                .project_entity::<Account>(account)
                .unwrap()
                .into_state(),
            expected
        );
    }
    assert_eq!(store.project::<Account>(&a).unwrap().balance, 210);
    // An entity without events projects to the initial value.
    assert_eq!(
        store.project::<Account>(&bank("nobody")).unwrap(),
        Account::default()
    );
}

#[test]
fn catch_up_applies_only_new_events() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = bank("acct-a");
    for _ in 0..50 {
        store
            .append_typed(&a, &AccountEvent::Deposited { cents: 2 })
            .unwrap();
    }
    let first = store.project_entity::<Account>(&a).unwrap();
    assert_eq!((first.applied(), first.position()), (50, 50));
    store
        .append_typed(&a, &AccountEvent::Withdrawn { cents: 1 })
        .unwrap();
    let next = store.catch_up(first).unwrap();
    assert_eq!(next.applied(), 1);
    assert_eq!(next.cache_status(), &CacheStatus::Reused);
    assert_eq!(next.state().balance, 99);
    let again = store.catch_up(next).unwrap();
    assert_eq!(again.applied(), 0);
}

#[test]
fn region_projections_cover_every_account_and_can_start_late() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for (entity, cents) in [("a", 10), ("b", 20), ("a", 1)] {
        store
            .append_typed(&bank(entity), &AccountEvent::Deposited { cents })
            .unwrap();
    }
    store
        .append_typed(
            &Coordinate::new("a", "other").unwrap(),
            &AccountEvent::Deposited { cents: 99 },
        )
        .unwrap();
    let all = store
        .project_region::<Balances>(&Region::scope("bank"))
        .unwrap();
    assert_eq!(
        all.state().0,
        BTreeMap::from([("a".into(), 11), ("b".into(), 20)])
    );
    assert_eq!(all.position(), 4);

    store
        .append_typed(&bank("c"), &AccountEvent::Deposited { cents: 5 })
        .unwrap();
    let all = store.catch_up(all).unwrap();
    assert_eq!((all.applied(), all.state().0["c"]), (1, 5));

    // A projection added after the fact, starting at global sequence 2.
    let late = store
        .project_region::<Balances>(&Region::scope("bank").from_sequence(2))
        .unwrap();
    assert_eq!(
        late.state().0,
        BTreeMap::from([("a".into(), 1), ("c".into(), 5)])
    );
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    Append {
        account: usize,
        cents: u64,
        deposit: bool,
    },
    Project {
        account: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, 1..100u64, any::<bool>()).prop_map(|(account, cents, deposit)| Step::Append {
            account,
            cents,
            deposit
        }),
        (0..3usize).prop_map(|account| Step::Project { account }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Interleaved appends and projections: the cached, incremental result
    /// always equals the model and a fresh fold.
    #[test]
    fn incremental_cache_is_correct_under_interleaved_appends(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let accounts = [bank("a0"), bank("a1"), bank("a2")];
        let mut model = [0i64; 3];
        let mut held: Vec<Option<batpak::Projected<Account>>> = vec![None, None, None];
        for s in steps {
            match s {
                Step::Append { account, cents, deposit } => {
                    let event = if deposit {
                        model[account] += cents as i64;
                        AccountEvent::Deposited { cents }
                    } else {
                        model[account] -= cents as i64;
                        AccountEvent::Withdrawn { cents }
                    };
                    store.append_typed(&accounts[account], &event).unwrap();
                }
                Step::Project { account } => {
                    let c = &accounts[account];
                    prop_assert_eq!(store.project::<Account>(c).unwrap().balance, model[account]);
                    let next = match held[account].take() {
                        Some(p) => store.catch_up(p).unwrap(),
                        None => store.project_entity::<Account>(c).unwrap(),
                    };
                    prop_assert_eq!(next.state(), &fold_query(&store, c));
                    held[account] = Some(next);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// File-backed cache

#[test]
fn file_cache_survives_reopen_and_applies_only_new_events() {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("store");
    let cache = dir.path().join("acct-a.account");
    let a = bank("acct-a");
    {
        let store = open(&store_dir);
        for _ in 0..10 {
            store
                .append_typed(&a, &AccountEvent::Deposited { cents: 3 })
                .unwrap();
        }
        let p = store.project_with_file::<Account>(&a, &cache).unwrap();
        assert_eq!((p.cache_status(), p.applied()), (&CacheStatus::Missing, 10));
    }
    let store = open(&store_dir);
    store
        .append_typed(&a, &AccountEvent::Withdrawn { cents: 1 })
        .unwrap();
    let p = store.project_with_file::<Account>(&a, &cache).unwrap();
    assert_eq!(p.cache_status(), &CacheStatus::Reused);
    assert_eq!((p.applied(), p.state().balance), (1, 29));
    assert_eq!(p.state(), &fold_query(&store, &a));
}

fn rejected(status: &CacheStatus) -> String {
    match status {
        CacheStatus::Rejected { reason } => reason.clone(),
        other => panic!("expected a rejected cache, got {other:?}"),
    }
}

#[test]
fn a_file_cache_from_another_store_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("acct.account");
    let a = bank("acct-a");
    let first = open(&dir.path().join("one"));
    let second = open(&dir.path().join("two"));
    // Same entity, same number of events, different stores.
    for store in [&first, &second] {
        for cents in [1, 2, 3] {
            store
                .append_typed(&a, &AccountEvent::Deposited { cents })
                .unwrap();
        }
    }
    second
        .append_typed(&a, &AccountEvent::Deposited { cents: 100 })
        .unwrap();
    first.project_with_file::<Account>(&a, &cache).unwrap();
    let p = second.project_with_file::<Account>(&a, &cache).unwrap();
    assert!(rejected(p.cache_status()).contains("another store"));
    assert_eq!(p.state().balance, 106);
    // Rewritten for the second store: now it is reused there.
    let p = second.project_with_file::<Account>(&a, &cache).unwrap();
    assert_eq!(p.cache_status(), &CacheStatus::Reused);
}

#[test]
fn a_file_cache_ahead_of_the_store_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (early, late) = (dir.path().join("early"), dir.path().join("late"));
    let cache = dir.path().join("acct.account");
    let a = bank("acct-a");
    {
        let store = open(&late);
        store
            .append_typed(&a, &AccountEvent::Deposited { cents: 1 })
            .unwrap();
        drop(store);
        copy_dir(&late, &early);
        let store = open(&late);
        store
            .append_typed(&a, &AccountEvent::Deposited { cents: 1 })
            .unwrap();
        store.project_with_file::<Account>(&a, &cache).unwrap();
    }
    // The copy taken before the second event: the cache covers 2 events.
    let store = open(&early);
    let p = store.project_with_file::<Account>(&a, &cache).unwrap();
    assert!(rejected(p.cache_status()).contains("covers 2 events"));
    assert_eq!(p.state().balance, 1);
}

#[test]
fn a_damaged_or_foreign_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("store"));
    let (a, b) = (bank("acct-a"), bank("acct-b"));
    store
        .append_typed(&a, &AccountEvent::Deposited { cents: 7 })
        .unwrap();
    let cache = dir.path().join("acct.account");
    store.project_with_file::<Account>(&a, &cache).unwrap();

    // Another entity's cache.
    let p = store.project_with_file::<Account>(&b, &cache).unwrap();
    assert!(rejected(p.cache_status()).contains("acct-a"));

    // A flipped byte.
    store.project_with_file::<Account>(&a, &cache).unwrap();
    let mut bytes = std::fs::read(&cache).unwrap();
    bytes[30] ^= 0xFF;
    std::fs::write(&cache, &bytes).unwrap();
    let p = store.project_with_file::<Account>(&a, &cache).unwrap();
    assert!(rejected(p.cache_status()).contains("CRC"));
    assert_eq!(p.state().balance, 7);

    // Not a cache file at all.
    std::fs::write(&cache, b"hello").unwrap();
    let p = store.project_with_file::<Account>(&a, &cache).unwrap();
    assert!(matches!(p.cache_status(), CacheStatus::Rejected { .. }));
}

/// The same projection logic at two versions.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter<const V: u32>(u64);

impl<const V: u32> Projection for Counter<V> {
    type Event = AccountEvent;
    const VERSION: u32 = V;
    fn initial() -> Self {
        Counter(0)
    }
    fn apply(&mut self, _: &AccountEvent, _: &EventMeta<'_>) {
        self.0 += 1;
    }
}

#[test]
fn a_new_projection_version_invalidates_old_caches() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("store"));
    let a = bank("acct-a");
    store
        .append_typed(&a, &AccountEvent::Deposited { cents: 7 })
        .unwrap();
    let cache = dir.path().join("counter");
    store.project_with_file::<Counter<1>>(&a, &cache).unwrap();
    let p = store.project_with_file::<Counter<2>>(&a, &cache).unwrap();
    assert!(rejected(p.cache_status()).contains("version 1"));
    assert_eq!(p.state().0, 1);
}

#[test]
fn an_in_memory_projection_from_another_store_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (open(&dir.path().join("1")), open(&dir.path().join("2")));
    let a = bank("acct-a");
    one.append_typed(&a, &AccountEvent::Deposited { cents: 1 })
        .unwrap();
    two.append_typed(&a, &AccountEvent::Deposited { cents: 5 })
        .unwrap();
    two.append_typed(&a, &AccountEvent::Deposited { cents: 5 })
        .unwrap();
    let from_one = one.project_entity::<Account>(&a).unwrap();
    let p = two.catch_up(from_one).unwrap();
    assert!(matches!(p.cache_status(), CacheStatus::Rejected { .. }));
    assert_eq!(p.state().balance, 10);

    let region_one = one
        .project_region::<Balances>(&Region::scope("bank"))
        .unwrap();
    let p = two.catch_up(region_one).unwrap();
    assert!(rejected(p.cache_status()).contains("another store"));
    assert_eq!(p.state().0["acct-a"], 10);
}

#[test]
fn projection_errors_convert_into_the_crate_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = bank("acct-a");
    // A payload of the right kind that does not decode.
    store
        .append(&a, AccountEvent::DEPOSITED, &"not a map")
        .unwrap();
    let err: batpak::Error = store.project::<Account>(&a).unwrap_err().into();
    assert!(matches!(err, batpak::Error::Projection(_)));
    assert!(err.to_string().contains("does not decode"));
}
