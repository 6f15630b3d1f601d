//! Event ids and timestamps issued by the writer.
//!
//! `Uuid::now_v7` asks the OS for fresh random bytes on every call (one
//! `getrandom` system call per id, about a microsecond here). The writer
//! issues ids one at a time under its lock, so it keeps its own UUID v7
//! state instead (RFC 9562, "monotonic random", method 2): the 48-bit
//! millisecond timestamp, then a 74-bit counter that starts at a random value
//! each new millisecond and counts up within it. Ids are therefore strictly
//! increasing for the life of the writer even if the wall clock steps back,
//! which keeps the index's id lookup a binary search.

use crate::id::EventId;

/// Bits of the counter (12 bits of `rand_a` + 62 bits of `rand_b`).
const COUNTER_BITS: u32 = 74;
const COUNTER_MAX: u128 = (1 << COUNTER_BITS) - 1;

/// Issues strictly increasing UUID v7 event ids.
#[derive(Debug)]
pub(crate) struct IdClock {
    last_ms: u64,
    counter: u128,
    rng: u64,
}

impl IdClock {
    pub(crate) fn new() -> IdClock {
        // One OS random draw (inside now_v7) seeds a small generator.
        let seed = uuid::Uuid::now_v7().as_u64_pair();
        IdClock {
            last_ms: 0,
            counter: 0,
            rng: seed.0 ^ seed.1.rotate_left(17),
        }
    }

    /// splitmix64.
    fn random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A fresh counter: random, with the top bit clear so a millisecond
    /// has room for at least 2^73 ids.
    fn fresh_counter(&mut self) -> u128 {
        let high = u128::from(self.random()) << 64;
        let low = u128::from(self.random());
        (high | low) & (COUNTER_MAX >> 1)
    }

    /// The next event id and the current time in microseconds.
    #[cfg(test)]
    pub(crate) fn next(&mut self) -> (EventId, u64) {
        self.next_at(crate::event::now_micros())
    }

    /// The next event id, for an event stamped `micros` (the writer reads
    /// the clock once per request: a batch's events share its commit time).
    pub(crate) fn next_at(&mut self, micros: u64) -> (EventId, u64) {
        let ms = micros / 1000;
        if ms > self.last_ms {
            self.last_ms = ms;
            self.counter = self.fresh_counter();
        } else if self.counter >= COUNTER_MAX {
            self.last_ms += 1;
            self.counter = self.fresh_counter();
        } else {
            self.counter += 1;
        }
        (
            EventId::from_bytes(encode_v7(self.last_ms, self.counter)),
            micros,
        )
    }
}

/// The 16 bytes of a UUID v7 with this timestamp and 74-bit counter.
fn encode_v7(ms: u64, counter: u128) -> [u8; 16] {
    let rand_a = (counter >> 62) as u16 & 0x0FFF;
    let rand_b = (counter as u64) & ((1 << 62) - 1);
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
        let mut clock = IdClock::new();
        let mut prev = clock.next().0;
        for _ in 0..10_000 {
            let (id, micros) = clock.next();
            assert!(id > prev);
            assert_eq!(id.as_uuid().get_version_num(), 7);
            assert_eq!(id.as_uuid().get_variant(), uuid::Variant::RFC4122);
            let ms = id.unix_millis().unwrap();
            assert!(ms <= micros / 1000 + 1);
            prev = id;
        }
    }

    #[test]
    fn a_clock_stepping_back_keeps_ids_increasing() {
        let mut clock = IdClock::new();
        let (first, _) = clock.next();
        clock.last_ms += 60_000; // as if the wall clock went back a minute
        let (second, _) = clock.next();
        assert!(second > first);
        clock.counter = COUNTER_MAX;
        let (third, _) = clock.next();
        assert!(
            third > second,
            "counter overflow moves to the next millisecond"
        );
    }
}
