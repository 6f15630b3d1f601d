//! A small read cache of segment blocks, so that reading one event by id
//! does not cost two system calls (its record, and its predecessor's hash).
//!
//! Segment bytes below a segment's published length never change (the log
//! is append-only; truncation happens only during open, before any reader
//! exists), so a cached block is never stale. Only whole blocks that lie
//! below the published length are cached. Eviction is CLOCK (second chance).
//! Queries and streams bypass the cache: they read coalesced spans of
//! records (one system call for many events) once, and caching their blocks
//! would only evict the blocks that point reads need.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

/// Bytes per cached block.
pub(crate) const BLOCK_SIZE: u64 = 64 * 1024;

#[derive(Debug)]
struct Slot {
    key: (u32, u64),
    data: Arc<[u8]>,
    referenced: bool,
}

/// Hashes the cache's (segment, block) keys with a multiply per word:
/// keys are small integers chosen by the store, not by users.
#[derive(Debug, Default)]
struct BlockKeyHasher(u64);

impl Hasher for BlockKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<(u32, u64), usize, BuildHasherDefault<BlockKeyHasher>>,
    slots: Vec<Slot>,
    hand: usize,
}

/// The block cache (capacity 0 disables it).
#[derive(Debug)]
pub(crate) struct BlockCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl BlockCache {
    /// A cache of at most `bytes` (rounded down to whole blocks).
    pub(crate) fn new(bytes: u64) -> BlockCache {
        BlockCache {
            capacity: usize::try_from(bytes / BLOCK_SIZE).unwrap_or(usize::MAX),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Whether a read of `start..end` should go through the cache.
    pub(crate) fn wants(&self, start: u64, end: u64) -> bool {
        self.capacity > 0 && end - start <= BLOCK_SIZE
    }

    /// The cached block `block` of segment `segment`, if present.
    pub(crate) fn get(&self, segment: u32, block: u64) -> Option<Arc<[u8]>> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let at = *inner.map.get(&(segment, block))?;
        let slot = &mut inner.slots[at];
        slot.referenced = true;
        Some(Arc::clone(&slot.data))
    }

    /// Copies bytes `range` of a cached block into `out`; returns whether
    /// the block was cached and held the range. Small reads copy under the
    /// lock instead of cloning the block's `Arc`: the reference count sits
    /// at the start of the 64 KiB block, usually on another page than the
    /// bytes wanted, so touching it costs a cache and TLB miss per read.
    pub(crate) fn copy(
        &self,
        segment: u32,
        block: u64,
        range: std::ops::Range<usize>,
        out: &mut [u8],
    ) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(&at) = inner.map.get(&(segment, block)) else {
            return false;
        };
        let slot = &mut inner.slots[at];
        slot.referenced = true;
        match (slot.data.get(range), out.len()) {
            (Some(bytes), len) if bytes.len() == len => {
                out.copy_from_slice(bytes);
                true
            }
            _ => false,
        }
    }

    /// Adds a block (whole, below the segment's published length).
    pub(crate) fn insert(&self, segment: u32, block: u64, data: Arc<[u8]>) {
        let key = (segment, block);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.map.contains_key(&key) {
            return;
        }
        if inner.slots.len() < self.capacity {
            let at = inner.slots.len();
            inner.slots.push(Slot {
                key,
                data,
                referenced: false,
            });
            inner.map.insert(key, at);
            return;
        }
        // CLOCK: skip (and clear) referenced slots; replace the first cold one.
        loop {
            let hand = inner.hand;
            inner.hand = (hand + 1) % inner.slots.len();
            let slot = &mut inner.slots[hand];
            if slot.referenced {
                slot.referenced = false;
                continue;
            }
            let old = std::mem::replace(
                slot,
                Slot {
                    key,
                    data,
                    referenced: false,
                },
            );
            inner.map.remove(&old.key);
            inner.map.insert(key, hand);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(byte: u8) -> Arc<[u8]> {
        Arc::from(vec![byte; 4])
    }

    #[test]
    fn evicts_cold_blocks_first() {
        let cache = BlockCache::new(2 * BLOCK_SIZE);
        cache.insert(0, 0, block(0));
        cache.insert(0, 1, block(1));
        assert!(cache.get(0, 0).is_some()); // block 0 is referenced
        cache.insert(0, 2, block(2)); // evicts block 1 (cold)
        assert!(cache.get(0, 1).is_none());
        assert_eq!(cache.get(0, 0).unwrap()[0], 0);
        assert_eq!(cache.get(0, 2).unwrap()[0], 2);
    }

    #[test]
    fn zero_capacity_disables_it() {
        let cache = BlockCache::new(0);
        assert!(!cache.wants(0, 10));
    }
}
