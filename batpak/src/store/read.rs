//! Reads by id and along causation, and the file-reading primitives that
//! queries (`query.rs`) share. Readers take the index's read lock only to
//! copy locations, then read the segment files positionally, so they never
//! wait for a write or a sync.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use crate::coordinate::Coordinate;
use crate::event::{Event, EventHash, EventPayload, StoredEvent};
use crate::id::EventId;

use super::cache::BLOCK_SIZE;
use super::error::ReadError;
use super::frame::{self, EVENT_HASH_OFFSET};
use super::index::{Index, Place};
use super::io::read_exact_at;
use super::segment::SegmentFile;
use super::Store;

/// Largest single coalesced read.
pub(super) const MAX_READ: u64 = 256 * 1024;
/// Point reads up to this size are copied out of the block cache.
const SMALL_READ: usize = 512;

/// Heap bytes held by the in-memory index (see [`Store::index_memory`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexMemory {
    /// Events indexed.
    pub events: u64,
    /// Heap bytes that grow with the number of events (entries, per-entity
    /// and per-kind lists, counted by capacity).
    pub event_bytes: usize,
    /// Heap bytes that grow with the number of entities (coordinates,
    /// entity table).
    pub entity_bytes: usize,
}

impl Store {
    pub(crate) fn index(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.shared
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn segment_file(&self, segment: u32, offset: u64) -> Result<Arc<SegmentFile>, ReadError> {
        let file = self
            .shared
            .segments
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(segment as usize)
            .cloned();
        file.ok_or_else(|| ReadError::Corrupt {
            file: self.shared.config.dir.clone(),
            offset,
            reason: frame::FormatError::Invalid(format!("no segment at position {segment}")),
        })
    }

    /// The block `block` of a segment from the cache, loading it if it is
    /// cacheable (entirely published, or the end of a sealed segment).
    fn cached_block(
        &self,
        file: &SegmentFile,
        segment: u32,
        block: u64,
    ) -> Result<Option<Arc<[u8]>>, ReadError> {
        let cache = &self.shared.cache;
        if let Some(data) = cache.get(segment, block) {
            return Ok(Some(data));
        }
        let published = file.published_len.load(Ordering::Acquire);
        let block_start = block * BLOCK_SIZE;
        let block_end = block_start + BLOCK_SIZE;
        let cacheable_end = if file.sealed.load(Ordering::Acquire) {
            block_end.min(published)
        } else {
            block_end
        };
        if cacheable_end > published || cacheable_end <= block_start {
            return Ok(None);
        }
        let mut fresh = vec![0u8; (cacheable_end - block_start) as usize];
        read_exact_at(&file.file, &mut fresh, block_start).map_err(|source| ReadError::Io {
            path: file.path.clone(),
            source,
        })?;
        let fresh: Arc<[u8]> = Arc::from(fresh);
        cache.insert(segment, block, Arc::clone(&fresh));
        Ok(Some(fresh))
    }

    /// Calls `f` with bytes `start..end` of a segment: straight from a
    /// cached block when the range lies in one (no copy), else from a read.
    fn with_bytes<T>(
        &self,
        segment: u32,
        start: u64,
        end: u64,
        f: impl FnOnce(&[u8]) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        let block = start / BLOCK_SIZE;
        if self.shared.cache.wants(start, end) && (end - 1) / BLOCK_SIZE == block {
            let from = (start - block * BLOCK_SIZE) as usize;
            let to = (end - block * BLOCK_SIZE) as usize;
            // Small reads (a hash, a typical record) are copied out of a
            // cached block onto the stack: no segment file, no Arc clone.
            let mut small = [0u8; SMALL_READ];
            if let Some(out) = small.get_mut(..to - from) {
                if self.shared.cache.copy(segment, block, from..to, out) {
                    return f(out);
                }
            }
            let file = self.segment_file(segment, start)?;
            if let Some(data) = self.cached_block(&file, segment, block)? {
                if let Some(bytes) = data.get(from..to) {
                    return f(bytes);
                }
            }
        }
        f(&self.read_span(segment, start, end)?)
    }

    /// Reads bytes `start..end` of the segment at `segment` (position).
    fn read_span(&self, segment: u32, start: u64, end: u64) -> Result<Vec<u8>, ReadError> {
        let mut buf = vec![0u8; (end - start) as usize];
        self.read_span_at(segment, start, &mut buf)?;
        Ok(buf)
    }

    /// Fills `out` with the bytes of the segment at `segment` (position)
    /// from `start` on, with one positional read. Queries use it for their
    /// coalesced spans, bypassing the block cache: a span is read once per
    /// query, and caching its blocks would only evict the blocks point reads
    /// need (a 1M-event store's stream touched more blocks than the cache
    /// holds, so every span missed, and paid a 64 KiB block read and copy).
    pub(super) fn read_span_at(
        &self,
        segment: u32,
        start: u64,
        out: &mut [u8],
    ) -> Result<(), ReadError> {
        let file = self.segment_file(segment, start)?;
        read_exact_at(&file.file, out, start).map_err(|source| ReadError::Io {
            path: file.path.clone(),
            source,
        })
    }

    /// A map of the segment at `segment` (position) for mapped reads,
    /// reaching `end` if it can (see [`SegmentMap::reaching`]).
    ///
    /// [`SegmentMap::reaching`]: super::map::SegmentMap::reaching
    pub(super) fn segment_map(&self, segment: u32, end: u64) -> Option<Arc<memmap2::Mmap>> {
        let file = self.segment_file(segment, end).ok()?;
        file.map.reaching(&file, end)
    }

    /// The hash of the event record at `offset` in segment `segment`.
    pub(super) fn read_hash_at(&self, segment: u32, offset: u32) -> Result<EventHash, ReadError> {
        let at = u64::from(offset) + EVENT_HASH_OFFSET as u64;
        self.with_bytes(segment, at, at + 32, |bytes| {
            let mut hash = [0u8; 32];
            hash.copy_from_slice(bytes);
            Ok(EventHash(hash))
        })
    }

    /// The error for a record at `place` that does not decode.
    pub(super) fn corrupt(&self, place: &Place, reason: frame::FormatError) -> ReadError {
        let file = self
            .shared
            .segments
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(place.segment as usize)
            .map_or_else(|| self.shared.config.dir.clone(), |s| s.path.clone());
        ReadError::Corrupt {
            file,
            offset: u64::from(place.offset),
            reason,
        }
    }

    /// Decodes the record of the event `event_id` read from `place`,
    /// refusing a record that is not that event.
    pub(super) fn decode_record(
        &self,
        place: &Place,
        event_id: [u8; 16],
        record: &[u8],
        coordinate: Coordinate,
        prev_hash: EventHash,
    ) -> Result<StoredEvent<Vec<u8>>, ReadError> {
        let view = frame::read_event(record, self.shared.config.max_payload_bytes as u64)
            .map_err(|reason| self.corrupt(place, reason))?;
        if view.fields.event_id.to_bytes() != event_id {
            return Err(self.corrupt(
                place,
                frame::FormatError::Invalid("event id differs from the index".into()),
            ));
        }
        let f = view.fields;
        Ok(StoredEvent {
            coordinate,
            event: Event {
                header: f.header(),
                payload: view.payload.to_vec(),
            },
            prev_hash,
            hash: f.hash,
        })
    }

    /// Reads one event by id: header, coordinate, hashes and the raw
    /// MessagePack payload bytes. `Ok(None)` if there is no such event.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("a-1", "s")?;
    /// let receipt = store.append(&coord, EventKind::custom(1, 1), &"hi")?;
    /// let event = store.get(receipt.event_id)?.unwrap();
    /// assert_eq!(event.hash, receipt.hash);
    /// assert!(store.get(EventId::now())?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReadError`] if the file cannot be read or no longer decodes.
    pub fn get(&self, id: EventId) -> Result<Option<StoredEvent<Vec<u8>>>, ReadError> {
        let found = {
            let index = self.index();
            index.find(id).and_then(|seq| {
                let entry = index.entry(seq)?;
                let coordinate = index.entity(entry.entity)?.coordinate.clone();
                Some((entry, coordinate))
            })
        };
        let Some((entry, coordinate)) = found else {
            return Ok(None);
        };
        let start = u64::from(entry.offset);
        let end = start + u64::from(entry.len);
        let mut event = self.with_bytes(entry.segment, start, end, |record| {
            self.decode_record(
                &entry.place(),
                entry.event_id,
                record,
                coordinate,
                EventHash::GENESIS,
            )
        })?;
        // The predecessor is found by position (the record's entity
        // sequence), not by searching the entity's list.
        let position = event.header().entity_sequence;
        if position > 0 {
            let prev = {
                let index = self.index();
                index
                    .entity(entry.entity)
                    .and_then(|e| e.events.get(usize::try_from(position - 1).ok()?).copied())
                    .and_then(|p| index.location(p))
            };
            let Some(prev) = prev else {
                return Err(self.corrupt(
                    &entry.place(),
                    frame::FormatError::Invalid(format!(
                        "entity sequence {position} has no predecessor in the index"
                    )),
                ));
            };
            let (segment, offset) = prev;
            event.prev_hash = self.read_hash_at(segment, offset)?;
        }
        Ok(Some(event))
    }

    /// Reads one event by id and decodes its payload as `T`, upgraded from
    /// an older payload version with the configured upcasters (see
    /// [`Store::query_typed`]).
    ///
    /// # Examples
    ///
    /// See [`Store::append_typed`].
    ///
    /// # Errors
    ///
    /// [`ReadError::KindCollision`] if another Rust type already used one of
    /// `T`'s kinds in this store; [`ReadError::Payload`] if the stored kind
    /// is not one of `T`'s, the stored version is newer than `T::VERSION` or
    /// has no upgrade step, or the bytes do not decode; otherwise as
    /// [`Store::get`].
    pub fn get_typed<T: EventPayload + 'static>(
        &self,
        id: EventId,
    ) -> Result<Option<StoredEvent<T>>, ReadError> {
        self.claim::<T>()?;
        let Some(event) = self.get(id)? else {
            return Ok(None);
        };
        self.decode_as(&event).map(Some)
    }

    /// The chain hash of the event at `global_sequence`, if it exists (a
    /// 32-byte read): how projections and cursors recognise their store.
    pub(crate) fn hash_at(&self, global_sequence: u64) -> Result<Option<EventHash>, ReadError> {
        let entry = self.index().entry(global_sequence);
        entry
            .map(|e| self.read_hash_at(e.segment, e.offset))
            .transpose()
    }

    /// The event `id` and then, following causation ids, its cause, its
    /// cause's cause, ... until an event without a (stored) cause.
    ///
    /// # Examples
    ///
    /// See [`Store::append_reaction`].
    pub fn walk_ancestors(&self, id: EventId) -> Ancestors<'_> {
        Ancestors {
            store: self,
            next: Some(id),
            steps: 0,
        }
    }

    /// The entity's next sequence and head hash, or `None` if it has no
    /// events.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("a-1", "s")?;
    /// assert_eq!(store.entity_head(&coord), None);
    /// let r = store.append(&coord, EventKind::custom(1, 1), &1)?;
    /// assert_eq!(store.entity_head(&coord), Some((1, r.hash)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn entity_head(&self, coordinate: &Coordinate) -> Option<(u64, EventHash)> {
        let index = self.index();
        let entity = index.entity(index.entity_id(coordinate)?)?;
        if entity.events.is_empty() {
            return None;
        }
        Some((entity.events.len() as u64, entity.head))
    }

    /// Number of events in the store.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// assert!(store.is_empty());
    /// assert_eq!(store.last_global_sequence(), None);
    /// store.append(&Coordinate::new("a-1", "s")?, EventKind::custom(1, 1), &1)?;
    /// assert_eq!((store.len(), store.last_global_sequence()), (1, Some(0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> u64 {
        self.index().len()
    }

    /// Whether the store holds no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The global sequence of the last event, if any.
    pub fn last_global_sequence(&self) -> Option<u64> {
        self.len().checked_sub(1)
    }

    /// Heap memory held by the index, counted from its own allocations.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// store.append(&Coordinate::new("a", "s")?, EventKind::custom(1, 1), &1)?;
    /// assert_eq!(store.index_memory().events, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index_memory(&self) -> IndexMemory {
        let index = self.index();
        let (event_bytes, entity_bytes) = index.heap_bytes();
        IndexMemory {
            events: index.len(),
            event_bytes,
            entity_bytes,
        }
    }
}

/// Iterator from [`Store::walk_ancestors`].
#[derive(Debug)]
pub struct Ancestors<'s> {
    store: &'s Store,
    next: Option<EventId>,
    steps: u64,
}

impl Iterator for Ancestors<'_> {
    type Item = Result<StoredEvent<Vec<u8>>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let id = self.next.take()?;
        // Causation can only point backwards, but never loop on bad data.
        self.steps += 1;
        if self.steps > self.store.len() + 1 {
            return None;
        }
        match self.store.get(id) {
            Ok(Some(event)) => {
                self.next = event.header().causation_id.map(EventId::from);
                Some(Ok(event))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
