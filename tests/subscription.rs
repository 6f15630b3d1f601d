//! Live lossy subscriptions: whole batches, region filtering, commit order,
//! missed counts for slow subscribers, pruning of dropped ones.

use batpak::store::{BatchItem, Durability, Store, StoreConfig};
use batpak::{Coordinate, EventKind, Region};

const K: EventKind = EventKind::custom(1, 1);

fn c(entity: &str, scope: &str) -> Coordinate {
    Coordinate::new(entity, scope).unwrap()
}

fn open(dir: &std::path::Path) -> Store {
    Store::open(StoreConfig::new(dir).durability(Durability::Buffered)).unwrap()
}

#[test]
fn a_batch_arrives_whole_and_only_its_events_in_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let feed = store.subscribe_lossy(&Region::scope("bank"));
    store
        .append_batch(vec![
            BatchItem::new(&c("a", "bank"), K, &1).unwrap(),
            BatchItem::new(&c("x", "shop"), K, &2).unwrap(),
            BatchItem::new(&c("b", "bank"), K, &3).unwrap(),
        ])
        .unwrap();
    let batch = feed.try_recv().unwrap();
    let seqs: Vec<u64> = batch.iter().map(|e| e.header().global_sequence).collect();
    assert_eq!(seqs, [0, 2]);
    assert!(feed.try_recv().is_none());
    // Events committed before subscribing are not replayed.
    let late = store.subscribe_lossy(&Region::all());
    assert!(late.try_recv().is_none());
}

#[test]
fn a_never_reading_subscriber_does_not_block_appends_and_counts_what_it_missed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let slow = store.subscribe_lossy_with_capacity(&Region::all(), 2);
    let keeping_up = store.subscribe_lossy_with_capacity(&Region::all(), 10_000);
    let coord = c("sensor", "plant");
    for n in 0..500u64 {
        // Every append returns although `slow` never reads.
        store.append(&coord, K, &n).unwrap();
    }
    store
        .append_batch(
            (0..10u64)
                .map(|n| BatchItem::new(&coord, K, &n).unwrap())
                .collect(),
        )
        .unwrap();
    assert_eq!(store.len(), 510);
    assert_eq!(slow.pending(), 2);
    assert_eq!(slow.missed(), 508);
    assert_eq!(keeping_up.missed(), 0);
    let mut received = 0;
    while let Some(batch) = keeping_up.try_recv() {
        received += batch.len();
    }
    assert_eq!(received, 510);
}

#[test]
fn concurrent_writers_are_delivered_in_commit_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let feed = store.subscribe_lossy_with_capacity(&Region::all(), 100_000);
    std::thread::scope(|s| {
        for t in 0..4 {
            let store = &store;
            s.spawn(move || {
                let coord = c(&format!("w{t}"), "s");
                for n in 0..100u64 {
                    store.append(&coord, K, &n).unwrap();
                }
            });
        }
    });
    let mut seqs = Vec::new();
    while let Some(batch) = feed.try_recv() {
        seqs.extend(batch.iter().map(|e| e.header().global_sequence));
    }
    assert_eq!(seqs, (0..400).collect::<Vec<u64>>());
}

#[test]
fn dropped_subscribers_are_pruned_and_closing_the_store_ends_the_feed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let kept = store.subscribe_lossy(&Region::all());
    let dropped = store.subscribe_lossy(&Region::scope("elsewhere"));
    assert_eq!(store.lossy_subscribers(), 2);
    drop(dropped);
    store.append(&c("a", "s"), K, &1).unwrap();
    assert_eq!(store.lossy_subscribers(), 1);
    store.close().unwrap();
    assert_eq!(kept.recv().map(|b| b.len()), Some(1));
    assert!(
        kept.recv().is_none(),
        "the store is closed: no more batches"
    );
}
