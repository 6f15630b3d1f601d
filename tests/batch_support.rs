//! Shared by the batch, fault and crash tests: payloads that say which
//! batch they belong to, and the check that a reopened store holds exactly
//! what was acknowledged (plus, at most, whole unacknowledged writes).

use std::collections::BTreeMap;

use batpak::event::decode_msgpack;
use batpak::store::{AppendReceipt, BatchItem, Store};
use batpak::{Coordinate, EventHash, EventId, EventKind, Region};
use serde::{Deserialize, Serialize};

/// The kind of every tagged event.
pub const TAGGED: EventKind = EventKind::custom(2, 1);

/// A payload naming its write: write number, item index, items in the write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub write: u64,
    pub item: u32,
    pub of: u32,
    pub pad: String,
}

/// The items of write number `write`: `n` events spread over `coords`,
/// each with `pad` bytes of padding.
pub fn tagged_items(write: u64, n: u32, coords: &[Coordinate], pad: usize) -> Vec<BatchItem> {
    (0..n)
        .map(|item| {
            let tag = Tag {
                write,
                item,
                of: n,
                pad: "p".repeat(pad),
            };
            let coord = &coords[(write as usize + item as usize) % coords.len()];
            BatchItem::new(coord, TAGGED, &tag).unwrap()
        })
        .collect()
}

/// What a caller was told about one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acked {
    pub event_id: EventId,
    pub global_sequence: u64,
    pub entity_sequence: u64,
    pub hash: EventHash,
}

impl From<&AppendReceipt> for Acked {
    fn from(r: &AppendReceipt) -> Acked {
        Acked {
            event_id: r.event_id,
            global_sequence: r.global_sequence,
            entity_sequence: r.entity_sequence,
            hash: r.hash,
        }
    }
}

/// Checks a (reopened) store against what was acknowledged: every
/// acknowledged event is there with the same id, sequences and hash; every
/// tagged write is there whole or not at all; global sequences have no
/// gaps; the chain verifies. Returns the number of events in the store.
pub fn check_store(store: &Store, acked: &[Acked]) -> u64 {
    for a in acked {
        let stored = store
            .get(a.event_id)
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged event {} is missing", a.event_id));
        assert_eq!(stored.header().global_sequence, a.global_sequence);
        assert_eq!(stored.header().entity_sequence, a.entity_sequence);
        assert_eq!(stored.hash, a.hash);
    }
    let mut writes: BTreeMap<u64, (u32, Vec<u32>)> = BTreeMap::new();
    let mut n = 0u64;
    for event in store.query(&Region::all()) {
        let event = event.unwrap();
        assert_eq!(event.header().global_sequence, n, "gap in global sequences");
        n += 1;
        if event.header().kind == TAGGED {
            let tag: Tag = decode_msgpack("Tag", TAGGED, event.payload()).unwrap();
            let entry = writes.entry(tag.write).or_insert((tag.of, Vec::new()));
            assert_eq!(entry.0, tag.of);
            entry.1.push(tag.item);
        }
    }
    for (write, (of, items)) in writes {
        let expected: Vec<u32> = (0..of).collect();
        assert_eq!(items, expected, "write {write} is only partly visible");
    }
    assert_eq!(store.len(), n);
    let report = store.verify_chain().unwrap();
    assert!(report.is_intact(), "chain broken: {report:?}");
    n
}
