//! Guaranteed cursors: no skip, no duplicate within a session (concurrent
//! appends, segment rotation, batches), at-least-once across a restart,
//! checkpoints refused when they do not match the store.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use batpak::store::{BatchItem, Durability, Store, StoreConfig};
use batpak::subscription::CursorError;
use batpak::{Coordinate, EventKind, EventPayload, Region};
use batpak_tests::{copy_dir, Note};
use serde::{Deserialize, Serialize};

const K: EventKind = EventKind::custom(1, 1);
/// Generous: only reached if a wake-up is lost, which fails the test.
const LONG: Duration = Duration::from_secs(60);

fn c(entity: &str, scope: &str) -> Coordinate {
    Coordinate::new(entity, scope).unwrap()
}

/// Small segments, so the tests cross segment rotation many times.
fn config(dir: &std::path::Path) -> StoreConfig {
    StoreConfig::new(dir)
        .segment_size(4096)
        .durability(Durability::Buffered)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Tag {
    writer: u32,
    batch: u32,
    item: u32,
}

#[test]
fn never_skips_or_duplicates_under_concurrent_appends_rotation_and_batches() {
    const WRITERS: u32 = 3;
    const BATCHES: u32 = 60;
    const PER_BATCH: u32 = 4;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    let total = u64::from(WRITERS * BATCHES * (PER_BATCH + 1));
    let done = AtomicBool::new(false);
    let mut cursor = store.cursor_guaranteed(&Region::all(), "reader").unwrap();
    let mut seen: Vec<(u64, Tag)> = Vec::new();
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let store = &store;
            s.spawn(move || {
                let coord = c(&format!("w{w}"), "s");
                for b in 0..BATCHES {
                    let items = (0..PER_BATCH)
                        .map(|item| {
                            BatchItem::new(
                                &coord,
                                K,
                                &Tag {
                                    writer: w,
                                    batch: b,
                                    item,
                                },
                            )
                            .unwrap()
                        })
                        .collect();
                    store.append_batch(items).unwrap();
                    store
                        .append(
                            &coord,
                            K,
                            &Tag {
                                writer: w,
                                batch: b,
                                item: PER_BATCH,
                            },
                        )
                        .unwrap();
                }
            });
        }
        let reader = s.spawn(|| {
            while (seen.len() as u64) < total {
                let batch = cursor.wait_batch(7, LONG).unwrap();
                assert!(!batch.is_empty(), "a wake-up was lost");
                for e in batch {
                    let tag: Tag = batpak::event::decode_msgpack("Tag", K, e.payload()).unwrap();
                    seen.push((e.header().global_sequence, tag));
                }
                // A batch is visible whole: if the last delivered event is
                // inside a batch, the rest is there without waiting.
                while let Some(&(_, last)) = seen.last() {
                    if last.item + 1 >= PER_BATCH {
                        break;
                    }
                    let next = cursor.poll().unwrap().expect("the rest of the batch");
                    let t: Tag = batpak::event::decode_msgpack("Tag", K, next.payload()).unwrap();
                    assert_eq!(
                        t,
                        Tag {
                            item: last.item + 1,
                            ..last
                        }
                    );
                    seen.push((next.header().global_sequence, t));
                }
            }
            done.store(true, Ordering::Release);
        });
        reader.join().unwrap();
    });
    assert!(done.load(Ordering::Acquire));
    let seqs: Vec<u64> = seen.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        (0..total).collect::<Vec<u64>>(),
        "every event once, in order"
    );
    assert!(cursor.poll().unwrap().is_none());
    assert!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "seg")
            })
            .count()
            > 3,
        "the test crossed segment rotation"
    );
}

#[test]
fn a_region_cursor_delivers_exactly_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    for n in 0..300u64 {
        let scope = if n % 3 == 0 { "bank" } else { "shop" };
        store
            .append(&c(&format!("e{}", n % 7), scope), K, &n)
            .unwrap();
    }
    let region = Region::scope("bank");
    let mut cursor = store.cursor_guaranteed(&region, "bank-feed").unwrap();
    let mut got = Vec::new();
    loop {
        let batch = cursor.poll_batch(13).unwrap();
        if batch.is_empty() {
            break;
        }
        got.extend(batch.iter().map(|e| e.header().global_sequence));
    }
    let expected: Vec<u64> = store
        .query(&region)
        .map(|e| e.unwrap().header().global_sequence)
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        cursor.position(),
        300,
        "events outside the region are passed over"
    );

    // One exact coordinate, read in small steps.
    let one = c("e3", "shop");
    let mut cursor = store
        .cursor_guaranteed(&Region::coordinate(&one), "one")
        .unwrap();
    let mut got = Vec::new();
    loop {
        let batch = cursor.poll_batch(3).unwrap();
        if batch.is_empty() {
            break;
        }
        got.extend(batch.iter().map(|e| e.header().global_sequence));
    }
    let expected: Vec<u64> = store
        .stream(&one)
        .map(|e| e.unwrap().header().global_sequence)
        .collect();
    assert!(expected.len() > 20);
    assert_eq!(got, expected);
}

#[test]
fn resumes_after_reopen_from_the_committed_checkpoint_at_least_once() {
    let dir = tempfile::tempdir().unwrap();
    let coord = c("order-1", "shop");
    let mut delivered = Vec::new();
    {
        let store = Store::open(config(dir.path())).unwrap();
        for n in 0..20u64 {
            store.append(&coord, K, &n).unwrap();
        }
        let mut cursor = store.cursor_guaranteed(&Region::all(), "mailer").unwrap();
        for e in cursor.poll_batch(8).unwrap() {
            delivered.push(e.header().global_sequence);
        }
        cursor.commit().unwrap();
        assert_eq!(cursor.committed_position(), 8);
        // The store is buffered: committing synced what the checkpoint covers.
        assert!(store.is_durable(7));
        // Delivered but never committed: comes again after the restart.
        for e in cursor.poll_batch(5).unwrap() {
            delivered.push(e.header().global_sequence);
        }
        drop(cursor);
        store.close().unwrap();
    }
    let store = Store::open(config(dir.path())).unwrap();
    store.append(&coord, K, &20u64).unwrap();
    let mut cursor = store.cursor_guaranteed(&Region::all(), "mailer").unwrap();
    assert_eq!(cursor.position(), 8);
    while let Some(e) = cursor.poll().unwrap() {
        delivered.push(e.header().global_sequence);
    }
    cursor.commit().unwrap();
    let unique: BTreeSet<u64> = delivered.iter().copied().collect();
    assert_eq!(
        unique,
        (0..21).collect::<BTreeSet<u64>>(),
        "nothing skipped"
    );
    assert_eq!(
        delivered.len(),
        21 + 5,
        "exactly the uncommitted five came twice"
    );
    // Another cursor name starts from the beginning.
    let mut other = store.cursor_guaranteed(&Region::all(), "auditor").unwrap();
    assert_eq!(other.poll().unwrap().unwrap().header().global_sequence, 0);
}

#[test]
fn wait_is_woken_by_a_commit_and_times_out_when_nothing_comes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    let mut cursor = store.cursor_guaranteed(&Region::all(), "waiter").unwrap();
    assert!(cursor.wait(Duration::from_millis(5)).unwrap().is_none());
    let got = std::thread::scope(|s| {
        let waiter = s.spawn(|| cursor.wait(LONG).unwrap());
        store.append(&c("a", "s"), K, &1u64).unwrap();
        waiter.join().unwrap()
    });
    assert_eq!(got.map(|e| e.header().global_sequence), Some(0));
    // A timeout too large for a deadline means no deadline, not a panic.
    store.append(&c("a", "s"), K, &2u64).unwrap();
    let next = cursor.wait(Duration::MAX).unwrap();
    assert_eq!(next.map(|e| e.header().global_sequence), Some(1));
}

#[test]
fn names_are_checked_and_held_by_one_cursor_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    for bad in ["", "../escape", ".hidden", "with space", &"x".repeat(65)] {
        assert!(
            matches!(
                store.cursor_guaranteed(&Region::all(), bad),
                Err(CursorError::InvalidName { .. })
            ),
            "{bad:?}"
        );
    }
    let first = store.cursor_guaranteed(&Region::all(), "one").unwrap();
    let second = store.cursor_guaranteed(&Region::all(), "one");
    assert!(matches!(second, Err(CursorError::InUse { .. })));
    drop(first);
    assert!(store.cursor_guaranteed(&Region::all(), "one").is_ok());
}

#[test]
fn a_checkpoint_that_does_not_match_the_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for d in [&one, &two] {
        let store = Store::open(config(d)).unwrap();
        for n in 0..5u64 {
            store.append(&c("a", "s"), K, &n).unwrap();
        }
    }
    {
        let store = Store::open(config(&one)).unwrap();
        let mut cursor = store.cursor_guaranteed(&Region::all(), "copied").unwrap();
        cursor.poll_batch(3).unwrap();
        cursor.commit().unwrap();
    }
    // A checkpoint copied from another store.
    copy_dir(&one.join("cursors"), &two.join("cursors"));
    let store = Store::open(config(&two)).unwrap();
    let err = store
        .cursor_guaranteed(&Region::all(), "copied")
        .unwrap_err();
    assert!(
        matches!(err, CursorError::CheckpointMismatch { position: 3, .. }),
        "{err}"
    );
    let err: batpak::Error = err.into();
    assert!(err.to_string().contains("delete it"));
    drop(store);

    // A damaged checkpoint.
    let path = one.join("cursors").join("copied.cursor");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let store = Store::open(config(&one)).unwrap();
    assert!(matches!(
        store.cursor_guaranteed(&Region::all(), "copied"),
        Err(CursorError::CheckpointCorrupt { .. })
    ));
}

#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 4)]
enum Shipping {
    #[batpak(type_id = 1)]
    Packed { parcel: u32 },
    #[batpak(type_id = 2)]
    Shipped { parcel: u32 },
}

#[test]
fn a_typed_cursor_decodes_passes_over_other_kinds_and_stops_before_bad_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(config(dir.path())).unwrap();
    let order = c("order-1", "shop");
    store
        .append_typed(&order, &Shipping::Packed { parcel: 1 })
        .unwrap();
    store.append_typed(&order, &Note::new(1)).unwrap();
    store
        .append_typed(&order, &Shipping::Shipped { parcel: 1 })
        .unwrap();
    store
        .append(&order, Shipping::SHIPPED, &"not a map")
        .unwrap();
    store
        .append_typed(&order, &Shipping::Packed { parcel: 2 })
        .unwrap();
    let mut cursor = store
        .cursor_guaranteed_typed::<Shipping>(&Region::all(), "typed")
        .unwrap();
    let got: Vec<Shipping> = cursor
        .poll_batch(2)
        .unwrap()
        .into_iter()
        .map(|e| e.payload().clone())
        .collect();
    assert_eq!(
        got,
        [
            Shipping::Packed { parcel: 1 },
            Shipping::Shipped { parcel: 1 }
        ]
    );
    assert!(matches!(cursor.poll(), Err(CursorError::Payload(_))));
    assert_eq!(
        cursor.raw().position(),
        3,
        "the cursor stays before the bad event"
    );
    assert!(matches!(cursor.poll(), Err(CursorError::Payload(_))));
}
