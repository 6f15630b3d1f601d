//! The in-memory index: where every event is, by global sequence, by id, per
//! entity and per kind. Rebuilt on open from the segments' fixed fields
//! without decoding payloads; extended by the writer after each commit.
//!
//! Memory per event: 36 bytes by global sequence (a 16-byte id in one array
//! and a 20-byte location in another), 8 + 12 bytes in its entity's lists
//! (its global sequence and its place), 8 bytes in its kind's list, plus
//! `Vec` growth slack. The entity's own copy of each place lets an entity
//! stream walk its events' places in order, without touching the global
//! arrays, whose entries for one entity lie scattered among those of every
//! other entity. Lookup by id needs no
//! extra table: the writer issues UUID v7 ids in increasing order, so the id
//! array is sorted within each *run*; a new run starts only if an id ever
//! goes backwards (a clock set back between sessions), and lookup
//! binary-searches each run (a compact array of `u128`, cache-friendly).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

use crate::coordinate::Coordinate;
use crate::event::{EventHash, EventKind};
use crate::id::EventId;

/// Where one event lives (as handed in and out; stored split, see
/// [`Index`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    pub(crate) event_id: [u8; 16],
    /// Position of the segment in the store's segment list (0-based).
    pub(crate) segment: u32,
    /// Offset of the event record in the segment file.
    pub(crate) offset: u32,
    /// Length of the event record.
    pub(crate) len: u32,
    /// The entity (index into `entities`).
    pub(crate) entity: u32,
    pub(crate) kind: u16,
}

impl IndexEntry {
    /// Where its record is.
    pub(crate) fn place(&self) -> Place {
        Place {
            segment: self.segment,
            offset: self.offset,
            len: self.len,
        }
    }
}

/// Distance between fence ids (see [`Index::find`]).
const FENCE_STRIDE: usize = 64;

/// Hashes the `u16` kind keys of the per-kind lists with one multiply
/// (kinds are few and not attacker-chosen in a way that matters).
#[derive(Debug, Default)]
struct KindHasher(u64);

impl Hasher for KindHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u16(&mut self, n: u16) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The stored part of an entry besides its id: 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Location {
    segment: u32,
    offset: u32,
    len: u32,
    entity: u32,
    kind: u16,
}

/// Where an event's record is: 12 bytes, kept per entity (see the module
/// docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    /// Position of the segment in the store's segment list (0-based).
    pub(crate) segment: u32,
    /// Offset of the event record in the segment file.
    pub(crate) offset: u32,
    /// Length of the event record.
    pub(crate) len: u32,
}

/// One entity: its coordinate, its events in entity order, its head hash.
#[derive(Debug, Clone)]
pub(crate) struct EntityEntry {
    pub(crate) coordinate: Coordinate,
    /// Global sequences, position = entity sequence.
    pub(crate) events: Vec<u64>,
    /// Where each event's record is, position = entity sequence.
    pub(crate) places: Vec<Place>,
    pub(crate) head: EventHash,
}

/// The in-memory index.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Event ids by global sequence (big-endian `u128`, so they compare as
    /// the UUIDs do): a compact array for the id binary search.
    ids: Vec<u128>,
    /// Locations by global sequence.
    locations: Vec<Location>,
    entities: Vec<EntityEntry>,
    entity_ids: HashMap<Coordinate, u32>,
    by_kind: HashMap<u16, Vec<u64>, BuildHasherDefault<KindHasher>>,
    /// Ranges of global sequences within which event ids increase.
    id_runs: Vec<Range<u64>>,
    /// Every `FENCE_STRIDE`-th id: a small array (1/16 of `ids`) that stays
    /// in cache, so a lookup touches few cold lines of `ids`.
    fence: Vec<u128>,
}

impl Index {
    /// Number of events.
    pub(crate) fn len(&self) -> u64 {
        self.ids.len() as u64
    }

    /// The entry at a global sequence.
    pub(crate) fn entry(&self, global_sequence: u64) -> Option<IndexEntry> {
        let i = usize::try_from(global_sequence).ok()?;
        let loc = self.locations.get(i)?;
        Some(IndexEntry {
            event_id: self.ids[i].to_be_bytes(),
            segment: loc.segment,
            offset: loc.offset,
            len: loc.len,
            entity: loc.entity,
            kind: loc.kind,
        })
    }

    /// The event id at a global sequence (big-endian bytes).
    pub(crate) fn id(&self, global_sequence: u64) -> Option<[u8; 16]> {
        let i = usize::try_from(global_sequence).ok()?;
        self.ids.get(i).map(|id| id.to_be_bytes())
    }

    /// Where the event at a global sequence is: (segment, offset), without
    /// touching its id.
    pub(crate) fn location(&self, global_sequence: u64) -> Option<(u32, u32)> {
        let i = usize::try_from(global_sequence).ok()?;
        self.locations.get(i).map(|l| (l.segment, l.offset))
    }

    /// The entity and kind at a global sequence (no id copy).
    pub(crate) fn entity_and_kind(&self, global_sequence: u64) -> Option<(u32, u16)> {
        let i = usize::try_from(global_sequence).ok()?;
        self.locations.get(i).map(|l| (l.entity, l.kind))
    }

    /// Reserves room for `additional` more events.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.ids.reserve(additional);
        self.locations.reserve(additional);
    }

    /// Gives back growth slack (after open's bulk load).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.fence.shrink_to_fit();
        self.locations.shrink_to_fit();
        for entity in &mut self.entities {
            entity.events.shrink_to_fit();
            entity.places.shrink_to_fit();
        }
        for list in self.by_kind.values_mut() {
            list.shrink_to_fit();
        }
    }

    /// The entity with this id.
    pub(crate) fn entity(&self, entity: u32) -> Option<&EntityEntry> {
        self.entities.get(entity as usize)
    }

    /// All entities, by id.
    pub(crate) fn entities(&self) -> &[EntityEntry] {
        &self.entities
    }

    /// The id of an entity, if it has events.
    pub(crate) fn entity_id(&self, coordinate: &Coordinate) -> Option<u32> {
        self.entity_ids.get(coordinate).copied()
    }

    /// Global sequences of events of one kind, ascending.
    pub(crate) fn by_kind(&self, kind: EventKind) -> &[u64] {
        self.by_kind.get(&kind.to_raw()).map_or(&[], Vec::as_slice)
    }

    /// The global sequence of an event id.
    pub(crate) fn find(&self, id: EventId) -> Option<u64> {
        let key = u128::from_be_bytes(id.to_bytes());
        if self.id_runs.len() == 1 {
            // One run (the usual case): all ids increase; search the fence
            // first, then one stride of `ids`.
            let block = self.fence.partition_point(|f| *f <= key).checked_sub(1)?;
            let start = block * FENCE_STRIDE;
            let end = (start + FENCE_STRIDE).min(self.ids.len());
            let pos = self.ids[start..end].binary_search(&key).ok()?;
            return Some((start + pos) as u64);
        }
        for run in self.id_runs.iter().rev() {
            let (start, end) = (run.start as usize, run.end as usize);
            if let Ok(pos) = self.ids[start..end].binary_search(&key) {
                return Some((start + pos) as u64);
            }
        }
        None
    }

    /// Registers an entity (ids are dense, assigned by the writer in order).
    pub(crate) fn add_entity(&mut self, coordinate: Coordinate) -> u32 {
        if let Some(id) = self.entity_ids.get(&coordinate) {
            return *id;
        }
        let id = self.entities.len() as u32;
        self.entity_ids.insert(coordinate.clone(), id);
        self.entities.push(EntityEntry {
            coordinate,
            events: Vec::new(),
            places: Vec::new(),
            head: EventHash::GENESIS,
        });
        id
    }

    /// Appends the next event (its global sequence must be `len()`).
    pub(crate) fn push(&mut self, entry: IndexEntry, hash: EventHash) {
        let seq = self.ids.len() as u64;
        let id = u128::from_be_bytes(entry.event_id);
        let continues_run = self.ids.last().is_some_and(|last| *last < id);
        match self.id_runs.last_mut() {
            Some(run) if continues_run => run.end = seq + 1,
            _ => self.id_runs.push(seq..seq + 1),
        }
        if let Some(entity) = self.entities.get_mut(entry.entity as usize) {
            entity.events.push(seq);
            entity.places.push(Place {
                segment: entry.segment,
                offset: entry.offset,
                len: entry.len,
            });
            entity.head = hash;
        }
        self.by_kind.entry(entry.kind).or_default().push(seq);
        if self.ids.len().is_multiple_of(FENCE_STRIDE) {
            self.fence.push(id);
        }
        self.ids.push(id);
        self.locations.push(Location {
            segment: entry.segment,
            offset: entry.offset,
            len: entry.len,
            entity: entry.entity,
            kind: entry.kind,
        });
    }

    /// Bytes the index holds on the heap for its events (capacity, not
    /// length: what the allocator actually gave), and for its entities.
    pub(crate) fn heap_bytes(&self) -> (usize, usize) {
        let per_event = self.ids.capacity() * 16
            + self.locations.capacity() * std::mem::size_of::<Location>()
            + self
                .entities
                .iter()
                .map(|e| {
                    e.events.capacity() * 8 + e.places.capacity() * std::mem::size_of::<Place>()
                })
                .sum::<usize>()
            + self
                .by_kind
                .values()
                .map(|v| v.capacity() * 8)
                .sum::<usize>()
            + self.id_runs.capacity() * std::mem::size_of::<Range<u64>>()
            + self.fence.capacity() * 16;
        let per_entity = self.entities.capacity() * std::mem::size_of::<EntityEntry>()
            + self
                .entities
                .iter()
                .map(|e| e.coordinate.entity().len() + e.coordinate.scope().len() + 32)
                .sum::<usize>()
            + self.entity_ids.capacity()
                * (std::mem::size_of::<Coordinate>() + std::mem::size_of::<u32>() + 1);
        (per_event, per_entity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: EventId, entity: u32) -> IndexEntry {
        IndexEntry {
            event_id: id.to_bytes(),
            segment: 0,
            offset: 0,
            len: 0,
            entity,
            kind: EventKind::custom(1, 1).to_raw(),
        }
    }

    #[test]
    fn entry_is_small_and_fixed_size() {
        assert_eq!(std::mem::size_of::<Location>() + 16, 36);
        assert_eq!(std::mem::size_of::<Place>(), 12);
    }

    #[test]
    fn each_entity_keeps_the_places_of_its_events() {
        let mut index = Index::default();
        let a = index.add_entity(Coordinate::new("a", "s").unwrap());
        let b = index.add_entity(Coordinate::new("b", "s").unwrap());
        let mut clock = crate::store::clock::IdClock::new();
        for n in 0..10u32 {
            let mut e = entry(clock.next().0, if n % 3 == 0 { a } else { b });
            (e.segment, e.offset, e.len) = (n / 4, 100 * n, 50 + n);
            index.push(e, EventHash::GENESIS);
        }
        for id in [a, b] {
            let entity = index.entity(id).unwrap();
            assert_eq!(entity.events.len(), entity.places.len());
            for (seq, place) in entity.events.iter().zip(&entity.places) {
                let global = index.entry(*seq).unwrap();
                assert_eq!(global.entity, id);
                assert_eq!(global.place(), *place);
                assert_eq!(index.id(*seq), Some(global.event_id));
            }
        }
        assert_eq!(index.entity(a).unwrap().events, vec![0, 3, 6, 9]);
    }

    #[test]
    fn every_id_is_found_through_the_fence() {
        let mut index = Index::default();
        let e = index.add_entity(Coordinate::new("a", "s").unwrap());
        let mut clock = crate::store::clock::IdClock::new();
        let ids: Vec<EventId> = (0..1000).map(|_| clock.next().0).collect();
        for id in &ids {
            index.push(entry(*id, e), EventHash::GENESIS);
        }
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.find(*id), Some(i as u64));
        }
        assert_eq!(index.find(EventId::from_bytes([0; 16])), None);
        assert_eq!(index.find(EventId::from_bytes([0xFF; 16])), None);
    }

    #[test]
    fn ids_out_of_order_start_a_new_run_and_stay_findable() {
        let mut index = Index::default();
        let e = index.add_entity(Coordinate::new("a", "s").unwrap());
        let ids: Vec<EventId> = (0..5).map(|_| EventId::now()).collect();
        // 0, 1, 2 in order, then 4, then 3 (a clock going back).
        for i in [0, 1, 2, 4, 3] {
            index.push(entry(ids[i], e), EventHash::GENESIS);
        }
        assert_eq!(index.id_runs.len(), 2);
        for (pos, i) in [0, 1, 2, 4, 3].into_iter().enumerate() {
            assert_eq!(index.find(ids[i]), Some(pos as u64));
        }
        assert_eq!(index.find(EventId::now()), None);
        assert_eq!(index.entity(e).unwrap().events, vec![0, 1, 2, 3, 4]);
        assert_eq!(index.entity(e).unwrap().places.len(), 5);
    }
}
