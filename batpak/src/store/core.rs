//! The writer state ([`Core`]) and what the leader does with a group:
//! check CAS and idempotency in order, decide ids, sequences and hashes,
//! frame, write, sync, rotate segments, publish to the index and notify
//! commit listeners.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use crate::coordinate::Coordinate;
use crate::event::{Event, EventHash, EventKind, StoredEvent};
use crate::id::{CausationId, CorrelationId};

use super::clock::IdClock;
use super::error::AppendError;
use super::frame::{self, EventFields, RecordTag, SEGMENT_HEADER_LEN};
use super::index::IndexEntry;
use super::segment::{self, SegmentFile};
use super::writer::{CommittedBatch, WriteFailure, WriteRequest, WriteResult};
use super::{AppendReceipt, BatchItem, Durability, IdempotencyKey, Shared};

/// Marks an entity not yet defined in the active segment.
const NOT_INTERNED: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Head {
    next: u64,
    hash: EventHash,
}

#[derive(Debug, Clone)]
pub(crate) struct IdemRecord {
    pub(crate) fingerprint: [u8; 16],
    pub(crate) receipt: AppendReceipt,
}

/// What the writer alone owns: the active segment, entity heads, the
/// idempotency table and the poison flag.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) active: Arc<SegmentFile>,
    pub(crate) active_pos: u32,
    pub(crate) write_offset: u64,
    /// Entity id → coordinate number in the active segment
    /// ([`NOT_INTERNED`] if not yet defined there).
    seg_interns: Vec<u32>,
    /// Coordinates defined in the active segment so far.
    seg_intern_count: u32,
    pub(crate) entity_ids: HashMap<Coordinate, u32>,
    heads: Vec<Head>,
    pub(crate) next_global: u64,
    pub(crate) idempotency: HashMap<IdempotencyKey, IdemRecord>,
    clock: IdClock,
    pub(crate) poisoned: Option<String>,
    buf: Vec<u8>,
    /// Scratch for [`Core::prepare`]: entity heads before each change.
    undo: Vec<(u32, Head)>,
    /// Recently appended coordinates by the address of their names: a hit
    /// skips hashing the names (callers usually reuse one `Coordinate` per
    /// entity, whose clones share those addresses). Each slot holds a clone,
    /// so an address seen here cannot be reused by other names meanwhile.
    /// Two-way sets, most recent first: a direct-mapped table let two
    /// entities that share a slot evict each other on every append.
    recent: Vec<Option<(Coordinate, u32)>>,
}

/// Sets in [`Core::recent`] (a power of two), of [`RECENT_WAYS`] slots each.
const RECENT_SETS: usize = 512;
/// Slots per set of [`Core::recent`].
const RECENT_WAYS: usize = 2;

/// The first slot of a coordinate's [`Core::recent`] set, from its names'
/// addresses.
fn recent_set(c: &Coordinate) -> usize {
    let addr = (c.entity().as_ptr() as u64) ^ (c.scope().as_ptr() as u64).rotate_left(29);
    // Fibonacci hashing: the top bits of the product depend on every
    // address bit (allocations are spaced by multiples of 16 bytes).
    let set = addr.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - RECENT_SETS.trailing_zeros());
    set as usize * RECENT_WAYS
}

/// Whether two coordinates share their names' allocations.
fn same_names(a: &Coordinate, b: &Coordinate) -> bool {
    std::ptr::eq(a.entity(), b.entity()) && std::ptr::eq(a.scope(), b.scope())
}

/// One new event, decided and hashed, waiting to be framed.
struct NewEvent {
    fields: EventFields,
    entity: u32,
    coordinate: Coordinate,
    prev_hash: EventHash,
    payload: Vec<u8>,
}

/// What [`Core::decide`] settled for a request, before it is applied.
struct Decided {
    receipts: Vec<AppendReceipt>,
    repeats: Vec<bool>,
    events: Vec<NewEvent>,
    /// Idempotency keys first seen in this request: fingerprint and item.
    batch_keys: HashMap<IdempotencyKey, ([u8; 16], usize)>,
    next_global: u64,
}

/// A request whose checks passed.
struct Prepared {
    receipts: Vec<AppendReceipt>,
    /// Which receipts are repeats (idempotency) rather than new events.
    repeats: Vec<bool>,
    events: Vec<NewEvent>,
    new_entities: Vec<Coordinate>,
}

impl Core {
    pub(crate) fn new(active: Arc<SegmentFile>, active_pos: u32, write_offset: u64) -> Core {
        Core {
            active,
            active_pos,
            write_offset,
            seg_interns: Vec::new(),
            seg_intern_count: 0,
            entity_ids: HashMap::new(),
            heads: Vec::new(),
            next_global: 0,
            idempotency: HashMap::new(),
            clock: IdClock::new(),
            poisoned: None,
            buf: Vec::with_capacity(64 * 1024),
            undo: Vec::new(),
            recent: vec![None; RECENT_SETS * RECENT_WAYS],
        }
    }

    /// Registers an entity found on open (ids dense, in first-seen order).
    pub(crate) fn restore_entity(&mut self, coordinate: Coordinate) -> u32 {
        if let Some(id) = self.entity_ids.get(&coordinate) {
            return *id;
        }
        let id = self.heads.len() as u32;
        self.entity_ids.insert(coordinate, id);
        self.heads.push(Head {
            next: 0,
            hash: EventHash::GENESIS,
        });
        id
    }

    /// Advances an entity's head for an event found on open.
    pub(crate) fn restore_head(&mut self, entity: u32, hash: EventHash) {
        if let Some(head) = self.heads.get_mut(entity as usize) {
            head.next += 1;
            head.hash = hash;
        }
    }

    /// The coordinate number of an entity in the active segment.
    fn interned(&self, entity: u32) -> Option<u32> {
        self.seg_interns
            .get(entity as usize)
            .copied()
            .filter(|&l| l != NOT_INTERNED)
    }

    /// Records that the active segment defines `entity` as `local`.
    pub(crate) fn intern(&mut self, entity: u32, local: u32) {
        let at = entity as usize;
        if self.seg_interns.len() <= at {
            self.seg_interns.resize(at + 1, NOT_INTERNED);
        }
        self.seg_interns[at] = local;
        self.seg_intern_count = self.seg_intern_count.max(local + 1);
    }

    /// Events written to files but not yet known to be synced.
    pub(crate) fn unsynced(&self, shared: &Shared) -> u64 {
        self.next_global
            .saturating_sub(shared.synced_upto.load(Ordering::Acquire))
    }

    pub(crate) fn poison(&mut self, reason: String) {
        if self.poisoned.is_none() {
            self.poisoned = Some(reason);
        }
    }

    /// Checks, frames, writes, syncs and publishes one group of requests;
    /// returns one result per request, in order.
    ///
    /// Before writing, `refill` may add requests that queued meanwhile to
    /// `group` (once): they share this group's `write` and sync.
    pub(crate) fn commit_group<T>(
        &mut self,
        shared: &Shared,
        group: &mut Vec<T>,
        request_of: impl Fn(&mut T) -> &mut WriteRequest,
        mut refill: impl FnMut(&mut Vec<T>) -> bool,
    ) -> Vec<WriteResult> {
        let mut results: Vec<WriteResult> = Vec::new();
        let mut prepared: Vec<(usize, Prepared)> = Vec::new();
        let mut index_entries: Vec<Vec<IndexEntry>> = Vec::new();
        let mut wants_sync = false;
        self.buf.clear();
        let mut failure: Option<AppendError> = None;
        let mut next = 0;
        let mut refilled = false;
        loop {
            if next == group.len() {
                if refilled || failure.is_some() || !refill(group) {
                    break;
                }
                refilled = true;
                continue;
            }
            let request = request_of(&mut group[next]);
            next += 1;
            if let Some(error) = &failure {
                results.push(Err(WriteFailure::whole(error.clone())));
                continue;
            }
            if let Some(reason) = &self.poisoned {
                results.push(Err(WriteFailure::whole(AppendError::Poisoned {
                    reason: reason.clone(),
                })));
                continue;
            }
            match self.prepare(shared, request) {
                Err(e) => results.push(Err(e)),
                Ok(p) => {
                    // A durable repeat of a buffered original waits for the
                    // sync too: the receipt promises what was asked.
                    let synced = shared.synced_upto.load(Ordering::Acquire);
                    wants_sync |= request.durability == Durability::Sync
                        && p.receipts.iter().any(|r| r.global_sequence >= synced);
                    if !p.events.is_empty() {
                        match self.frame(shared, &p) {
                            Ok(entries) => index_entries.push(entries),
                            Err(error) => {
                                failure = Some(error);
                                index_entries.push(Vec::new());
                            }
                        }
                        wants_sync |= request.durability == Durability::Sync;
                    } else {
                        index_entries.push(Vec::new());
                    }
                    prepared.push((results.len(), p));
                    results.push(Ok(Vec::new()));
                }
            }
        }
        let new_events: u64 = prepared.iter().map(|(_, p)| p.events.len() as u64).sum();
        if failure.is_none() && !self.buf.is_empty() {
            if let Err(e) = self.flush(shared) {
                failure = Some(e);
            }
        }
        if failure.is_none() {
            shared
                .written_upto
                .fetch_max(self.next_global, Ordering::AcqRel);
        }
        if failure.is_none() && (new_events > 0 || wants_sync) {
            super::fault::point(&shared.config, super::fault::names::AFTER_WRITE_BEFORE_SYNC);
            if wants_sync {
                if let Err(e) = self.sync(shared) {
                    failure = Some(e);
                }
            } else if shared
                .config
                .buffered_sync_every
                .is_some_and(|n| self.unsynced(shared) >= n)
            {
                // The flusher syncs without holding the writer lock, so
                // buffered appends never wait for a disk flush.
                shared.wake_flusher();
            }
        }
        if let Some(error) = failure {
            // Nothing of this group is acknowledged; the writer state ran
            // ahead of the files, so the store is poisoned.
            self.poison(error.to_string());
            for (at, _) in &prepared {
                results[*at] = Err(WriteFailure::whole(error.clone()));
            }
            return results;
        }
        self.publish(shared, prepared, index_entries, &mut results);
        results
    }

    /// Checks a request against the writer state and decides its events.
    ///
    /// Entity heads advance in place as items are decided (later items of
    /// the same request build on earlier ones); if any item fails its
    /// check, every head and new entity is put back as it was.
    fn prepare(
        &mut self,
        shared: &Shared,
        request: &mut WriteRequest,
    ) -> Result<Prepared, WriteFailure> {
        let config = &shared.config;
        let frame_bound = frame_upper_bound(&request.events);
        if frame_bound > config.max_frame_bytes {
            return Err(WriteFailure::whole(AppendError::FrameTooLarge {
                len: frame_bound,
                max: config.max_frame_bytes,
            }));
        }
        let heads_before = self.heads.len();
        let mut undo = std::mem::take(&mut self.undo);
        undo.clear();
        let mut new_entities: Vec<Coordinate> = Vec::new();
        let decided = self.decide(request, &mut undo, &mut new_entities);
        if decided.is_err() {
            for (entity, head) in undo.drain(..).rev() {
                self.heads[entity as usize] = head;
            }
            for coordinate in &new_entities {
                self.entity_ids.remove(coordinate);
            }
            if !new_entities.is_empty() {
                self.recent.fill(None);
            }
            self.heads.truncate(heads_before);
        }
        self.undo = undo;
        let Decided {
            receipts,
            repeats,
            events,
            batch_keys,
            next_global,
        } = decided?;
        for (key, (fp, at)) in batch_keys {
            self.idempotency.insert(
                key,
                IdemRecord {
                    fingerprint: fp,
                    receipt: receipts[at].clone(),
                },
            );
        }
        self.next_global = next_global;
        Ok(Prepared {
            receipts,
            repeats,
            events,
            new_entities,
        })
    }

    /// The entity id of a coordinate, registering it (as new in this
    /// request) if the store has never seen it.
    fn entity_of(&mut self, coordinate: &Coordinate, new_entities: &mut Vec<Coordinate>) -> u32 {
        let first = recent_set(coordinate);
        if let Some(ways) = self.recent.get_mut(first..first + RECENT_WAYS) {
            for way in 0..ways.len() {
                if let Some((seen, id)) = &ways[way] {
                    if same_names(seen, coordinate) {
                        let id = *id;
                        // Most recent first: what is left last goes first.
                        ways[..=way].rotate_right(1);
                        return id;
                    }
                }
            }
        }
        let id = match self.entity_ids.get(coordinate) {
            Some(id) => *id,
            None => {
                new_entities.push(coordinate.clone());
                self.restore_entity(coordinate.clone())
            }
        };
        if let Some(ways) = self.recent.get_mut(first..first + RECENT_WAYS) {
            ways.rotate_right(1);
            ways[0] = Some((coordinate.clone(), id));
        }
        id
    }

    /// Decides the request's events, advancing entity heads in place and
    /// logging each head's previous value in `undo`.
    fn decide(
        &mut self,
        request: &mut WriteRequest,
        undo: &mut Vec<(u32, Head)>,
        new_entities: &mut Vec<Coordinate>,
    ) -> Result<Decided, WriteFailure> {
        let mut batch_keys: HashMap<IdempotencyKey, ([u8; 16], usize)> = HashMap::new();
        let mut receipts: Vec<AppendReceipt> = Vec::with_capacity(request.events.len());
        let mut repeats = Vec::with_capacity(request.events.len());
        let mut events: Vec<NewEvent> = Vec::with_capacity(request.events.len());
        let mut next_global = self.next_global;
        let now = crate::event::now_micros();
        // The request's events are consumed: payloads and coordinates move
        // into the new events (a failed request has no further use for them).
        for (i, item) in std::mem::take(&mut request.events).into_iter().enumerate() {
            let fail = |error| WriteFailure {
                item: Some(i),
                error,
            };
            if let Some(key) = item.options.idempotency_key {
                let fp = fingerprint(
                    &item.coordinate,
                    item.kind,
                    item.payload_version,
                    &item.payload,
                );
                let earlier = self
                    .idempotency
                    .get(&key)
                    .map(|r| (r.fingerprint, r.receipt.clone()))
                    .or_else(|| {
                        batch_keys
                            .get(&key)
                            .map(|(f, at)| (*f, receipts[*at].clone()))
                    });
                if let Some((original_fp, receipt)) = earlier {
                    if original_fp != fp {
                        return Err(fail(AppendError::IdempotencyConflict {
                            key,
                            original: receipt.event_id,
                        }));
                    }
                    receipts.push(receipt);
                    repeats.push(true);
                    continue;
                }
                batch_keys.insert(key, (fp, i));
            }
            let entity = self.entity_of(&item.coordinate, new_entities);
            let head = self.heads[entity as usize];
            if let Some(expected) = item.options.expected_sequence {
                if expected != head.next {
                    return Err(fail(AppendError::SequenceMismatch {
                        coordinate: item.coordinate.clone(),
                        expected,
                        actual: head.next,
                    }));
                }
            }
            let causation_id = match item.cause_item {
                None => item.options.causation_id,
                Some(j) => match receipts.get(j) {
                    Some(r) if j < i => Some(CausationId::from(r.event_id)),
                    _ => return Err(fail(AppendError::CauseOutOfRange { cause: j })),
                },
            };
            let (event_id, timestamp_micros) = self.clock.next_at(now);
            let mut fields = EventFields {
                event_id,
                global_sequence: next_global,
                entity_sequence: head.next,
                timestamp_micros,
                kind: item.kind,
                payload_version: item.payload_version,
                coordinate_ref: 0,
                hash: EventHash::GENESIS,
                correlation_id: item
                    .options
                    .correlation_id
                    .filter(|c| *c != CorrelationId::from(event_id)),
                causation_id,
                idempotency_key: item.options.idempotency_key,
            };
            fields.hash = frame::chain_hash(
                &head.hash,
                &fields,
                item.coordinate.entity(),
                item.coordinate.scope(),
                &item.payload,
            );
            undo.push((entity, head));
            self.heads[entity as usize] = Head {
                next: head.next + 1,
                hash: fields.hash,
            };
            receipts.push(AppendReceipt {
                event_id,
                global_sequence: next_global,
                entity_sequence: head.next,
                hash: fields.hash,
                durable: false,
                timestamp_micros: fields.timestamp_micros,
                kind: item.kind,
            });
            repeats.push(false);
            events.push(NewEvent {
                fields,
                entity,
                coordinate: item.coordinate,
                prev_hash: head.hash,
                payload: item.payload,
            });
            next_global += 1;
        }
        Ok(Decided {
            receipts,
            repeats,
            events,
            batch_keys,
            next_global,
        })
    }

    /// Appends the request's frame to the write buffer, rotating segments
    /// first if it would not fit; returns the index entries of its events.
    fn frame(&mut self, shared: &Shared, p: &Prepared) -> Result<Vec<IndexEntry>, AppendError> {
        let len = self.frame_len(p);
        let used = self.write_offset + self.buf.len() as u64;
        if used + len as u64 > shared.config.segment_size && used > SEGMENT_HEADER_LEN as u64 {
            self.flush(shared)?;
            self.rotate(shared, p.events[0].fields.global_sequence)?;
        }
        let base = self.write_offset + self.buf.len() as u64;
        let start = frame::begin_frame(&mut self.buf, RecordTag::Commit);
        let mut defs: Vec<(u32, &Coordinate)> = Vec::new();
        for ev in &p.events {
            if self.interned(ev.entity).is_none() {
                let local = self.seg_intern_count;
                self.intern(ev.entity, local);
                defs.push((local, &ev.coordinate));
            }
        }
        frame::put_commit_prefix(&mut self.buf, defs.len() as u32, p.events.len() as u32);
        for (local, coord) in defs {
            frame::put_coord_def(&mut self.buf, local, coord.entity(), coord.scope());
        }
        let mut entries = Vec::with_capacity(p.events.len());
        for (n, ev) in p.events.iter().enumerate() {
            if n > 0 && n == p.events.len() / 2 {
                super::fault::point(&shared.config, super::fault::names::MID_BATCH);
            }
            let mut fields = ev.fields;
            fields.coordinate_ref = self.interned(ev.entity).unwrap_or(0);
            let at = base + (self.buf.len() - start) as u64;
            frame::put_event(&mut self.buf, &fields, &ev.payload);
            let offset = u32::try_from(at).map_err(|_| AppendError::FrameTooLarge {
                len,
                max: shared.config.max_frame_bytes,
            })?;
            entries.push(IndexEntry {
                event_id: fields.event_id.to_bytes(),
                segment: self.active_pos,
                offset,
                len: fields.record_len(ev.payload.len()) as u32,
                entity: ev.entity,
                kind: fields.kind.to_raw(),
            });
        }
        frame::finish_frame(&mut self.buf, start).map_err(|_| AppendError::FrameTooLarge {
            len,
            max: shared.config.max_frame_bytes,
        })?;
        Ok(entries)
    }

    /// Exact size of the request's frame if framed now.
    fn frame_len(&self, p: &Prepared) -> usize {
        let mut seen: Vec<u32> = Vec::new();
        let mut len = frame::FRAME_HEADER_LEN + frame::COMMIT_PREFIX_LEN;
        for ev in &p.events {
            if self.interned(ev.entity).is_none() && !seen.contains(&ev.entity) {
                seen.push(ev.entity);
                len += coord_def_len(&ev.coordinate);
            }
            len += ev.fields.record_len(ev.payload.len());
        }
        len
    }

    /// Writes the buffer at the end of the active segment.
    fn flush(&mut self, shared: &Shared) -> Result<(), AppendError> {
        super::fault::point(&shared.config, super::fault::names::BEFORE_FRAME_WRITE);
        if let Err(e) = shared
            .config
            .io
            .write_at(&self.active.file, &self.buf, self.write_offset)
        {
            return Err(self.fail("write a segment", &e));
        }
        self.write_offset += self.buf.len() as u64;
        self.active
            .published_len
            .store(self.write_offset, Ordering::Release);
        self.buf.clear();
        Ok(())
    }

    /// Syncs the active segment; everything written so far is durable.
    pub(crate) fn sync(&mut self, shared: &Shared) -> Result<(), AppendError> {
        if let Some(reason) = &self.poisoned {
            return Err(AppendError::Poisoned {
                reason: reason.clone(),
            });
        }
        if let Err(e) = shared.config.io.sync_data(&self.active.file) {
            return Err(self.fail("sync a segment", &e));
        }
        // Called with every prepared event already written.
        shared.mark_synced(self.next_global);
        Ok(())
    }

    /// Syncs the full segment and starts the next one.
    fn rotate(&mut self, shared: &Shared, first_global_sequence: u64) -> Result<(), AppendError> {
        if let Err(e) = shared.config.io.sync_data(&self.active.file) {
            return Err(self.fail("sync a segment", &e));
        }
        shared.mark_synced(first_global_sequence);
        super::fault::point(&shared.config, super::fault::names::SEGMENT_ROTATION);
        let number = self.active.number + 1;
        let created = segment::create_segment(
            shared.config.io.as_ref(),
            &shared.config.dir,
            number,
            first_global_sequence,
        );
        let seg = match created {
            Ok(seg) => Arc::new(seg),
            Err(e) => return Err(self.fail("create a new segment", &e)),
        };
        let mut segments = shared
            .segments
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        segments.push(Arc::clone(&seg));
        self.active_pos = (segments.len() - 1) as u32;
        drop(segments);
        self.active.sealed.store(true, Ordering::Release);
        self.active = seg;
        self.write_offset = SEGMENT_HEADER_LEN as u64;
        self.seg_interns.clear();
        self.seg_intern_count = 0;
        Ok(())
    }

    fn fail(&mut self, operation: &'static str, e: &std::io::Error) -> AppendError {
        let reason = format!("{operation} failed: {e}");
        self.poison(reason.clone());
        AppendError::WriteFailed {
            operation,
            reason: e.to_string(),
        }
    }

    /// Makes the group's events visible to readers and listeners and fills
    /// in the results.
    fn publish(
        &mut self,
        shared: &Shared,
        prepared: Vec<(usize, Prepared)>,
        index_entries: Vec<Vec<IndexEntry>>,
        results: &mut [WriteResult],
    ) {
        let synced = shared.synced_upto.load(Ordering::Acquire);
        {
            let mut index = shared.index.write().unwrap_or_else(PoisonError::into_inner);
            for ((_, p), entries) in prepared.iter().zip(&index_entries) {
                for coordinate in &p.new_entities {
                    index.add_entity(coordinate.clone());
                }
                for (entry, ev) in entries.iter().zip(&p.events) {
                    index.push(*entry, ev.fields.hash);
                }
            }
        }
        let listeners = shared
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (at, mut p) in prepared {
            if !listeners.is_empty() && !p.events.is_empty() {
                let batch = CommittedBatch {
                    events: p.events.drain(..).map(stored_event).collect(),
                };
                for listener in &listeners {
                    listener(&batch);
                }
            }
            for (receipt, _) in p.receipts.iter_mut().zip(&p.repeats) {
                receipt.durable = receipt.global_sequence < synced;
            }
            results[at] = Ok(p.receipts);
        }
    }
}

fn stored_event(ev: NewEvent) -> StoredEvent<Vec<u8>> {
    let f = ev.fields;
    StoredEvent {
        coordinate: ev.coordinate,
        event: Event {
            header: f.header(),
            payload: ev.payload,
        },
        prev_hash: ev.prev_hash,
        hash: f.hash,
    }
}

fn coord_def_len(c: &Coordinate) -> usize {
    4 + 2 + c.entity().len() + 2 + c.scope().len()
}

/// The largest the request's frame body can be (every coordinate defined).
fn frame_upper_bound(events: &[BatchItem]) -> usize {
    frame::COMMIT_PREFIX_LEN
        + events
            .iter()
            .map(|e| coord_def_len(&e.coordinate) + frame::EVENT_FIXED_LEN + 48 + e.payload.len())
            .sum::<usize>()
}

/// What identifies "the same event" for idempotency: coordinate, kind,
/// payload version and payload bytes.
pub(crate) fn fingerprint(
    coordinate: &Coordinate,
    kind: EventKind,
    payload_version: u16,
    payload: &[u8],
) -> [u8; 16] {
    let mut h = blake3::Hasher::new();
    h.update(b"batpak/idempotency/v1");
    for s in [coordinate.entity(), coordinate.scope()] {
        h.update(&(s.len() as u16).to_le_bytes());
        h.update(s.as_bytes());
    }
    h.update(&kind.to_raw().to_le_bytes());
    h.update(&payload_version.to_le_bytes());
    h.update(payload);
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}
