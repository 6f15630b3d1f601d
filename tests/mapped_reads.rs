//! `StoreConfig::mapped_reads`: queries, streams and cursors read segment
//! bytes through a memory map. They must hand out exactly what reads with
//! `pread` hand out, from sealed segments, from the active one as it grows
//! past its map, and for a file cut short before it was mapped.

use batpak::prelude::*;
use batpak::store::{BatchItem, Durability, Store, StoreConfig};
use batpak_tests::{coord, segment_files, Note};

fn open(dir: &std::path::Path, segment_size: u64, mapped: bool) -> Store {
    Store::open(
        StoreConfig::new(dir)
            .segment_size(segment_size)
            .durability(Durability::Buffered)
            .mapped_reads(mapped),
    )
    .unwrap()
}

/// Everything a user can read in bulk: the whole log, a scope, a kind,
/// each entity's stream, and a cursor's batches.
fn read_everything(store: &Store, entities: &[Coordinate]) -> Vec<Vec<StoredEvent<Vec<u8>>>> {
    let mut all = vec![
        store.query(&Region::all()).map(Result::unwrap).collect(),
        store
            .query(&Region::scope("test"))
            .map(Result::unwrap)
            .collect(),
        store
            .query(&Region::all().with_kind(Note::KIND))
            .map(Result::unwrap)
            .collect(),
    ];
    for c in entities {
        all.push(store.stream(c).map(Result::unwrap).collect());
    }
    let mut cursor = store.cursor_guaranteed(&Region::all(), "reader").unwrap();
    let mut polled = Vec::new();
    loop {
        let batch = cursor.poll_batch(300).unwrap();
        if batch.is_empty() {
            break;
        }
        polled.extend(batch);
    }
    all.push(polled);
    all
}

/// Many entities, interleaved one by one and in runs, over many small
/// segments: the same events whichever way their bytes are read.
#[test]
fn mapped_and_copied_reads_hand_out_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let entities: Vec<Coordinate> = (0..7).map(|i| coord(&format!("e-{i}"))).collect();
    {
        let store = open(dir.path(), 64 * 1024, false);
        let mut items = Vec::new();
        for i in 0..6000u64 {
            // Round robin at first, then runs of 50 per entity.
            let e = if i < 3000 { i % 7 } else { (i / 50) % 7 };
            items.push(BatchItem::typed(&entities[e as usize], &Note::new(i)).unwrap());
            if items.len() == 250 {
                store.append_batch(std::mem::take(&mut items)).unwrap();
            }
        }
        assert!(items.is_empty(), "all sent in whole batches");
        store.close().unwrap();
    }
    assert!(segment_files(dir.path()).len() > 5, "reads cross segments");
    let copied = {
        let store = open(dir.path(), 64 * 1024, false);
        let read = read_everything(&store, &entities);
        store.close().unwrap();
        read
    };
    let store = open(dir.path(), 64 * 1024, true);
    let mapped = read_everything(&store, &entities);
    assert_eq!(copied[0].len(), 6000);
    for (n, (c, m)) in copied.iter().zip(&mapped).enumerate() {
        assert!(!c.is_empty(), "read {n} found events");
        assert_eq!(c, m, "read {n}");
    }
    assert_eq!(mapped.len(), copied.len());
}

/// The active segment is mapped once a megabyte is published, remapped as
/// it grows, and what lies past its map is read with `pread`: a stream sees
/// every event at every stage, chained.
#[test]
fn the_active_segment_is_read_through_its_map_and_past_it() {
    let dir = tempfile::tempdir().unwrap();
    // One segment for everything: it stays the active one.
    let store = open(dir.path(), 1 << 30, true);
    let (hot, other) = (coord("hot"), coord("other"));
    let mut written = 0u64;
    let check = |store: &Store, written: u64| {
        let events: Vec<_> = store.stream(&hot).map(Result::unwrap).collect();
        assert_eq!(events.len() as u64, written);
        let mut prev = batpak::EventHash::GENESIS;
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.prev_hash, prev);
            let note: Note =
                batpak::event::decode_msgpack("test", Note::KIND, e.payload()).unwrap();
            assert_eq!(note, Note::new(i as u64));
            prev = e.hash;
        }
    };
    // Stages: under a megabyte (no map), past it (mapped), a little more
    // (map plus pread), several megabytes more (remapped), and the tail.
    for add in [2_000u64, 12_000, 300, 60_000, 5] {
        for chunk in 0..add.div_ceil(500) {
            let n = (add - chunk * 500).min(500);
            let mut items = Vec::new();
            for i in written..written + n {
                items.push(BatchItem::typed(&hot, &Note::new(i)).unwrap());
                items.push(BatchItem::typed(&other, &Note::new(i)).unwrap());
            }
            store.append_batch(items).unwrap();
            written += n;
        }
        check(&store, written);
    }
    assert_eq!(segment_files(dir.path()).len(), 1);
}

/// A sealed segment cut short by another program before any read mapped
/// it is not mapped (that would fault): it is read with `pread`, which
/// reports the cut as an error after the events before it.
#[cfg(unix)]
#[test]
fn a_segment_cut_before_it_was_mapped_is_an_error_not_a_fault() {
    let dir = tempfile::tempdir().unwrap();
    batpak_tests::a_cut_segment_ends_the_stream_with_one_error(
        StoreConfig::new(dir.path())
            .segment_size(64 * 1024)
            .durability(Durability::Buffered)
            .mapped_reads(true),
        100,
    );
}
