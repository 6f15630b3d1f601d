//! The heap used while hostile bytes are decoded, measured: lengths in a
//! segment claim up to 4 GiB, the CRCs are fixed so that the decoders
//! believe them as far as a careful forger can make them, and the peak heap
//! of the frame decoders and of `Store::open` stays a small multiple of the
//! bytes actually present (far below the frame limit and the lengths
//! claimed).
//!
//! One `#[test]` in its own binary: the heap profiler counts every
//! allocation of the process, so nothing else may run beside it.

use std::path::Path;

use batpak::__fuzz::{decode_event, decode_frame, scan_segment, LIMITS};
use batpak::store::{Store, StoreConfig};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const SEGMENT_HEADER: usize = 32;
/// body_len, len_check, crc, tag.
const FRAME_HEADER: usize = 13;

/// A segment header (number 1, from global sequence 0) as a store writes it.
fn segment_header() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    Store::open(StoreConfig::new(dir.path()))
        .unwrap()
        .close()
        .unwrap();
    let bytes = std::fs::read(dir.path().join("0000000001.seg")).unwrap();
    bytes[..SEGMENT_HEADER].to_vec()
}

/// A commit frame around `body`, with a correct length check and CRC.
fn frame(body: &[u8]) -> Vec<u8> {
    let len = body.len() as u32;
    let mut out = len.to_le_bytes().to_vec();
    out.extend_from_slice(&crc32fast::hash(&len.to_le_bytes()).to_le_bytes());
    let mut covered = vec![1u8]; // tag: commit
    covered.extend_from_slice(body);
    out.extend_from_slice(&crc32fast::hash(&covered).to_le_bytes());
    out.extend_from_slice(&covered);
    out
}

/// Offsets into [`commit_body`] of the fields the hostile variants rewrite.
const INTERN_COUNT: usize = 0;
const EVENT_COUNT: usize = 4;
const ENTITY_LEN: usize = 8 + 4;
/// intern prefix, one definition ("a" in "s"), then the record's
/// payload_len at offset 49.
const PAYLOAD_LEN: usize = 8 + 4 + 2 + 1 + 2 + 1 + 49;

/// A well-formed commit body: one coordinate definition and one event with
/// a 3-byte payload (its hash is not checked by a scan).
fn commit_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&1u32.to_le_bytes()); // intern_count
    b.extend_from_slice(&1u32.to_le_bytes()); // event_count
    b.extend_from_slice(&0u32.to_le_bytes()); // local_id
    b.extend_from_slice(&[1, 0, b'a', 1, 0, b's']);
    let mut id = [0u8; 16];
    id[6] = 0x70; // a version 7 UUID
    id[8] = 0x80;
    b.extend_from_slice(&id); // event_id
    b.extend_from_slice(&0u64.to_le_bytes()); // global_sequence
    b.extend_from_slice(&0u64.to_le_bytes()); // entity_sequence
    b.extend_from_slice(&1u64.to_le_bytes()); // timestamp_micros
    b.extend_from_slice(&0x1001u16.to_le_bytes()); // kind
    b.extend_from_slice(&1u16.to_le_bytes()); // payload_version
    b.extend_from_slice(&0u32.to_le_bytes()); // coordinate_ref
    b.push(0); // flags
    b.extend_from_slice(&3u32.to_le_bytes()); // payload_len
    b.extend_from_slice(&[0xEE; 32]); // hash
    b.extend_from_slice(&[0x93, 1, 2]); // payload
    b
}

fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Segments whose lengths lie, each sealed with correct CRCs, and what
/// each lie claims.
fn hostile_segments() -> Vec<(&'static str, Vec<u8>)> {
    let header = segment_header();
    let segment = |body: &[u8]| {
        let mut s = header.clone();
        s.extend_from_slice(&frame(body));
        s
    };
    let good = commit_body();
    assert_eq!(&good[PAYLOAD_LEN..PAYLOAD_LEN + 4], &3u32.to_le_bytes());
    let mut out = vec![("an intact segment", segment(&good))];
    let mut b = good.clone();
    set_u32(&mut b, INTERN_COUNT, u32::MAX);
    out.push(("4 billion coordinate definitions", segment(&b)));
    let mut b = good.clone();
    set_u32(&mut b, EVENT_COUNT, u32::MAX);
    out.push(("4 billion events", segment(&b)));
    let mut b = good.clone();
    b[ENTITY_LEN..ENTITY_LEN + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    out.push(("a 64 KiB entity name", segment(&b)));
    let mut b = good.clone();
    set_u32(&mut b, PAYLOAD_LEN, u32::MAX);
    out.push(("a 4 GiB payload", segment(&b)));
    let mut b = good;
    set_u32(&mut b, PAYLOAD_LEN, (LIMITS.1 - 1) as u32);
    out.push(("a payload just under the payload limit", segment(&b)));
    // A frame whose body_len passes its own check and claims 4 GiB, after
    // an intact frame.
    let mut s = segment(&commit_body());
    let huge = u32::MAX;
    s.extend_from_slice(&huge.to_le_bytes());
    s.extend_from_slice(&crc32fast::hash(&huge.to_le_bytes()).to_le_bytes());
    s.extend_from_slice(&[0; 4]);
    s.push(1);
    s.extend_from_slice(&[0x55; 256]);
    out.push(("a 4 GiB frame", s));
    out
}

/// Runs `f` under a fresh heap profiler; returns the peak bytes it held.
fn peak_heap(f: impl FnOnce()) -> u64 {
    let profiler = dhat::Profiler::builder().testing().build();
    f();
    let peak = dhat::HeapStats::get().max_bytes as u64;
    drop(profiler);
    peak
}

fn open_in(dir: &Path, bytes: &[u8], repair: bool) {
    std::fs::write(dir.join("0000000001.seg"), bytes).unwrap();
    // The outcome (refusal or recovery) is checked by hostile_bytes.rs;
    // here only the memory it takes.
    let _ = Store::open(
        StoreConfig::new(dir)
            .repair_on_open(repair)
            .read_cache_bytes(0),
    )
    .map(Store::close);
}

#[test]
fn hostile_lengths_never_cost_the_memory_they_claim() {
    let segments = hostile_segments();
    // What opening the intact one-event segment takes: the store's own
    // fixed cost (threads' bookkeeping, index, buffers).
    let dir = tempfile::tempdir().unwrap();
    let baseline = peak_heap(|| open_in(dir.path(), &segments[0].1, false));
    let mut report = Vec::new();
    for (what, bytes) in &segments {
        let len = bytes.len() as u64;
        let decoders = peak_heap(|| {
            let _ = scan_segment(bytes);
            let _ = decode_frame(&bytes[SEGMENT_HEADER..]);
            let _ = decode_event(&bytes[SEGMENT_HEADER + FRAME_HEADER..]);
        });
        // The decoders work on the borrowed bytes: at most a copy of them
        // (decode_frame re-frames its input as a segment) and a few small
        // records.
        assert!(
            decoders <= 2 * len + 16 * 1024,
            "{what}: the decoders held {decoders} bytes at peak for {len} bytes of input"
        );
        for repair in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let open = peak_heap(|| open_in(dir.path(), bytes, repair));
            // Open reads the file into memory once; beyond that, hostile
            // lengths cost what an intact store costs.
            assert!(
                open <= baseline + 2 * len + 16 * 1024,
                "{what} (repair {repair}): open held {open} bytes at peak, \
                 an intact store {baseline}, input {len} bytes"
            );
            report.push(format!("{what}, repair {repair}: open {open} B"));
        }
        report.push(format!("{what}: {len} B of input, decoders {decoders} B"));
    }
    // Far below every length the bytes claim and below the frame limit.
    assert!(baseline < LIMITS.1, "an empty store costs {baseline} bytes");
    println!("intact store baseline {baseline} B\n{}", report.join("\n"));
}
