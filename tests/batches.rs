//! Atomic batches: all or nothing for CAS and idempotency failures, for
//! limits, for readers while writing, and for a torn batch at the tail.

use std::sync::atomic::{AtomicBool, Ordering};

use batpak::store::{AppendError, AppendOptions, BatchError, IdempotencyKey, StoreConfig};
use batpak::{CausationId, CorrelationId, EventKind, Region, Store};
use batpak_tests::batch_support::{check_store, tagged_items, Acked, TAGGED};
use batpak_tests::{coord, open, segment_files};

const K: EventKind = EventKind::custom(1, 1);

#[test]
fn a_failing_cas_item_writes_nothing_and_names_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (a, b) = (coord("a"), coord("b"));
    store.append(&a, K, &0).unwrap();
    let items = vec![
        batpak::BatchItem::new(&b, K, &1).unwrap(),
        batpak::BatchItem::new(&a, K, &2)
            .unwrap()
            .options(AppendOptions::new().expected_sequence(1)),
        batpak::BatchItem::new(&a, K, &3)
            .unwrap()
            .options(AppendOptions::new().expected_sequence(1)),
    ];
    let err = store.append_batch(items).unwrap_err();
    assert!(
        matches!(
            &err,
            BatchError::Item {
                index: 2,
                error: AppendError::SequenceMismatch {
                    expected: 1,
                    actual: 2,
                    ..
                }
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("batch item 2"), "{err}");
    assert_eq!(store.len(), 1);
    assert_eq!(store.entity_head(&b), None);
    assert_eq!(store.entity_head(&a).unwrap().0, 1);
    // The writer's own state was put back too: the next appends continue
    // from the heads before the batch, and the chain holds.
    let next_b = store.append(&b, K, &4).unwrap();
    let next_a = store.append(&a, K, &5).unwrap();
    assert_eq!((next_b.entity_sequence, next_a.entity_sequence), (0, 1));
    assert_eq!((next_b.global_sequence, next_a.global_sequence), (1, 2));
    assert!(store.verify_chain().unwrap().is_intact());
    // The same state after reopening: nothing of the batch reached the disk.
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.len(), 3);
    assert!(store.verify_chain().unwrap().is_intact());
}

#[test]
fn an_idempotency_conflict_writes_nothing_and_names_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let key = IdempotencyKey::from_content("pay-once");
    let first = store
        .append_with_options(
            &coord("a"),
            K,
            &"pay 10",
            AppendOptions::new().idempotency_key(key),
        )
        .unwrap();
    let items = vec![
        batpak::BatchItem::new(&coord("b"), K, &"other").unwrap(),
        batpak::BatchItem::new(&coord("a"), K, &"pay 20")
            .unwrap()
            .options(AppendOptions::new().idempotency_key(key)),
    ];
    let err = store.append_batch(items).unwrap_err();
    assert!(
        matches!(
            &err,
            BatchError::Item { index: 1, error: AppendError::IdempotencyConflict { original, .. } }
                if *original == first.event_id
        ),
        "{err:?}"
    );
    assert_eq!(store.len(), 1);
    // The same key with the same event inside a batch: the original receipt.
    let items = vec![
        batpak::BatchItem::new(&coord("a"), K, &"pay 10")
            .unwrap()
            .options(AppendOptions::new().idempotency_key(key)),
        batpak::BatchItem::new(&coord("b"), K, &"new").unwrap(),
    ];
    let receipts = store.append_batch(items).unwrap();
    assert_eq!(receipts[0].event_id, first.event_id);
    assert_eq!(store.len(), 2);
}

#[test]
fn a_cause_that_is_not_an_earlier_item_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let items = vec![
        batpak::BatchItem::new(&coord("a"), K, &1).unwrap(),
        batpak::BatchItem::new(&coord("a"), K, &2)
            .unwrap()
            .caused_by_item(1),
    ];
    assert!(matches!(
        store.append_batch(items),
        Err(BatchError::Item {
            index: 1,
            error: AppendError::CauseOutOfRange { cause: 1 }
        })
    ));
    assert!(store.is_empty());
}

#[test]
fn limits_refuse_a_batch_naming_the_setting_and_allow_the_limit_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        StoreConfig::new(dir.path())
            .max_batch_items(4)
            .max_batch_bytes(400),
    )
    .unwrap();
    let coords = [coord("a"), coord("b")];
    let err = store
        .append_batch(tagged_items(0, 5, &coords, 10))
        .unwrap_err();
    assert!(matches!(err, BatchError::TooManyItems { items: 5, max: 4 }));
    assert!(err.to_string().contains("StoreConfig::max_batch_items"));
    let err = store
        .append_batch(tagged_items(0, 2, &coords, 300))
        .unwrap_err();
    assert!(
        matches!(err, BatchError::TooLarge { max: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("StoreConfig::max_batch_bytes"));
    assert!(store.is_empty());
    let at_limit = tagged_items(0, 4, &coords, 60);
    assert!(at_limit.len() == 4);
    assert_eq!(store.append_batch(at_limit).unwrap().len(), 4);
    // The converted crate error keeps the message.
    let err: batpak::Error = store
        .append_batch(tagged_items(1, 9, &coords, 1))
        .unwrap_err()
        .into();
    assert!(err.to_string().contains("max_batch_items"));
}

#[test]
fn default_limits_are_documented_constants() {
    let config = StoreConfig::new("unused");
    assert_eq!(
        config.batch_item_limit(),
        batpak::store::DEFAULT_MAX_BATCH_ITEMS
    );
    assert_eq!(
        config.batch_byte_limit(),
        batpak::store::DEFAULT_MAX_BATCH_BYTES
    );
}

#[test]
fn readers_never_see_part_of_a_batch() {
    const SIZE: u32 = 7;
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::open(StoreConfig::new(dir.path()).durability(batpak::Durability::Buffered)).unwrap();
    let coords = [coord("a"), coord("b"), coord("c")];
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut observations = 0u32;
            while !done.load(Ordering::Acquire) || observations == 0 {
                let len = store.len();
                assert_eq!(len % u64::from(SIZE), 0, "len {len} splits a batch");
                let seen = store.query(&Region::all()).count() as u64;
                assert_eq!(seen % u64::from(SIZE), 0, "query saw {seen} events");
                observations += 1;
            }
            observations
        });
        for write in 0..150 {
            store
                .append_batch(tagged_items(write, SIZE, &coords, 20))
                .unwrap();
        }
        done.store(true, Ordering::Release);
        assert!(reader.join().unwrap() > 0);
    });
    assert_eq!(check_store(&store, &[]), 150 * u64::from(SIZE));
}

#[test]
fn a_torn_batch_at_the_tail_is_dropped_whole_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let coords = [coord("a"), coord("b")];
    let (acked, before) = {
        let store = open(dir.path());
        let first: Vec<Acked> = store
            .append_batch(tagged_items(0, 3, &coords, 10))
            .unwrap()
            .iter()
            .map(Acked::from)
            .collect();
        let before = std::fs::metadata(&segment_files(dir.path())[0])
            .unwrap()
            .len();
        store.append_batch(tagged_items(1, 4, &coords, 10)).unwrap();
        (first, before)
    };
    let seg = segment_files(dir.path())[0].clone();
    let full = std::fs::read(&seg).unwrap();
    let frame_len = full.len() as u64 - before;
    // Cut the second batch's frame at every length short of whole, and
    // also leave it whole but followed by zeros (a file extended, not
    // filled).
    for keep in (0..frame_len).step_by(7).chain([frame_len - 1]) {
        let copy = tempfile::tempdir().unwrap();
        std::fs::write(
            copy.path().join("0000000001.seg"),
            &full[..(before + keep) as usize],
        )
        .unwrap();
        let store = open(copy.path());
        assert_eq!(check_store(&store, &acked), 3, "cut at {keep}");
        assert_eq!(store.recovery_report().is_clean(), keep == 0);
        // Appending continues after the truncated tail.
        store.append_batch(tagged_items(2, 2, &coords, 10)).unwrap();
        assert_eq!(check_store(&store, &acked), 5);
    }
    let copy = tempfile::tempdir().unwrap();
    let mut zeros = full[..before as usize].to_vec();
    zeros.resize(full.len(), 0);
    std::fs::write(copy.path().join("0000000001.seg"), &zeros).unwrap();
    assert_eq!(check_store(&open(copy.path()), &acked), 3);
    // Whole, it is kept whole.
    assert_eq!(check_store(&open(dir.path()), &acked), 7);
}

#[test]
fn a_reaction_batch_carries_correlation_and_causation() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let trigger = store.append(&coord("order"), K, &"placed").unwrap();
    let correlation = CorrelationId::from(trigger.event_id);
    let causation = CausationId::from(trigger.event_id);
    let own = CausationId::from(batpak::EventId::now());
    let items = vec![
        batpak::BatchItem::new(&coord("stock"), K, &"reserve").unwrap(),
        batpak::BatchItem::new(&coord("order"), K, &"confirm")
            .unwrap()
            .caused_by_item(0),
        batpak::BatchItem::new(&coord("mail"), K, &"notify")
            .unwrap()
            .options(AppendOptions::new().causation_id(own)),
    ];
    let receipts = store
        .append_reaction_batch(correlation, causation, items)
        .unwrap();
    let header = |i: usize| *store.get(receipts[i].event_id).unwrap().unwrap().header();
    for i in 0..3 {
        assert_eq!(header(i).correlation_id, correlation);
    }
    assert_eq!(header(0).causation_id, Some(causation));
    assert_eq!(
        header(1).causation_id,
        Some(CausationId::from(receipts[0].event_id))
    );
    assert_eq!(header(2).causation_id, Some(own));
    let chain: Vec<_> = store
        .walk_ancestors(receipts[1].event_id)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(chain.len(), 3);
}

#[test]
fn a_batch_reads_back_identically_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let coords = [coord("x"), coord("y"), coord("z")];
    let acked: Vec<Acked> = {
        let store = open(dir.path());
        store
            .append_batch(tagged_items(0, 10, &coords, 5))
            .unwrap()
            .iter()
            .map(Acked::from)
            .collect()
    };
    let store = open(dir.path());
    assert_eq!(check_store(&store, &acked), 10);
    let kinds: Vec<EventKind> = store
        .query(&Region::all())
        .map(|e| e.unwrap().header().kind)
        .collect();
    assert!(kinds.iter().all(|k| *k == TAGGED));
}
