//! Event ids for the writer: UUID v7 (48-bit Unix milliseconds, then 74
//! bits that are random at the start of each millisecond and counted up
//! within it), strictly increasing across the process.
//!
//! `Uuid::now_v7` asks the OS for random bits on every call, one syscall
//! per event, which profiling showed to be about a third of the writer's
//! time for large batches (docs/PERFORMANCE.md). Here the random bits come
//! from a blake3 output stream seeded once from the OS, and only when the
//! millisecond changes. Ids are made under the writer's lock, so increasing
//! ids also keep the index's runs of monotonic ids long.

use std::sync::{Mutex, PoisonError};

use crate::id::EventId;

/// The largest 74-bit counter.
const COUNTER_MAX: u128 = (1 << 74) - 1;
/// A millisecond starts at a random counter with its top bit clear, so at
/// least 2^73 ids fit in it before the counter runs out.
const START_MASK: u128 = (1 << 73) - 1;

struct IdSource {
    last_ms: u64,
    counter: u128,
    stream: blake3::OutputReader,
}

static SOURCE: Mutex<Option<IdSource>> = Mutex::new(None);

/// A new event id, greater than every id this function returned before.
pub(crate) fn next_event_id() -> EventId {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut source = SOURCE.lock().unwrap_or_else(PoisonError::into_inner);
    source.get_or_insert_with(IdSource::seeded).next(now_ms)
}

impl IdSource {
    fn seeded() -> IdSource {
        // uuid's v7 ids carry 74 bits from the OS's random source each.
        let mut seed = blake3::Hasher::new_derive_key("batpak event id stream v1");
        for _ in 0..4 {
            seed.update(uuid::Uuid::now_v7().as_bytes());
        }
        seed.update(&std::process::id().to_le_bytes());
        IdSource {
            last_ms: 0,
            counter: 0,
            stream: seed.finalize_xof(),
        }
    }

    fn random_start(&mut self) -> u128 {
        let mut bytes = [0u8; 16];
        self.stream.fill(&mut bytes[..10]);
        u128::from_le_bytes(bytes) & START_MASK
    }

    fn next(&mut self, now_ms: u64) -> EventId {
        if now_ms > self.last_ms {
            self.last_ms = now_ms;
            self.counter = self.random_start();
        } else if self.counter < COUNTER_MAX {
            // The same millisecond, or the clock went back: count on.
            self.counter += 1;
        } else {
            self.last_ms += 1;
            self.counter = self.random_start();
        }
        EventId::from_bytes(encode_v7(self.last_ms, self.counter))
    }
}

/// The UUID v7 bytes for `ms` and a 74-bit `counter` (12 bits in `rand_a`,
/// 62 in `rand_b`), with the version and variant bits set; byte order
/// follows (ms, counter) order.
fn encode_v7(ms: u64, counter: u128) -> [u8; 16] {
    let rand_a = (counter >> 62) as u16 & 0x0fff;
    let rand_b = counter as u64 & ((1 << 62) - 1);
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6..8].copy_from_slice(&(0x7000 | rand_a).to_be_bytes());
    b[8..].copy_from_slice(&((0b10 << 62) | rand_b).to_be_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_v7_and_strictly_increasing() {
        let ids: Vec<EventId> = (0..10_000).map(|_| next_event_id()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0].to_bytes() < pair[1].to_bytes());
        }
        let uuid = ids[0].as_uuid();
        assert_eq!(uuid.get_version_num(), 7);
        assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
        let millis = ids[0].unix_millis().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(millis <= now && now - millis < 60_000);
    }

    #[test]
    fn a_full_counter_moves_to_the_next_millisecond_and_a_clock_going_back_is_ignored() {
        let mut source = IdSource::seeded();
        let a = source.next(1_000);
        source.counter = COUNTER_MAX;
        let b = source.next(1_000);
        assert_eq!(b.unix_millis(), Some(1_001));
        let c = source.next(900);
        assert!(a.to_bytes() < b.to_bytes() && b.to_bytes() < c.to_bytes());
        assert_eq!(c.unix_millis(), Some(1_001));
    }

    #[test]
    fn the_counter_fills_rand_a_and_rand_b_in_order() {
        let low = encode_v7(5, (1 << 62) - 1);
        let high = encode_v7(5, 1 << 62);
        assert!(low < high);
        assert_eq!(&high[..6], &[0, 0, 0, 0, 0, 5]);
        assert_eq!(high[6] >> 4, 7);
        assert_eq!(high[8] >> 6, 0b10);
    }
}
