//! Queries: [`Query`], the iterator behind [`Store::query`],
//! [`Store::stream`] and the typed reads. It copies locations from the index
//! a chunk at a time under the read lock, then reads the records with
//! coalesced positional reads, one span at a time as the iterator reaches
//! it, so it never waits for a write or a sync and its buffer stays small.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use memmap2::Mmap;

use crate::coordinate::{Coordinate, EntityFilter, KindFilter, Region};
use crate::event::{EventHash, StoredEvent};

use super::error::ReadError;
use super::frame;
use super::index::{Index, Place};
use super::read::MAX_READ;
use super::Store;

/// Most events a query locates in its first index visit: a caller that
/// takes a few events (a cursor fetches 256) pays for no more.
const FIRST_CHUNK: usize = 256;
/// Most events one later index visit locates. Large enough that an entity
/// written in runs (a burst of its events between bursts of others) gets
/// several whole runs per visit, so each run is one read, not cut in two at
/// a chunk's edge.
const CHUNK: usize = 1024;
/// Adjacent records closer than this are read with one system call.
const COALESCE_GAP: u64 = 4096;
/// With mapped reads, how many records ahead of the one being decoded are
/// prefetched (docs/PERFORMANCE.md, "Fourth pass: mapped reads").
const PREFETCH_AHEAD: usize = 4;

/// One event to fetch: where it is, where its entity's previous event is,
/// and where its record will sit in the query's byte buffer.
#[derive(Debug, Clone, Copy)]
struct Located {
    seq: u64,
    event_id: [u8; 16],
    entity: u32,
    place: Place,
    /// The entity's previous event (global sequence and place).
    prev: Option<(u64, Place)>,
    /// Offset of the record in [`Query::bytes`] once its span is read.
    at: usize,
}

/// A located event and its coordinate (taken when the event is handed
/// out).
#[derive(Debug)]
struct Candidate {
    located: Located,
    coordinate: Option<Coordinate>,
}

/// Records read with one positional read: bytes `start..end` of a segment,
/// holding the candidates before position `upto` of the chunk (from the
/// previous span's `upto` on). With `map`, nothing is read: the records are
/// in the map (`start` is 0, and each candidate's `at` is its offset).
#[derive(Debug)]
struct Span {
    segment: u32,
    start: u64,
    end: u64,
    upto: usize,
    map: Option<Arc<Mmap>>,
}

/// Hashes `u32` entity ids with one multiply (ids are dense integers
/// assigned by the store, not chosen by users).
#[derive(Debug, Default)]
struct EntityIdHasher(u64);

impl std::hash::Hasher for EntityIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Where a query's candidates come from.
#[derive(Debug)]
enum Source {
    /// Global sequences `next..end`, filtered by the region.
    Scan { next: u64, end: u64 },
    /// An explicit ascending list of global sequences.
    List { seqs: Vec<u64>, next: usize },
    /// One entity's events, positions `next..end`.
    Entity {
        entity: u32,
        next: usize,
        end: usize,
    },
}

/// An iterator over stored events (raw MessagePack payloads), from
/// [`Store::query`] (global order) or [`Store::stream`] (entity order).
///
/// It sees the events that existed when it was created. It fetches them in
/// chunks, so memory stays small however many events match.
///
/// # Examples
///
/// ```
/// # use batpak::prelude::*;
/// # use batpak::store::{Store, StoreConfig};
/// # let dir = tempfile::tempdir()?;
/// # let store = Store::open(StoreConfig::new(dir.path()))?;
/// # for n in 0..5u32 { store.append(&Coordinate::new("a-1", "s")?, EventKind::custom(1, 1), &n)?; }
/// // Take what you need; the rest is never read.
/// let first_two: Vec<_> = store.query(&Region::all()).take(2).collect::<Result<_, _>>()?;
/// assert_eq!(first_two.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Query<'s> {
    store: &'s Store,
    region: Option<Region>,
    source: Source,
    /// The current chunk: events located, read a span at a time and
    /// decoded one by one as the iterator advances (no queue of decoded
    /// events).
    chunk: Vec<Candidate>,
    /// The chunk's spans, in order.
    spans: Vec<Span>,
    /// Next span to read.
    span: usize,
    /// Candidates before this position have their records in `bytes`.
    read_upto: usize,
    /// Next position in `chunk`.
    pos: usize,
    /// Whether a chunk was fetched before (the first one is smaller).
    filled: bool,
    /// The current span's records. Reused, never shrunk or cleared, so it
    /// is zeroed only when it grows.
    bytes: Vec<u8>,
    /// The current span's map, when it is read through one (records are
    /// then taken from it, not from `bytes`).
    view: Option<Arc<Mmap>>,
    /// The last event handed out (entity, global sequence, hash): in an
    /// entity's stream it is always the next event's predecessor.
    last: Option<(u32, u64, EventHash)>,
    /// Last hash seen per entity, to fill `prev_hash` without a read (not
    /// needed for one entity's stream, which `last` covers).
    last_hash: HashMap<u32, (u64, EventHash), BuildHasherDefault<EntityIdHasher>>,
}

impl Iterator for Query<'_> {
    type Item = Result<StoredEvent<Vec<u8>>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos == self.chunk.len() {
            self.fill();
        }
        if self.pos == self.read_upto && self.pos < self.chunk.len() {
            if let Err(error) = self.read_next_span() {
                // Everything before was handed out; the query ends here.
                self.chunk.clear();
                self.pos = 0;
                self.source = Source::List {
                    seqs: Vec::new(),
                    next: 0,
                };
                return Some(Err(error));
            }
        }
        let pos = self.pos;
        if let Some(map) = &self.view {
            // Start fetching a record a few ahead: its memory misses then
            // overlap with decoding this one.
            let ahead = self
                .chunk
                .get(pos + PREFETCH_AHEAD)
                .filter(|_| pos + PREFETCH_AHEAD < self.read_upto);
            let record = ahead.and_then(|c| {
                let at = c.located.at;
                map.get(at..at + c.located.place.len as usize)
            });
            if let Some(record) = record {
                super::map::prefetch(record);
            }
        }
        let c = self.chunk.get_mut(pos)?;
        self.pos += 1;
        let coordinate = c.coordinate.take();
        let located = c.located;
        Some(self.decode(&located, coordinate))
    }
}

impl<'s> Query<'s> {
    fn new(store: &'s Store, region: Option<Region>, source: Source) -> Query<'s> {
        Query {
            store,
            region,
            source,
            chunk: Vec::new(),
            spans: Vec::new(),
            span: 0,
            read_upto: 0,
            pos: 0,
            filled: false,
            bytes: Vec::new(),
            view: None,
            last: None,
            last_hash: HashMap::default(),
        }
    }

    /// Fetches the next chunk of events' locations from the index and
    /// groups them into spans, nearby records coalesced into one read.
    fn fill(&mut self) {
        self.chunk.clear();
        self.spans.clear();
        self.span = 0;
        self.read_upto = 0;
        self.pos = 0;
        {
            let index = self.store.index();
            self.collect(&index);
        }
        let mapped = self.store.shared.config.mapped_reads;
        // A segment whose map ended before one of the chunk's records: its
        // later records (in ascending order) are past the map too.
        let mut unmapped = None;
        let mut start = 0;
        while start < self.chunk.len() {
            let first = self.chunk[start].located.place;
            if mapped && unmapped != Some(first.segment) {
                match self.mapped_span(start) {
                    Some(end) => {
                        start = end;
                        continue;
                    }
                    None => unmapped = Some(first.segment),
                }
            }
            let span_start = u64::from(first.offset);
            let mut end = start;
            let mut span_end = span_start;
            while end < self.chunk.len() {
                let p = self.chunk[end].located.place;
                let p_end = u64::from(p.offset) + u64::from(p.len);
                let joins = end == start
                    || (p.segment == first.segment
                        && u64::from(p.offset) >= span_start
                        && u64::from(p.offset) <= span_end + COALESCE_GAP
                        && p_end - span_start <= MAX_READ);
                if !joins {
                    break;
                }
                self.chunk[end].located.at = (u64::from(p.offset) - span_start) as usize;
                span_end = span_end.max(p_end);
                end += 1;
            }
            self.spans.push(Span {
                segment: first.segment,
                start: span_start,
                end: span_end,
                upto: end,
                map: None,
            });
            start = end;
        }
    }

    /// Makes one span of the candidates from `start` on that lie in the
    /// same segment and inside its map, and returns where it ends; `None`
    /// if the first of them is not in a map.
    fn mapped_span(&mut self, start: usize) -> Option<usize> {
        let segment = self.chunk.get(start)?.located.place.segment;
        let run_end = self.chunk[start..]
            .iter()
            .map(|c| c.located.place)
            .take_while(|p| p.segment == segment)
            .map(|p| u64::from(p.offset) + u64::from(p.len))
            .max()?;
        let map = self.store.segment_map(segment, run_end)?;
        let mut end = start;
        let mut span_end = 0;
        while let Some(c) = self.chunk.get_mut(end) {
            let p = c.located.place;
            let p_end = u64::from(p.offset) + u64::from(p.len);
            if p.segment != segment || p_end > map.len() as u64 {
                break;
            }
            c.located.at = p.offset as usize;
            span_end = span_end.max(p_end);
            end += 1;
        }
        if end == start {
            return None;
        }
        self.spans.push(Span {
            segment,
            start: 0,
            end: span_end,
            upto: end,
            map: Some(map),
        });
        Some(end)
    }

    /// Reads the next span's records into `bytes`.
    fn read_next_span(&mut self) -> Result<(), ReadError> {
        let Some(span) = self.spans.get(self.span) else {
            return Ok(());
        };
        self.view.clone_from(&span.map);
        if self.view.is_some() {
            self.read_upto = span.upto;
            self.span += 1;
            return Ok(());
        }
        let len = (span.end - span.start) as usize;
        if self.bytes.len() < len {
            self.bytes.resize(len, 0);
        }
        self.store
            .read_span_at(span.segment, span.start, &mut self.bytes[..len])?;
        self.read_upto = span.upto;
        self.span += 1;
        Ok(())
    }

    fn decode(
        &mut self,
        located: &Located,
        coordinate: Option<Coordinate>,
    ) -> Result<StoredEvent<Vec<u8>>, ReadError> {
        let Located {
            seq,
            event_id,
            entity,
            ref place,
            prev,
            at,
        } = *located;
        let prev_hash = match prev {
            None => EventHash::GENESIS,
            Some((prev_seq, prev_place)) => match self.last {
                Some((e, seq, hash)) if e == entity && seq == prev_seq => hash,
                _ => match self.last_hash.get(&entity) {
                    Some((seq, hash)) if *seq == prev_seq => *hash,
                    _ => self
                        .store
                        .read_hash_at(prev_place.segment, prev_place.offset)?,
                },
            },
        };
        let Some(coordinate) = coordinate else {
            return Err(self.store.corrupt(
                place,
                frame::FormatError::Invalid("event handed out twice".into()),
            ));
        };
        let bytes = match &self.view {
            Some(map) => &map[..],
            None => &self.bytes[..],
        };
        let record = bytes.get(at..at + place.len as usize).unwrap_or_default();
        let event = self
            .store
            .decode_record(place, event_id, record, coordinate, prev_hash)?;
        if !matches!(self.source, Source::Entity { .. }) {
            self.last_hash.insert(entity, (seq, event.hash));
        }
        self.last = Some((entity, seq, event.hash));
        Ok(event)
    }

    /// The event at `seq`, found through the global arrays (queries in
    /// global order).
    fn candidate(index: &Index, seq: u64) -> Option<Candidate> {
        let entry = index.entry(seq)?;
        let entity = index.entity(entry.entity)?;
        let pos = entity.events.binary_search(&seq).ok()?;
        let prev = match pos.checked_sub(1) {
            Some(p) => Some((*entity.events.get(p)?, *entity.places.get(p)?)),
            None => None,
        };
        Some(Candidate {
            located: Located {
                seq,
                event_id: entry.event_id,
                entity: entry.entity,
                place: entry.place(),
                prev,
                at: 0,
            },
            coordinate: Some(entity.coordinate.clone()),
        })
    }

    fn collect(&mut self, index: &Index) {
        let limit = if self.filled { CHUNK } else { FIRST_CHUNK };
        self.filled = true;
        let out = &mut self.chunk;
        match &mut self.source {
            Source::Scan { next, end } => {
                let region = self.region.as_ref();
                while *next < *end && out.len() < limit {
                    let seq = *next;
                    *next += 1;
                    let Some((entity, kind)) = index.entity_and_kind(seq) else {
                        break;
                    };
                    if let Some(region) = region {
                        let Some(entity) = index.entity(entity) else {
                            continue;
                        };
                        let kind = crate::event::EventKind::from_raw(kind);
                        if !region.matches(&entity.coordinate, kind, seq) {
                            continue;
                        }
                    }
                    if let Some(c) = Query::candidate(index, seq) {
                        out.push(c);
                    }
                }
            }
            Source::List { seqs, next } => {
                while *next < seqs.len() && out.len() < limit {
                    let seq = seqs[*next];
                    *next += 1;
                    if let Some(c) = Query::candidate(index, seq) {
                        out.push(c);
                    }
                }
            }
            Source::Entity { entity, next, end } => {
                // The entity's own lists, walked in order: unrelated
                // history is never touched.
                let Some(e) = index.entity(*entity) else {
                    return;
                };
                let upto = (*end).min(*next + limit).min(e.events.len());
                let mut prev = match next.checked_sub(1) {
                    Some(p) => e.events.get(p).zip(e.places.get(p)).map(|(s, l)| (*s, *l)),
                    None => None,
                };
                let seqs = e.events.get(*next..upto).unwrap_or_default();
                let places = e.places.get(*next..upto).unwrap_or_default();
                for (seq, place) in seqs.iter().zip(places) {
                    let Some(event_id) = index.id(*seq) else {
                        break;
                    };
                    out.push(Candidate {
                        located: Located {
                            seq: *seq,
                            event_id,
                            entity: *entity,
                            place: *place,
                            prev,
                            at: 0,
                        },
                        coordinate: Some(e.coordinate.clone()),
                    });
                    prev = Some((*seq, *place));
                }
                *next = upto;
            }
        }
    }
}

impl Store {
    /// The events in `region`, in global order, as an iterator.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// for (entity, scope) in [("a-1", "red"), ("a-2", "blue"), ("a-3", "red")] {
    ///     store.append(&Coordinate::new(entity, scope)?, EventKind::custom(1, 1), &entity)?;
    /// }
    /// let red: Vec<_> = store.query(&Region::scope("red")).collect::<Result<_, _>>()?;
    /// let names: Vec<_> = red.iter().map(|e| e.coordinate.entity().to_owned()).collect();
    /// assert_eq!(names, ["a-1", "a-3"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query(&self, region: &Region) -> Query<'_> {
        let index = self.index();
        let end = index.len();
        let (from, to) = match region.sequence_range() {
            Some(r) => (*r.start(), r.end().saturating_add(1).min(end)),
            None => (0, end),
        };
        // An exact coordinate: walk that entity's list.
        if let (EntityFilter::Exact(entity), Some(scope)) =
            (region.entity_filter(), region.scope_filter())
        {
            let coordinate = Coordinate::new(&**entity, scope).ok();
            let id = coordinate.and_then(|c| index.entity_id(&c));
            let seqs: Vec<u64> = id
                .and_then(|id| index.entity(id))
                .map(|e| {
                    // Ascending: slice the range instead of filtering the
                    // whole history (cursors poll this from a late position).
                    let lo = e.events.partition_point(|&s| s < from);
                    let hi = e.events.partition_point(|&s| s < to).max(lo);
                    e.events[lo..hi].to_vec()
                })
                .unwrap_or_default();
            return self.filtered_list(region, seqs);
        }
        // Only a kind list: merge those kinds' lists.
        if let (EntityFilter::All, None, KindFilter::Exact(kinds)) = (
            region.entity_filter(),
            region.scope_filter(),
            region.kind_filter(),
        ) {
            let mut seqs: Vec<u64> = kinds
                .iter()
                .flat_map(|k| index.by_kind(*k).iter().copied())
                .filter(|&s| s >= from && s < to)
                .collect();
            seqs.sort_unstable();
            return Query::new(self, None, Source::List { seqs, next: 0 });
        }
        drop(index);
        Query::new(
            self,
            Some(region.clone()),
            Source::Scan {
                next: from,
                end: to,
            },
        )
    }

    fn filtered_list(&self, region: &Region, seqs: Vec<u64>) -> Query<'_> {
        let seqs = {
            let index = self.index();
            seqs.into_iter()
                .filter(|&s| {
                    index.entry(s).is_some_and(|e| {
                        region.matches_kind(crate::event::EventKind::from_raw(e.kind))
                    })
                })
                .collect()
        };
        Query::new(self, None, Source::List { seqs, next: 0 })
    }

    /// One entity's events in entity order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("counter", "app")?;
    /// for n in 0..3u32 {
    ///     store.append(&coord, EventKind::custom(1, 1), &n)?;
    /// }
    /// let seqs: Vec<u64> = store
    ///     .stream(&coord)
    ///     .map(|e| e.map(|e| e.header().entity_sequence))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(seqs, [0, 1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream(&self, coordinate: &Coordinate) -> Query<'_> {
        let index = self.index();
        let source = match index.entity_id(coordinate) {
            Some(entity) => Source::Entity {
                entity,
                next: 0,
                end: index.entity(entity).map_or(0, |e| e.events.len()),
            },
            None => Source::List {
                seqs: Vec::new(),
                next: 0,
            },
        };
        drop(index);
        Query::new(self, None, source)
    }

    /// One entity's events from entity sequence `from` on (projections
    /// catching up: cost grows with the new events only).
    pub(crate) fn stream_from(&self, coordinate: &Coordinate, from: u64) -> Query<'_> {
        let index = self.index();
        let source = match index.entity_id(coordinate) {
            Some(entity) => {
                let end = index.entity(entity).map_or(0, |e| e.events.len());
                Source::Entity {
                    entity,
                    next: usize::try_from(from).unwrap_or(usize::MAX).min(end),
                    end,
                }
            }
            None => Source::List {
                seqs: Vec::new(),
                next: 0,
            },
        };
        drop(index);
        Query::new(self, None, source)
    }
}
