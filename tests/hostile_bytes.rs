//! Hostile bytes: arbitrary and mutated segment bytes fed to the frame and
//! segment decoders and to `Store::open` never panic, never trust a length
//! they have not bounded, and end in a typed error or a correct recovery
//! (a prefix of the original events, intact).

use std::sync::OnceLock;

use batpak::__fuzz::{decode_event, decode_frame, scan_segment, LIMITS};
use batpak::store::{FormatError, OpenError, Store, StoreConfig};
use batpak::{EventId, Region};
use batpak_tests::batch_support::tagged_items;
use batpak_tests::coord;
use proptest::prelude::*;

/// A real segment: singles and batches over three entities, and the ids of
/// its events in order.
fn original() -> &'static (Vec<u8>, Vec<EventId>) {
    static ORIGINAL: OnceLock<(Vec<u8>, Vec<EventId>)> = OnceLock::new();
    ORIGINAL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let coords = [coord("a"), coord("b"), coord("c")];
        let mut ids = Vec::new();
        for write in 0..8 {
            let n = 1 + (write % 3) as u32;
            for r in store
                .append_batch(tagged_items(write, n, &coords, 12))
                .unwrap()
            {
                ids.push(r.event_id);
            }
        }
        store.close().unwrap();
        let bytes = std::fs::read(dir.path().join("0000000001.seg")).unwrap();
        (bytes, ids)
    })
}

/// Opens a directory holding `bytes` as its only segment and checks the
/// outcome: a typed refusal, or a store holding a prefix of the original
/// events with an intact chain.
fn open_damaged(bytes: &[u8], repair: bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0000000001.seg"), bytes).unwrap();
    match Store::open(StoreConfig::new(dir.path()).repair_on_open(repair)) {
        Err(OpenError::Corrupt { .. }) => assert!(!repair, "repair must not refuse"),
        Err(e) => panic!("unexpected open error: {e:?}"),
        Ok(store) => {
            let ids = &original().1;
            let found: Vec<EventId> = store
                .query(&Region::all())
                .map(|e| e.unwrap().header().event_id)
                .collect();
            assert!(found.len() <= ids.len());
            assert_eq!(found[..], ids[..found.len()], "recovery kept a non-prefix");
            assert!(store.verify_chain().unwrap().is_intact());
            // The recovered store takes new writes.
            store
                .append_batch(tagged_items(99, 2, &[coord("z")], 0))
                .unwrap();
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Truncate { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Zero { at: usize, len: usize },
}

fn apply(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in mutations {
        if out.is_empty() {
            break;
        }
        match m {
            Mutation::Flip { at, mask } => {
                let i = at % out.len();
                out[i] ^= mask.max(&1);
            }
            Mutation::Truncate { at } => out.truncate(at % out.len()),
            Mutation::Insert { at, bytes } => {
                let i = at % out.len();
                out.splice(i..i, bytes.iter().copied());
            }
            Mutation::Zero { at, len } => {
                let i = at % out.len();
                let end = (i + len).min(out.len());
                out[i..end].fill(0);
            }
        }
    }
    out
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Zero { at, len }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_frame(&bytes);
        let _ = decode_event(&bytes);
        if let Ok(summary) = scan_segment(&bytes) {
            prop_assert!(summary.valid_len <= bytes.len() as u64);
        }
        // The same bytes behind a valid segment header.
        let mut segment = original().0[..32].to_vec();
        segment.extend_from_slice(&bytes);
        let summary = scan_segment(&segment).unwrap();
        prop_assert!(summary.valid_len <= segment.len() as u64);
    }

    #[test]
    fn mutated_segments_decode_to_a_prefix_or_a_typed_error(
        mutations in proptest::collection::vec(mutation(), 1..4)
    ) {
        let (bytes, ids) = original();
        let damaged = apply(bytes, &mutations);
        if let Ok(summary) = scan_segment(&damaged) {
            prop_assert!(summary.events <= ids.len() as u64 + 1);
            prop_assert!(summary.valid_len <= damaged.len() as u64);
        }
    }
}

proptest! {
    // Each case creates and opens a store on disk: fewer cases.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn open_on_damaged_segments_refuses_or_recovers_a_prefix(
        mutations in proptest::collection::vec(mutation(), 1..3),
        repair in any::<bool>(),
    ) {
        open_damaged(&apply(&original().0, &mutations), repair);
    }
}

/// A frame header whose length passes its own check but claims 4 GiB.
fn huge_frame(body_len: u32) -> Vec<u8> {
    let mut frame = body_len.to_le_bytes().to_vec();
    frame.extend_from_slice(&crc32(&body_len.to_le_bytes()).to_le_bytes());
    frame.extend_from_slice(&[0xAA; 4]); // crc, wrong
    frame.push(1); // tag: commit
    frame.extend_from_slice(&[0x55; 64]); // a little of the "body"
    frame
}

/// CRC32 (IEEE), bit by bit: the tests package has no crc dependency.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_huge_checked_length_is_refused_before_it_is_used() {
    assert!(LIMITS.0 < u64::from(u32::MAX));
    let frame = huge_frame(u32::MAX);
    assert!(matches!(
        decode_frame(&frame),
        Err(FormatError::TooLong { len, limit, .. }) if len == u64::from(u32::MAX) && limit == LIMITS.0
    ));
    // Inside a segment, followed by more bytes: damage, not a torn tail.
    let mut segment = original().0.clone();
    let end = segment.len() as u64;
    segment.extend_from_slice(&frame);
    let summary = scan_segment(&segment).unwrap();
    assert_eq!(summary.valid_len, end);
    assert!(summary.torn.is_none());
    assert!(matches!(summary.damaged, Some((at, FormatError::TooLong { .. })) if at == end));
    // Store::open refuses it with the file and offset, and repair drops it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0000000001.seg"), &segment).unwrap();
    assert!(matches!(
        Store::open(StoreConfig::new(dir.path())),
        Err(OpenError::Corrupt { offset, .. }) if offset == end
    ));
    let store = Store::open(StoreConfig::new(dir.path()).repair_on_open(true)).unwrap();
    assert_eq!(store.len(), original().1.len() as u64);
}

#[test]
fn a_length_within_the_limit_but_past_the_end_is_a_torn_tail() {
    // Under the limit, so it is compared with the bytes present: an
    // interrupted write of a large frame.
    let frame = huge_frame(1_000_000);
    assert!(matches!(
        decode_frame(&frame),
        Err(FormatError::Truncated { .. })
    ));
    let mut segment = original().0.clone();
    let end = segment.len() as u64;
    segment.extend_from_slice(&frame);
    let summary = scan_segment(&segment).unwrap();
    assert!(matches!(summary.torn, Some((at, _)) if at == end));
    open_damaged(&segment, false);
}

#[test]
fn every_cut_of_a_valid_segment_recovers_a_prefix() {
    let (bytes, _) = original();
    for cut in (32..bytes.len()).step_by(11) {
        let summary = scan_segment(&bytes[..cut]).unwrap();
        assert!(summary.damaged.is_none(), "cut at {cut}: {summary:?}");
    }
    for cut in (0..bytes.len()).step_by(97) {
        open_damaged(&bytes[..cut], false);
    }
}
