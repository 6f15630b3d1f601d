//! Deciding a request's events: CAS and idempotency checks in item order,
//! entity ids (through a cache of recently used coordinates), event ids,
//! sequences and chain hashes. Nothing here touches the files; a request
//! that fails leaves the writer state as it was.

use std::collections::HashMap;

use crate::coordinate::Coordinate;
use crate::event::{EventHash, EventKind};
use crate::id::{CausationId, CorrelationId};
use crate::store::error::AppendError;
use crate::store::frame::{self, EventFields};
use crate::store::writer::{WriteFailure, WriteRequest};
use crate::store::{AppendReceipt, BatchItem, IdempotencyKey, Shared};

use super::{coord_def_len, Core, Head, IdemRecord, NewEvent, Prepared};

/// Sets in [`Core::recent`] (a power of two), of [`RECENT_WAYS`] slots each.
const RECENT_SETS: usize = 512;
/// Slots per set of [`Core::recent`].
const RECENT_WAYS: usize = 2;
/// Slots in [`Core::recent`].
pub(super) const RECENT_SLOTS: usize = RECENT_SETS * RECENT_WAYS;

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

/// What [`Core::decide`] settled for a request, before it is applied.
struct Decided {
    receipts: Vec<AppendReceipt>,
    repeats: Vec<bool>,
    events: Vec<NewEvent>,
    /// Idempotency keys first seen in this request: fingerprint and item.
    batch_keys: HashMap<IdempotencyKey, ([u8; 16], usize)>,
    next_global: u64,
}

impl Core {
    /// Checks a request against the writer state and decides its events.
    ///
    /// Entity heads advance in place as items are decided (later items of
    /// the same request build on earlier ones); if any item fails its
    /// check, every head and new entity is put back as it was.
    pub(super) fn prepare(
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
        let mut events: Vec<NewEvent> = std::mem::take(&mut self.spare_events);
        events.clear();
        events.reserve(request.events.len());
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
