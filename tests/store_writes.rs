//! Compare-and-swap, idempotency and atomic batches, including racing
//! threads and reopen.

use std::collections::HashSet;
use std::sync::Barrier;

use batpak::prelude::*;
use batpak::store::{
    AppendError, AppendOptions, BatchError, BatchItem, Durability, IdempotencyKey, Store,
    StoreConfig,
};
use batpak::CausationId;
use batpak_tests::{coord, open, Note};

const KIND: EventKind = EventKind::custom(3, 3);

#[test]
fn cas_race_has_exactly_one_winner_per_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("contended");
    let threads = 4;
    let rounds = 25u64;
    let barrier = Barrier::new(threads);
    let wins: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (store, c, barrier) = (&store, &c, &barrier);
                s.spawn(move || {
                    let mut won = Vec::new();
                    for seq in 0..rounds {
                        barrier.wait();
                        let opts = AppendOptions::new()
                            .expected_sequence(seq)
                            .durability(Durability::Buffered);
                        match store.append_with_options(c, KIND, &(t, seq), opts) {
                            Ok(r) => {
                                assert_eq!(r.entity_sequence, seq);
                                won.push(seq);
                            }
                            Err(AppendError::SequenceMismatch {
                                expected, actual, ..
                            }) => {
                                assert_eq!(expected, seq);
                                assert_eq!(actual, seq + 1, "the winner moved it on by one");
                            }
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                        barrier.wait();
                    }
                    won
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<u64> = wins.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..rounds).collect::<Vec<_>>(),
        "one winner per sequence"
    );
    assert_eq!(store.entity_head(&c).unwrap().0, rounds);
    assert!(store.verify_chain().unwrap().is_intact());
}

#[test]
fn cas_on_a_new_entity_expects_zero() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("fresh");
    let err = store
        .append_with_options(&c, KIND, &1, AppendOptions::new().expected_sequence(1))
        .unwrap_err();
    assert!(matches!(
        err,
        AppendError::SequenceMismatch {
            expected: 1,
            actual: 0,
            ..
        }
    ));
    assert!(err.to_string().contains("retry"), "{err}");
    store
        .append_with_options(&c, KIND, &1, AppendOptions::new().expected_sequence(0))
        .unwrap();
}

#[test]
fn concurrent_durable_appenders_all_land_with_dense_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let per_thread = 40u64;
    let receipts: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let store = &store;
                s.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            store
                                .append_typed(&coord(&format!("t{t}")), &Note::new(i))
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(receipts.iter().all(|r| r.durable));
    let globals: HashSet<u64> = receipts.iter().map(|r| r.global_sequence).collect();
    assert_eq!(globals.len(), 160);
    assert_eq!(globals.iter().max(), Some(&159));
    for t in 0..4 {
        let seqs: Vec<u64> = store
            .stream(&coord(&format!("t{t}")))
            .map(|e| e.unwrap().header().entity_sequence)
            .collect();
        assert_eq!(seqs, (0..per_thread).collect::<Vec<_>>());
    }
}

#[test]
fn idempotent_repeat_returns_the_original_receipt_even_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let key = IdempotencyKey::from_content("payment-42");
    let opts = AppendOptions::new().idempotency_key(key);
    let c = coord("wallet");
    let original = {
        let store = open(dir.path());
        let first = store
            .append_with_options(&c, KIND, &Note::new(1), opts)
            .unwrap();
        let again = store
            .append_with_options(&c, KIND, &Note::new(1), opts)
            .unwrap();
        assert_eq!(again.event_id, first.event_id);
        assert_eq!(again.global_sequence, first.global_sequence);
        assert_eq!(again.hash, first.hash);
        assert_eq!(store.len(), 1);
        first
    };
    let store = open(dir.path());
    let after = store
        .append_with_options(&c, KIND, &Note::new(1), opts)
        .unwrap();
    assert_eq!(after.event_id, original.event_id);
    assert_eq!(after.hash, original.hash);
    assert!(after.durable);
    assert_eq!(store.len(), 1);

    // Same key, different payload (or coordinate): a conflict naming the original.
    let err = store
        .append_with_options(&c, KIND, &Note::new(2), opts)
        .unwrap_err();
    assert_eq!(
        err,
        AppendError::IdempotencyConflict {
            key,
            original: original.event_id
        }
    );
    let err = store
        .append_with_options(&coord("other"), KIND, &Note::new(1), opts)
        .unwrap_err();
    assert!(matches!(err, AppendError::IdempotencyConflict { .. }));
    assert_eq!(store.len(), 1, "conflicts store nothing");
}

#[test]
fn batch_is_all_or_nothing_and_names_the_failing_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (a, b) = (coord("a"), coord("b"));
    store.append(&a, KIND, &"seed").unwrap();
    let batch = vec![
        BatchItem::new(&b, KIND, &1).unwrap(),
        BatchItem::new(&a, KIND, &2)
            .unwrap()
            .options(AppendOptions::new().expected_sequence(1)),
        BatchItem::new(&a, KIND, &3)
            .unwrap()
            .options(AppendOptions::new().expected_sequence(5)),
    ];
    let err = store.append_batch(batch).unwrap_err();
    match &err {
        BatchError::Item {
            index: 2,
            error:
                AppendError::SequenceMismatch {
                    expected: 5,
                    actual: 2,
                    ..
                },
        } => {}
        other => panic!("unexpected: {other:?}"),
    }
    assert!(err.to_string().contains("batch item 2"), "{err}");
    assert_eq!(store.len(), 1, "nothing of the batch was written");
    assert_eq!(store.entity_head(&b), None);

    // Items check CAS against earlier items of the same batch.
    let receipts = store
        .append_batch(vec![
            BatchItem::new(&b, KIND, &1)
                .unwrap()
                .options(AppendOptions::new().expected_sequence(0)),
            BatchItem::new(&b, KIND, &2)
                .unwrap()
                .options(AppendOptions::new().expected_sequence(1)),
            BatchItem::new(&a, KIND, &3).unwrap().caused_by_item(0),
        ])
        .unwrap();
    assert_eq!(
        receipts
            .iter()
            .map(|r| (r.global_sequence, r.entity_sequence))
            .collect::<Vec<_>>(),
        [(1, 0), (2, 1), (3, 1)]
    );
    let third = store.get(receipts[2].event_id).unwrap().unwrap();
    assert_eq!(
        third.header().causation_id,
        Some(CausationId::from(receipts[0].event_id))
    );
    assert!(matches!(
        store.append_batch(Vec::new()),
        Err(BatchError::Empty)
    ));
    let err = store
        .append_batch(vec![BatchItem::new(&a, KIND, &1)
            .unwrap()
            .caused_by_item(0)])
        .unwrap_err();
    assert!(matches!(
        err,
        BatchError::Item {
            index: 0,
            error: AppendError::CauseOutOfRange { cause: 0 }
        }
    ));
}

#[test]
fn batch_idempotency_repeats_whole_batches_and_refuses_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("orders");
    let items = |second: u64| {
        vec![
            BatchItem::typed(&c, &Note::new(1))
                .unwrap()
                .options(AppendOptions::new().idempotency_key(IdempotencyKey::from_content("i1"))),
            BatchItem::typed(&c, &Note::new(second))
                .unwrap()
                .options(AppendOptions::new().idempotency_key(IdempotencyKey::from_content("i2"))),
        ]
    };
    let first = store.append_batch(items(2)).unwrap();
    let again = store.append_batch(items(2)).unwrap();
    assert_eq!(
        first,
        again
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.durable = true;
                r
            })
            .collect::<Vec<_>>()
    );
    assert_eq!(store.len(), 2);
    let err = store.append_batch(items(3)).unwrap_err();
    assert!(matches!(
        err,
        BatchError::Item {
            index: 1,
            error: AppendError::IdempotencyConflict { .. }
        }
    ));
    // The same key twice in one batch with different events is a conflict too.
    let k = AppendOptions::new().idempotency_key(IdempotencyKey::from_content("dup"));
    let err = store
        .append_batch(vec![
            BatchItem::new(&c, KIND, &1).unwrap().options(k),
            BatchItem::new(&c, KIND, &2).unwrap().options(k),
        ])
        .unwrap_err();
    assert!(matches!(err, BatchError::Item { index: 1, .. }));
    assert_eq!(store.len(), 2);
}

#[test]
fn a_batch_is_one_unit_across_reopen_and_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let config = || StoreConfig::new(dir.path()).segment_size(4096);
    {
        let store = Store::open(config()).unwrap();
        for round in 0..5u64 {
            let items = (0..30u64)
                .map(|i| {
                    BatchItem::typed(&coord(&format!("e{}", i % 4)), &Note::new(round * 100 + i))
                        .unwrap()
                })
                .collect();
            let receipts = store.append_batch(items).unwrap();
            assert_eq!(receipts.len(), 30);
        }
        store.close().unwrap();
    }
    let store = Store::open(config()).unwrap();
    assert_eq!(store.len(), 150);
    assert!(store.verify_chain().unwrap().is_intact());
}

#[test]
fn a_durable_repeat_of_a_buffered_append_is_synced_before_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        StoreConfig::new(dir.path())
            .buffered_sync_every(None)
            .buffered_sync_interval(None),
    )
    .unwrap();
    let key = AppendOptions::new().idempotency_key(IdempotencyKey::from_content("k"));
    let first = store
        .append_with_options(&coord("e"), KIND, &1, key.durability(Durability::Buffered))
        .unwrap();
    assert!(!first.durable);
    let again = store
        .append_with_options(&coord("e"), KIND, &1, key.durability(Durability::Sync))
        .unwrap();
    assert_eq!(again.event_id, first.event_id);
    assert!(again.durable, "asked for Sync, so the original was synced");
}

#[test]
fn readers_never_see_part_of_a_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).durability(Durability::Buffered)).unwrap();
    let batches = 200u64;
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for b in 0..batches {
                let items = (0..10u64)
                    .map(|i| {
                        BatchItem::typed(&coord(&format!("e{i}")), &Note::new(b * 10 + i)).unwrap()
                    })
                    .collect();
                store.append_batch(items).unwrap();
            }
        });
        let mut observations = 0;
        while !writer.is_finished() || observations == 0 {
            assert_eq!(
                store.len() % 10,
                0,
                "len is always a whole number of batches"
            );
            let mut per_entity = std::collections::HashMap::new();
            for e in store.query(&Region::all()) {
                *per_entity.entry(e.unwrap().coordinate).or_insert(0u64) += 1;
            }
            let counts: HashSet<u64> = per_entity.values().copied().collect();
            assert!(
                counts.len() <= 1,
                "one query sees every entity equally often: {counts:?}"
            );
            observations += 1;
        }
    });
    assert_eq!(store.len(), batches * 10);
}

#[test]
fn many_entities_through_shared_and_fresh_coordinates_keep_their_own_sequences() {
    // More entities than the writer's cache of recent coordinates holds,
    // reached through reused values, through fresh equal values (other
    // allocations) and through values dropped and made again (addresses
    // the allocator may hand out again for other names).
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let n = 3000usize;
    let kept: Vec<Coordinate> = (0..n).map(|i| coord(&format!("many-{i}"))).collect();
    for round in 0..3u64 {
        let items: Vec<BatchItem> = (0..n)
            .map(|i| {
                let fresh;
                let c = match (round as usize + i) % 3 {
                    0 => &kept[i],
                    _ => {
                        fresh = coord(&format!("many-{i}"));
                        &fresh
                    }
                };
                BatchItem::new(c, EventKind::custom(1, 1), &Note::new(round)).unwrap()
            })
            .collect();
        for chunk in items.chunks(1000) {
            let receipts = store.append_batch(chunk.to_vec()).unwrap();
            assert!(receipts.iter().all(|r| r.entity_sequence == round));
        }
    }
    for c in kept.iter().step_by(97) {
        let seqs: Vec<u64> = store
            .stream(c)
            .map(|e| e.unwrap().header().entity_sequence)
            .collect();
        assert_eq!(seqs, vec![0, 1, 2], "{c}");
    }
    assert_eq!(store.len(), 3 * n as u64);
    assert!(store.verify_chain().unwrap().is_intact());
}
