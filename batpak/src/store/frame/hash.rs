//! The chain hash (FORMAT.md "The hash chain"): keyed blake3 over an
//! event's fields, gathered on the stack so the usual event is hashed with
//! one call.

use crate::event::EventHash;

use super::{event_flags, EventFields};

/// The key of the keyed blake3 that computes chain hashes:
/// `blake3("batpak/event/v2")`, the hash of the chain's domain tag (a unit
/// test checks it). The key separates chain hashes from any other use of
/// blake3 at no per-event cost.
pub(crate) const CHAIN_KEY: [u8; 32] = [
    0x13, 0x6c, 0xc7, 0xe3, 0x0f, 0xad, 0x21, 0xe4, //
    0x3d, 0x0e, 0x66, 0xd7, 0xc0, 0x7f, 0x93, 0x47, //
    0x45, 0x97, 0x82, 0x35, 0x80, 0x59, 0x99, 0x9a, //
    0xbb, 0x2d, 0x90, 0x37, 0x53, 0x45, 0xdf, 0x1b, //
];

/// Bytes of chain-hash input gathered on the stack before hashing: the
/// fixed fields (81 bytes with the payload length, 129 with every optional
/// id), a first event's coordinate names and a small payload fit, so the
/// usual event is hashed with one call.
const HASH_INPUT_INLINE: usize = 512;

/// The chain-hash input, gathered in a stack buffer and handed to blake3 in
/// one call (twenty small `update` calls on an incremental hasher cost more
/// than the compression itself). Input that does not fit spills into an
/// incremental hasher; the hashed bytes are the same either way. It borrows
/// its buffer and boxes the rarely used hasher so that it is small to move.
struct HashInput<'a> {
    buf: &'a mut [u8; HASH_INPUT_INLINE],
    len: usize,
    spilled: Option<Box<blake3::Hasher>>,
}

impl HashInput<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(room) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            room.copy_from_slice(bytes);
            self.len += bytes.len();
            return;
        }
        let hasher = self
            .spilled
            .get_or_insert_with(|| Box::new(blake3::Hasher::new_keyed(&CHAIN_KEY)));
        hasher.update(&self.buf[..self.len]);
        hasher.update(bytes);
        self.len = 0;
    }

    fn finish(self) -> EventHash {
        let hash = match self.spilled {
            None => blake3::keyed_hash(&CHAIN_KEY, &self.buf[..self.len]),
            Some(mut hasher) => {
                hasher.update(&self.buf[..self.len]);
                hasher.finalize()
            }
        };
        EventHash(*hash.as_bytes())
    }
}

/// The chain hash of one event (FORMAT.md "The hash chain").
///
/// The coordinate names are hashed with an entity's first event only
/// (`entity_sequence` 0): every later event commits to them through its
/// `prev_hash`, and leaving them out keeps a typical event's input within
/// three 64-byte blake3 blocks whatever the length of its names.
pub(crate) fn chain_hash(
    prev: &EventHash,
    f: &EventFields,
    entity: &str,
    scope: &str,
    payload: &[u8],
) -> EventHash {
    let mut buf = [0u8; HASH_INPUT_INLINE];
    let mut h = HashInput {
        buf: &mut buf,
        len: 0,
        spilled: None,
    };
    h.put(prev.as_bytes());
    h.put(&f.event_id.to_bytes());
    h.put(&f.global_sequence.to_le_bytes());
    h.put(&f.entity_sequence.to_le_bytes());
    h.put(&f.timestamp_micros.to_le_bytes());
    h.put(&f.kind.to_raw().to_le_bytes());
    h.put(&f.payload_version.to_le_bytes());
    h.put(&[event_flags(f)]);
    for id in f.optional_ids().into_iter().flatten() {
        h.put(&id);
    }
    if f.entity_sequence == 0 {
        for s in [entity, scope] {
            // Names are at most 256 bytes (coordinate::MAX_NAME_LEN).
            h.put(&(s.len() as u16).to_le_bytes());
            h.put(s.as_bytes());
        }
    }
    h.put(&(payload.len() as u32).to_le_bytes());
    h.put(payload);
    h.finish()
}
