//! The writer state ([`Core`]) and what the leader does with a group:
//! check CAS and idempotency in order, decide ids, sequences and hashes
//! (`core/decide.rs`), frame, write, sync, rotate segments, publish to the
//! index and notify commit listeners.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};

use crate::coordinate::Coordinate;
use crate::event::{Event, EventHash, StoredEvent};

use super::clock::IdClock;
use super::error::AppendError;
use super::frame::{self, EventFields, RecordTag, SEGMENT_HEADER_LEN};
use super::index::IndexEntry;
use super::segment::{self, SegmentFile};
use super::writer::{CommittedBatch, WriteFailure, WriteRequest, WriteResult};
use super::{AppendReceipt, Durability, IdempotencyKey, Shared};

mod decide;

pub(crate) use decide::fingerprint;

/// Marks an entity not yet defined in the active segment.
const NOT_INTERNED: u32 = u32::MAX;

/// The longest event list kept for reuse ([`Core::spare_events`]): the
/// default batch limit's worth, so one huge batch does not pin memory.
const MAX_SPARE_EVENTS: usize = super::limits::DEFAULT_MAX_BATCH_ITEMS;

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
    /// Set with `poisoned`, shared with the flusher (which never takes the
    /// writer lock).
    pub(crate) poison_flag: Arc<AtomicBool>,
    buf: Vec<u8>,
    /// Scratch for [`Core::prepare`]: entity heads before each change.
    undo: Vec<(u32, Head)>,
    /// The emptied event list of the last published request, reused by
    /// the next: a 1000-item batch's list is ~260 KB, which the allocator
    /// would otherwise map, fault in and unmap again for every batch.
    spare_events: Vec<NewEvent>,
    /// Recently appended coordinates by the address of their names: a hit
    /// skips hashing the names (callers usually reuse one `Coordinate` per
    /// entity, whose clones share those addresses). Each slot holds a clone,
    /// so an address seen here cannot be reused by other names meanwhile.
    /// Two-way sets, most recent first: a direct-mapped table let two
    /// entities that share a slot evict each other on every append.
    recent: Vec<Option<(Coordinate, u32)>>,
}

/// One new event, decided and hashed, waiting to be framed.
#[derive(Debug)]
struct NewEvent {
    fields: EventFields,
    entity: u32,
    coordinate: Coordinate,
    prev_hash: EventHash,
    payload: Vec<u8>,
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
            poison_flag: Arc::default(),
            buf: Vec::with_capacity(64 * 1024),
            undo: Vec::new(),
            spare_events: Vec::new(),
            recent: vec![None; decide::RECENT_SLOTS],
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
            self.poison_flag.store(true, Ordering::Release);
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
            p.events.clear();
            if p.events.capacity() > self.spare_events.capacity()
                && p.events.capacity() <= MAX_SPARE_EVENTS
            {
                self.spare_events = p.events;
            }
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

pub(super) fn coord_def_len(c: &Coordinate) -> usize {
    4 + 2 + c.entity().len() + 2 + c.scope().len()
}
