//! `verify_chain` against deliberate edits made by someone who also fixed
//! the CRCs: an edited payload, an edited header field, a renamed entity, a
//! dropped event and a reordered event. The frame walker below follows docs/FORMAT.md.

use std::path::Path;

use batpak::store::{LinkProblem, Store, StoreConfig};
use batpak_tests::{coord, open, segment_files, Note};

const SEGMENT_HEADER: usize = 32;
const FRAME_HEADER: usize = 13;
const EVENT_FIXED: usize = 85;

/// One single-event frame: where it starts, where it ends, and where its
/// event record starts.
#[derive(Debug, Clone, Copy)]
struct Frame {
    start: usize,
    end: usize,
    event: usize,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn frames(bytes: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut at = SEGMENT_HEADER;
    while at < bytes.len() {
        let body_len = u32_at(bytes, at) as usize;
        let body = at + FRAME_HEADER;
        let interns = u32_at(bytes, body);
        assert_eq!(
            u32_at(bytes, body + 4),
            1,
            "these tests write one event per frame"
        );
        let mut p = body + 8;
        for _ in 0..interns {
            p += 4;
            for _ in 0..2 {
                let len = u16::from_le_bytes([bytes[p], bytes[p + 1]]) as usize;
                p += 2 + len;
            }
        }
        out.push(Frame {
            start: at,
            end: body + body_len,
            event: p,
        });
        at = body + body_len;
    }
    out
}

/// Recomputes the length check and CRC of every frame (a careful forger).
fn fix_crcs(bytes: &mut [u8]) {
    for f in frames(bytes) {
        let len = (f.end - f.start - FRAME_HEADER) as u32;
        let check = crc32(&len.to_le_bytes());
        bytes[f.start + 4..f.start + 8].copy_from_slice(&check.to_le_bytes());
        let crc = crc32(&bytes[f.start + 12..f.end]);
        bytes[f.start + 8..f.start + 12].copy_from_slice(&crc.to_le_bytes());
    }
}

/// CRC32 (IEEE), bit by bit, so the test does not share code with the store.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn set_global_sequence(bytes: &mut [u8], f: Frame, seq: u64) {
    bytes[f.event + 16..f.event + 24].copy_from_slice(&seq.to_le_bytes());
}

/// Six events alternating between two entities: a0 b0 a1 b1 a2 b2.
fn six_events() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        for i in 0..6u64 {
            let c = coord(if i % 2 == 0 { "a" } else { "b" });
            store.append_typed(&c, &Note::new(i)).unwrap();
        }
    }
    let seg = segment_files(dir.path()).pop().unwrap();
    (dir, seg)
}

fn verify(dir: &Path) -> batpak::store::ChainReport {
    let store = Store::open(StoreConfig::new(dir)).unwrap();
    store.verify_chain().unwrap()
}

#[test]
fn an_intact_store_verifies() {
    let (dir, _) = six_events();
    let report = verify(dir.path());
    assert!(report.is_intact());
    assert_eq!((report.events_checked, report.entities_checked), (6, 2));
}

#[test]
fn an_edited_payload_is_named() {
    let (dir, seg) = six_events();
    let mut bytes = std::fs::read(&seg).unwrap();
    let f = frames(&bytes)[2]; // a1
    bytes[f.end - 3] ^= 0x01; // inside the payload
    fix_crcs(&mut bytes);
    std::fs::write(&seg, &bytes).unwrap();
    let link = verify(dir.path()).first_broken.expect("broken");
    assert_eq!(link.coordinate, coord("a"));
    assert_eq!((link.entity_sequence, link.global_sequence), (1, 2));
    assert!(matches!(link.problem, LinkProblem::HashMismatch { .. }));
    assert!(link.to_string().contains("entity sequence 1"), "{link}");
}

#[test]
fn a_renamed_entity_breaks_its_chain_at_its_first_event() {
    let (dir, seg) = six_events();
    let mut bytes = std::fs::read(&seg).unwrap();
    // Frame 0 interns the segment's first coordinate: its entity name "a"
    // sits after the frame header, two counts, the coordinate number and
    // the name's length.
    let f = frames(&bytes)[0];
    let name = f.start + FRAME_HEADER + 8 + 4 + 2;
    assert_eq!(bytes[name], b'a');
    bytes[name] = b'c';
    fix_crcs(&mut bytes);
    std::fs::write(&seg, &bytes).unwrap();
    let link = verify(dir.path()).first_broken.expect("broken");
    assert_eq!(link.coordinate.entity(), "c");
    assert_eq!((link.entity_sequence, link.global_sequence), (0, 0));
    assert!(matches!(link.problem, LinkProblem::HashMismatch { .. }));
}

#[test]
fn an_edited_header_field_is_named() {
    let (dir, seg) = six_events();
    let mut bytes = std::fs::read(&seg).unwrap();
    let f = frames(&bytes)[3]; // b1
    bytes[f.event + 32] ^= 0x01; // timestamp_micros
    fix_crcs(&mut bytes);
    std::fs::write(&seg, &bytes).unwrap();
    let link = verify(dir.path()).first_broken.expect("broken");
    assert_eq!((link.coordinate.entity(), link.entity_sequence), ("b", 1));
    let LinkProblem::HashMismatch { expected, found } = link.problem else {
        panic!("expected a hash mismatch: {link}");
    };
    assert_ne!(expected, found);
}

#[test]
fn a_dropped_event_is_named() {
    let (dir, seg) = six_events();
    let bytes = std::fs::read(&seg).unwrap();
    let fs = frames(&bytes);
    // Drop a1 (global 2) and renumber what follows so the log still opens.
    let mut out = bytes[..fs[2].start].to_vec();
    out.extend_from_slice(&bytes[fs[2].end..]);
    let shift = fs[2].end - fs[2].start;
    for (k, f) in fs.iter().enumerate().skip(3) {
        let moved = Frame {
            start: f.start - shift,
            end: f.end - shift,
            event: f.event - shift,
        };
        set_global_sequence(&mut out, moved, k as u64 - 1);
    }
    fix_crcs(&mut out);
    std::fs::write(&seg, &out).unwrap();
    let report = verify(dir.path());
    // The global sequence is hashed, so the first renumbered event (b1, now
    // at global 2) already breaks; a2 (now a's second event) breaks too.
    let link = report.first_broken.expect("broken");
    assert_eq!(
        (
            link.coordinate.entity(),
            link.entity_sequence,
            link.global_sequence
        ),
        ("b", 1, 2)
    );
    assert!(matches!(link.problem, LinkProblem::HashMismatch { .. }));
}

#[test]
fn a_reordered_event_is_named() {
    let (dir, seg) = six_events();
    let bytes = std::fs::read(&seg).unwrap();
    let fs = frames(&bytes);
    // Swap a1 and a2 (frames 2 and 4) together with their entity sequences,
    // keeping global sequences in order: only the chain can tell.
    let frame = |k: usize| bytes[fs[k].start..fs[k].end].to_vec();
    let mut out = bytes[..fs[2].start].to_vec();
    let mut a2 = frame(4);
    let mut a1 = frame(2);
    let (e2, e1) = (fs[4].event - fs[4].start, fs[2].event - fs[2].start);
    // a2 takes a1's place: entity sequence 1, global 2; and the reverse.
    a2[e2 + 24..e2 + 32].copy_from_slice(&1u64.to_le_bytes());
    a2[e2 + 16..e2 + 24].copy_from_slice(&2u64.to_le_bytes());
    a1[e1 + 24..e1 + 32].copy_from_slice(&2u64.to_le_bytes());
    a1[e1 + 16..e1 + 24].copy_from_slice(&4u64.to_le_bytes());
    out.extend_from_slice(&a2);
    out.extend_from_slice(&frame(3));
    out.extend_from_slice(&a1);
    out.extend_from_slice(&frame(5));
    fix_crcs(&mut out);
    std::fs::write(&seg, &out).unwrap();
    let link = verify(dir.path()).first_broken.expect("broken");
    assert_eq!(
        (
            link.coordinate.entity(),
            link.entity_sequence,
            link.global_sequence
        ),
        ("a", 1, 2)
    );
    assert!(matches!(link.problem, LinkProblem::HashMismatch { .. }));
}

#[test]
fn an_edit_without_fixing_the_crc_never_opens_silently() {
    let (dir, seg) = six_events();
    let mut bytes = std::fs::read(&seg).unwrap();
    let f = frames(&bytes)[1];
    bytes[f.event + EVENT_FIXED - 1] ^= 0x01; // last byte of the stored hash
    std::fs::write(&seg, &bytes).unwrap();
    assert!(Store::open(StoreConfig::new(dir.path())).is_err());
}
