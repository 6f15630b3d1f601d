//! Every store API used as a user would: append variants, reads, queries,
//! streams, causation walks, reopen, segment rotation, errors.

use batpak::prelude::*;
use batpak::store::{
    AppendError, AppendOptions, BatchItem, Durability, ReadError, Store, StoreConfig,
};
use batpak::{CausationId, CorrelationId, PayloadError};
use batpak_tests::{coord, open, segment_files, Note};

const KIND: EventKind = EventKind::custom(2, 7);

#[test]
fn append_and_get_roundtrip_raw_and_typed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("alpha");
    let r = store.append(&c, KIND, &("hello", 42u32)).unwrap();
    assert_eq!((r.global_sequence, r.entity_sequence), (0, 0));
    assert!(r.durable, "default durability is Sync");
    assert_eq!(r.kind, KIND);

    let got = store.get(r.event_id).unwrap().unwrap();
    assert_eq!(got.coordinate, c);
    assert_eq!(got.header().event_id, r.event_id);
    assert_eq!(got.header().kind, KIND);
    assert_eq!(got.header().payload_version, 1);
    assert_eq!(got.header().timestamp_micros, r.timestamp_micros);
    assert_eq!(got.prev_hash, batpak::EventHash::GENESIS);
    assert_eq!(got.hash, r.hash);
    let decoded: (String, u32) = rmp_decode(got.payload());
    assert_eq!(decoded, ("hello".to_owned(), 42));

    let t = store.append_typed(&c, &Note::new(1)).unwrap();
    assert_eq!(t.entity_sequence, 1);
    let typed = store.get_typed::<Note>(t.event_id).unwrap().unwrap();
    assert_eq!(typed.payload(), &Note::new(1));
    assert_eq!(typed.prev_hash, r.hash, "chained to the previous event");
    // Reading the first event as a Note fails with the kind named.
    let wrong = store.get_typed::<Note>(r.event_id).unwrap_err();
    assert!(
        matches!(wrong, ReadError::Payload(PayloadError::UnknownKind { .. })),
        "{wrong}"
    );
    assert!(store.get(EventId::now()).unwrap().is_none());
}

fn rmp_decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
    batpak::event::decode_msgpack("test", KIND, bytes).unwrap()
}

#[test]
fn options_reaction_and_ancestors() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("order-1");
    let corr = CorrelationId::now();
    let root = store
        .append_with_options(
            &c,
            KIND,
            &"placed",
            AppendOptions::new().correlation_id(corr),
        )
        .unwrap();
    let child = store
        .append_reaction(&c, KIND, &"paid", corr, CausationId::from(root.event_id))
        .unwrap();
    let grandchild = store
        .append_reaction(
            &coord("mail"),
            KIND,
            &"sent",
            corr,
            CausationId::from(child.event_id),
        )
        .unwrap();
    let got = store.get(grandchild.event_id).unwrap().unwrap();
    assert_eq!(got.header().correlation_id, corr);
    assert_eq!(
        got.header().causation_id,
        Some(CausationId::from(child.event_id))
    );
    let chain: Vec<EventId> = store
        .walk_ancestors(grandchild.event_id)
        .map(|e| e.unwrap().header().event_id)
        .collect();
    assert_eq!(chain, [grandchild.event_id, child.event_id, root.event_id]);
    // Without a correlation id, an event correlates with itself.
    let lone = store.append(&c, KIND, &"lone").unwrap();
    let lone = store.get(lone.event_id).unwrap().unwrap();
    assert_eq!(
        lone.header().correlation_id,
        CorrelationId::from(lone.header().event_id)
    );
}

#[test]
fn append_encoded_keeps_exact_bytes_and_refuses_system_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("raw");
    let bytes = vec![0x93, 1, 2, 3];
    let r = store
        .append_encoded(&c, KIND, 9, bytes.clone(), AppendOptions::new())
        .unwrap();
    let got = store.get(r.event_id).unwrap().unwrap();
    assert_eq!(got.payload(), &bytes);
    assert_eq!(got.header().payload_version, 9);

    let err = store
        .append_encoded(
            &c,
            EventKind::SYSTEM_BYPASS_AUDIT,
            1,
            vec![0xC0],
            AppendOptions::new(),
        )
        .unwrap_err();
    assert!(matches!(err, AppendError::SystemKind { .. }), "{err}");
    assert!(err.to_string().contains("reserved"), "{err}");
    let err = store.append(&c, EventKind::SYSTEM_DENIAL, &1).unwrap_err();
    assert!(matches!(err, AppendError::SystemKind { .. }));
    assert_eq!(store.len(), 1, "refused appends store nothing");
}

#[test]
fn oversized_payload_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).max_payload_bytes(64)).unwrap();
    let err = store
        .append(&coord("big"), KIND, &vec![7u8; 100])
        .unwrap_err();
    assert!(
        matches!(err, AppendError::PayloadTooLarge { max: 64, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("max_payload_bytes"));
    assert!(store.is_empty());
    store.append(&coord("big"), KIND, &"small").unwrap();
    assert_eq!(store.len(), 1);
}

#[test]
fn query_filters_by_region_in_global_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let k1 = EventKind::custom(1, 1);
    let k2 = EventKind::custom(2, 1);
    let layout = [
        ("acct-1", "bank", k1),
        ("acct-2", "bank", k2),
        ("user-1", "web", k1),
        ("acct-1", "bank", k2),
        ("acct-10", "bank", k1),
    ];
    for (i, (entity, scope, kind)) in layout.iter().enumerate() {
        store
            .append(&Coordinate::new(*entity, *scope).unwrap(), *kind, &i)
            .unwrap();
    }
    let seqs = |region: Region| -> Vec<u64> {
        store
            .query(&region)
            .map(|e| e.unwrap().header().global_sequence)
            .collect()
    };
    assert_eq!(seqs(Region::all()), [0, 1, 2, 3, 4]);
    assert_eq!(seqs(Region::scope("bank")), [0, 1, 3, 4]);
    assert_eq!(seqs(Region::entity("acct-1")), [0, 3]);
    assert_eq!(seqs(Region::entity_prefix("acct-1")), [0, 3, 4]);
    assert_eq!(seqs(Region::all().with_kind(k2)), [1, 3]);
    assert_eq!(seqs(Region::all().with_kinds([k1, k2])), [0, 1, 2, 3, 4]);
    assert_eq!(seqs(Region::all().with_category(2)), [1, 3]);
    assert_eq!(seqs(Region::all().with_sequence(1..=3)), [1, 2, 3]);
    let exact = Region::coordinate(&Coordinate::new("acct-1", "bank").unwrap());
    assert_eq!(seqs(exact.clone()), [0, 3]);
    assert_eq!(seqs(exact.with_kind(k2)), [3]);
    assert_eq!(seqs(Region::entity("nobody")), Vec::<u64>::new());
    // prev_hash is filled in for events in the middle of a query.
    let e3 = store
        .query(&Region::all().with_sequence(3..=3))
        .next()
        .unwrap()
        .unwrap();
    let e0 = store.query(&Region::all()).next().unwrap().unwrap();
    assert_eq!(e3.prev_hash, e0.hash);
}

#[test]
fn query_is_lazy_and_sees_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let c = coord("many");
    let items: Vec<BatchItem> = (0..1000u64)
        .map(|i| BatchItem::typed(&c, &Note::new(i)).unwrap())
        .collect();
    store.append_batch(items).unwrap();
    let mut query = store.query(&Region::all());
    let first = query.next().unwrap().unwrap();
    assert_eq!(first.header().global_sequence, 0);
    store.append_typed(&c, &Note::new(1000)).unwrap();
    assert_eq!(
        query.count(),
        999,
        "events appended after creation are not seen"
    );
    let streamed: Vec<u64> = store
        .stream(&c)
        .map(|e| e.unwrap().header().entity_sequence)
        .collect();
    assert_eq!(streamed, (0..1001).collect::<Vec<_>>());
}

#[test]
fn stream_yields_entity_order_with_linked_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let (a, b) = (coord("a"), coord("b"));
    for i in 0..10u64 {
        store
            .append_typed(if i % 3 == 0 { &a } else { &b }, &Note::new(i))
            .unwrap();
    }
    let events: Vec<_> = store.stream(&a).map(Result::unwrap).collect();
    assert_eq!(events.len(), 4);
    let mut prev = batpak::EventHash::GENESIS;
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.header().entity_sequence, i as u64);
        assert_eq!(e.prev_hash, prev);
        prev = e.hash;
    }
    assert_eq!(store.entity_head(&a), Some((4, prev)));
    assert_eq!(store.entity_head(&coord("nobody")), None);
    assert_eq!(store.stream(&coord("nobody")).count(), 0);
    assert_eq!(store.last_global_sequence(), Some(9));
}

#[test]
fn reopen_preserves_ids_sequences_hashes_and_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let before;
    {
        let store = Store::open(StoreConfig::new(dir.path()).segment_size(4096)).unwrap();
        for i in 0..200u64 {
            let c = coord(&format!("e{}", i % 7));
            let opts = AppendOptions::new()
                .causation_id(CausationId::now())
                .durability(if i % 2 == 0 {
                    Durability::Sync
                } else {
                    Durability::Buffered
                });
            store
                .append_with_options(&c, KIND, &Note::new(i), opts)
                .unwrap();
        }
        before = store
            .query(&Region::all())
            .map(Result::unwrap)
            .collect::<Vec<_>>();
        store.close().unwrap();
    }
    assert!(segment_files(dir.path()).len() > 3, "small segments rotate");
    let store = Store::open(StoreConfig::new(dir.path()).segment_size(4096)).unwrap();
    assert!(store.recovery_report().is_clean());
    assert_eq!(store.recovery_report().events, 200);
    let after: Vec<_> = store.query(&Region::all()).map(Result::unwrap).collect();
    assert_eq!(before, after);
    for e in &before {
        assert_eq!(store.get(e.header().event_id).unwrap().as_ref(), Some(e));
    }
    // Appending continues both chains and sequences.
    let c = coord("e3");
    let (next, head) = store.entity_head(&c).unwrap();
    let r = store.append(&c, KIND, &"after reopen").unwrap();
    assert_eq!((r.global_sequence, r.entity_sequence), (200, next));
    assert_eq!(store.get(r.event_id).unwrap().unwrap().prev_hash, head);
    assert!(store.verify_chain().unwrap().is_intact());
}

#[test]
fn buffered_appends_say_so_and_sync_makes_them_durable() {
    let dir = tempfile::tempdir().unwrap();
    let store = unsynced_buffered(dir.path());
    let r = store.append(&coord("b"), KIND, &1).unwrap();
    assert!(!r.durable);
    assert!(!store.is_durable(r.global_sequence));
    store.sync().unwrap();
    assert!(store.is_durable(r.global_sequence));
    let s = store
        .append_with_options(
            &coord("b"),
            KIND,
            &2,
            AppendOptions::new().durability(Durability::Sync),
        )
        .unwrap();
    assert!(s.durable);
}

#[test]
fn buffered_count_trigger_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        StoreConfig::new(dir.path())
            .durability(Durability::Buffered)
            .buffered_sync_every(Some(3))
            .buffered_sync_interval(None),
    )
    .unwrap();
    let receipts: Vec<_> = (0..3)
        .map(|i| store.append(&coord("b"), KIND, &i).unwrap())
        .collect();
    assert!(!receipts[0].durable && !receipts[1].durable);
    // The third append reaches the count; the background flusher syncs
    // (the appender does not wait for it). Await that sync; the long
    // timeout only bounds a failure, it is never waited out when it works.
    assert!(
        store.wait_durable(2, std::time::Duration::from_secs(60)),
        "the flusher synced once the count was reached"
    );
}

#[test]
fn errors_convert_into_the_crate_error() {
    fn run(dir: &std::path::Path) -> Result<(), batpak::Error> {
        let store = Store::open(StoreConfig::new(dir))?;
        store.append(&Coordinate::new("x", "y")?, EventKind::SYSTEM_MARKER, &1)?;
        Ok(())
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        run(dir.path()),
        Err(batpak::Error::Append(AppendError::SystemKind { .. }))
    ));
}

#[test]
fn point_reads_agree_with_scans_across_cache_blocks_and_segments() {
    let dir = tempfile::tempdir().unwrap();
    let config = |cache: u64| {
        StoreConfig::new(dir.path())
            .segment_size(256 * 1024)
            .read_cache_bytes(cache)
            .durability(Durability::Buffered)
    };
    let check = |store: &Store| {
        let all: Vec<_> = store.query(&Region::all()).map(Result::unwrap).collect();
        assert_eq!(all.len(), 3000);
        // Reverse order, so later blocks are cached first.
        for e in all.iter().rev() {
            assert_eq!(store.get(e.header().event_id).unwrap().as_ref(), Some(e));
        }
    };
    {
        let store = Store::open(config(128 * 1024)).unwrap();
        for i in 0..3000u64 {
            store
                .append_typed(&coord(&format!("e{}", i % 5)), &Note::new(i))
                .unwrap();
        }
        check(&store);
        store.close().unwrap();
    }
    assert!(segment_files(dir.path()).len() >= 2);
    check(&Store::open(config(128 * 1024)).unwrap());
    check(&Store::open(config(0)).unwrap());
}

#[test]
fn store_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
    assert_send_sync::<batpak::store::AppendReceipt>();
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(open(dir.path()));
    let handles: Vec<_> = (0..3)
        .map(|t| {
            let store = std::sync::Arc::clone(&store);
            std::thread::spawn(move || store.append(&coord(&format!("t{t}")), KIND, &t).unwrap())
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(store.len(), 3);
}

#[test]
fn wait_durable_returns_false_when_nothing_syncs_and_true_after_a_sync() {
    let dir = tempfile::tempdir().unwrap();
    // Buffered, with no background trigger: only `sync` makes it durable.
    let store = unsynced_buffered(dir.path());
    let receipt = store.append(&coord("w"), KIND, &1).unwrap();
    assert!(!receipt.durable);
    let short = std::time::Duration::from_millis(1);
    assert!(!store.wait_durable(receipt.global_sequence, short));
    store.sync().unwrap();
    assert!(store.wait_durable(receipt.global_sequence, short));
}

/// A buffered store with no background sync: only `sync` makes its
/// events durable.
fn unsynced_buffered(dir: &std::path::Path) -> Store {
    Store::open(
        StoreConfig::new(dir)
            .durability(Durability::Buffered)
            .buffered_sync_every(None)
            .buffered_sync_interval(None),
    )
    .unwrap()
}

/// A buffered store with 64 KiB segments, so a few thousand events span
/// many of them.
fn small_segments(dir: &std::path::Path) -> Store {
    Store::open(
        StoreConfig::new(dir)
            .segment_size(64 * 1024)
            .durability(Durability::Buffered),
    )
    .unwrap()
}

/// An entity's stream walks its own list of record places, read in spans
/// one at a time: it must hand out exactly what point reads return, for
/// events interleaved with others one by one and in runs, across chunks of
/// the stream and across segments.
#[test]
fn an_interleaved_entity_stream_matches_point_reads_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let store = small_segments(dir.path());
    let (hot, other) = (coord("hot"), coord("other"));
    let mut items = Vec::new();
    for i in 0..2500u64 {
        items.push(BatchItem::typed(&hot, &Note::new(i)).unwrap());
        // Others after every hot event at first, then in runs of 40.
        let others = if i < 1200 {
            2
        } else if i % 40 == 39 {
            70
        } else {
            0
        };
        for _ in 0..others {
            items.push(BatchItem::typed(&other, &Note::new(i)).unwrap());
        }
        if items.len() >= 300 {
            store.append_batch(std::mem::take(&mut items)).unwrap();
        }
    }
    store.append_batch(items).unwrap();
    assert!(segment_files(dir.path()).len() > 10, "spans cross segments");
    for c in [&hot, &other] {
        let streamed: Vec<_> = store.stream(c).map(Result::unwrap).collect();
        let mut prev = batpak::EventHash::GENESIS;
        for (i, e) in streamed.iter().enumerate() {
            assert_eq!(e.header().entity_sequence, i as u64);
            assert_eq!(&e.coordinate, c);
            assert_eq!(e.prev_hash, prev, "event {i} of {c}");
            let got = store.get(e.header().event_id).unwrap().unwrap();
            assert_eq!(got.hash, e.hash);
            assert_eq!(got.prev_hash, e.prev_hash);
            assert_eq!(got.payload(), e.payload());
            prev = e.hash;
        }
        assert_eq!(store.entity_head(c), Some((streamed.len() as u64, prev)));
    }
    assert_eq!(store.stream(&hot).count(), 2500);
}

/// A span that can no longer be read (here its segment was cut short under
/// the open store) ends the stream with one error after the events read
/// before it, and the stream ends there.
#[cfg(unix)]
#[test]
fn a_stream_hands_out_what_it_read_then_one_read_error_then_ends() {
    let dir = tempfile::tempdir().unwrap();
    batpak_tests::a_cut_segment_ends_the_stream_with_one_error(
        StoreConfig::new(dir.path())
            .segment_size(64 * 1024)
            .durability(Durability::Buffered),
        0,
    );
}
