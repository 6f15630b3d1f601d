//! The writer: a leader/follower write group.
//!
//! Callers encode their payloads on their own thread, then queue a
//! [`WriteRequest`]. The first caller to find no active leader becomes the
//! leader: it takes everything queued, checks CAS and idempotency in queue
//! order, frames every request (one frame per request, so a batch is one
//! frame), writes them with as few `write` calls as possible, syncs once if
//! any request asked for durability, publishes the events to the index,
//! notifies commit listeners, and wakes the followers with their receipts.
//! Then it hands leadership to the next queued caller, if any.
//!
//! A single caller therefore pays no thread hand-off, and concurrent durable
//! callers share one `fdatasync` (group commit). See docs/PERFORMANCE.md for
//! the measurements behind this choice.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::event::StoredEvent;

use super::core::Core;
use super::error::AppendError;
use super::{AppendReceipt, BatchItem, Durability, Shared};

/// Groups a leader serves after its own request is done, if more queued.
const EXTRA_GROUPS: u32 = 2;

/// Most requests one leader takes into one group.
const MAX_GROUP_REQUESTS: usize = 1024;

/// One all-or-nothing write: one frame on disk.
#[derive(Debug)]
pub(crate) struct WriteRequest {
    /// Checked by `Store::write_items` for what needs no writer state.
    pub(crate) events: Vec<BatchItem>,
    pub(crate) durability: Durability,
}

/// Why a request failed: the item it concerns (if one) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriteFailure {
    pub(crate) item: Option<usize>,
    pub(crate) error: AppendError,
}

impl WriteFailure {
    pub(crate) fn whole(error: AppendError) -> WriteFailure {
        WriteFailure { item: None, error }
    }
}

pub(crate) type WriteResult = Result<Vec<AppendReceipt>, WriteFailure>;

/// The events of one committed request, handed to commit listeners in
/// commit order (whole batches together).
#[derive(Debug, Clone)]
pub(crate) struct CommittedBatch {
    pub(crate) events: Vec<StoredEvent<Vec<u8>>>,
}

/// A function called by the writer after each commit.
pub(crate) type CommitListener = Arc<dyn Fn(&CommittedBatch) + Send + Sync>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// The queue and the leader hand-off

#[derive(Debug)]
enum SlotState {
    Waiting,
    Lead,
    Done(WriteResult),
}

/// Where a queued caller waits for its result (or for leadership).
///
/// A follower usually gets its answer within microseconds (buffered) or one
/// sync (durable). Sleeping on a condition variable costs two context
/// switches per append, which on two cores halves throughput, so a follower
/// first spins briefly on `signalled` and only then sleeps.
#[derive(Debug)]
struct Slot {
    state: Mutex<SlotState>,
    signalled: AtomicBool,
    sleeping: AtomicBool,
    cv: Condvar,
}

/// Spin iterations before a follower sleeps (tens of microseconds).
const SPIN_LIMIT: u32 = 20_000;

impl Slot {
    fn new() -> Slot {
        Slot {
            state: Mutex::new(SlotState::Waiting),
            signalled: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            cv: Condvar::new(),
        }
    }

    fn set(&self, state: SlotState) {
        let mut guard = lock(&self.state);
        *guard = state;
        self.signalled.store(true, Ordering::SeqCst);
        if self.sleeping.load(Ordering::SeqCst) {
            self.cv.notify_one();
        }
    }

    /// Waits until this slot is done or asked to lead; returns `None` for lead.
    /// `spin`: whether the answer is expected within microseconds (a
    /// buffered write); a durable one waits for a disk sync, so it sleeps at
    /// once instead of taking CPU from the leader.
    fn wait(&self, spin: bool) -> Option<WriteResult> {
        let mut spins = 0u32;
        let limit = if spin { SPIN_LIMIT } else { 0 };
        while !self.signalled.load(Ordering::Acquire) && spins < limit {
            if spins % 64 == 63 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
            spins += 1;
        }
        let mut state = lock(&self.state);
        self.sleeping.store(true, Ordering::SeqCst);
        loop {
            match std::mem::replace(&mut *state, SlotState::Waiting) {
                SlotState::Waiting => {
                    state = self.cv.wait(state).unwrap_or_else(PoisonError::into_inner);
                }
                SlotState::Lead => {
                    self.signalled.store(false, Ordering::SeqCst);
                    return None;
                }
                SlotState::Done(result) => return Some(result),
            }
        }
    }

    fn take_done(&self) -> Option<WriteResult> {
        let mut state = lock(&self.state);
        match std::mem::replace(&mut *state, SlotState::Waiting) {
            SlotState::Done(result) => Some(result),
            other => {
                *state = other;
                None
            }
        }
    }
}

#[derive(Debug, Default)]
struct Queue {
    pending: VecDeque<(WriteRequest, Arc<Slot>)>,
    leader_active: bool,
    closed: bool,
    /// Callers waiting for room in a full queue.
    room_waiters: usize,
}

/// The write group: the queue of waiting requests and the writer state.
#[derive(Debug)]
pub(crate) struct Writer {
    queue: Mutex<Queue>,
    room: Condvar,
    pub(crate) core: Mutex<Core>,
    capacity: usize,
}

impl Writer {
    pub(crate) fn new(core: Core, capacity: usize) -> Writer {
        Writer {
            queue: Mutex::new(Queue::default()),
            room: Condvar::new(),
            core: Mutex::new(core),
            capacity,
        }
    }

    /// Refuses every later request with [`AppendError::Closed`].
    pub(crate) fn close_queue(&self) {
        lock(&self.queue).closed = true;
        self.room.notify_all();
    }
}

/// Writes `request` through the write group and returns its receipts.
pub(crate) fn submit(shared: &Shared, request: WriteRequest) -> WriteResult {
    let writer = &shared.writer;
    let slot = Arc::new(Slot::new());
    let spin = request.durability == Durability::Buffered;
    {
        let mut q = lock(&writer.queue);
        while q.pending.len() >= writer.capacity && !q.closed {
            q.room_waiters += 1;
            q = writer.room.wait(q).unwrap_or_else(PoisonError::into_inner);
            q.room_waiters -= 1;
        }
        if q.closed {
            return Err(WriteFailure::whole(AppendError::Closed));
        }
        q.pending.push_back((request, Arc::clone(&slot)));
        if q.leader_active {
            drop(q);
            if let Some(result) = slot.wait(spin) {
                return result;
            }
        } else {
            q.leader_active = true;
        }
    }
    lead(shared, &slot)
}

/// Runs groups until `own` is done, then hands leadership on.
fn lead(shared: &Shared, own: &Slot) -> WriteResult {
    let writer = &shared.writer;
    let mut handoff = HandOff {
        writer,
        group: Vec::new(),
    };
    let mut own_result = None;
    let mut extra_groups = 0;
    loop {
        if !take_queued(writer, &mut handoff.group) {
            break;
        }
        let mut core = lock(&writer.core);
        // A panic while committing (a bug, or an injected fault) fails the
        // group and poisons the store instead of unwinding into the caller.
        let committed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            core.commit_group(
                shared,
                &mut handoff.group,
                |(request, _)| request,
                |group| take_queued(writer, group),
            )
        }));
        let results = committed.unwrap_or_else(|_| {
            let reason = "the writer panicked".to_string();
            core.poison(reason.clone());
            handoff
                .group
                .iter()
                .map(|_| {
                    Err(WriteFailure::whole(AppendError::Poisoned {
                        reason: reason.clone(),
                    }))
                })
                .collect()
        });
        drop(core);
        for ((_, slot), result) in handoff.group.drain(..).zip(results) {
            slot.set(SlotState::Done(result));
        }
        if own_result.is_none() {
            own_result = own.take_done();
        }
        // Once its own request is done, the leader serves a few more groups
        // that queued meanwhile: cheaper than waking the next caller to lead.
        if own_result.is_some() {
            extra_groups += 1;
            if extra_groups > EXTRA_GROUPS {
                break;
            }
        }
    }
    drop(handoff);
    own_result.unwrap_or_else(|| {
        // Unreachable: the own request was queued before leading began and
        // groups are taken from the front; fail safe rather than panic.
        Err(WriteFailure::whole(AppendError::Closed))
    })
}

/// Moves queued requests (up to the group limit) into `group`; returns
/// whether there were any.
fn take_queued(writer: &Writer, group: &mut Vec<(WriteRequest, Arc<Slot>)>) -> bool {
    let mut q = lock(&writer.queue);
    let n = q
        .pending
        .len()
        .min(MAX_GROUP_REQUESTS.saturating_sub(group.len()));
    if n == 0 {
        return false;
    }
    group.extend(q.pending.drain(..n));
    if q.room_waiters > 0 {
        writer.room.notify_all();
    }
    true
}

/// Passes leadership on when the leader leaves, normally or by panic; a
/// panicking leader fails its group instead of leaving followers waiting.
struct HandOff<'a> {
    writer: &'a Writer,
    group: Vec<(WriteRequest, Arc<Slot>)>,
}

impl Drop for HandOff<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(&self.writer.core).poison("the writer panicked".into());
            for (_, slot) in self.group.drain(..) {
                slot.set(SlotState::Done(Err(WriteFailure::whole(
                    AppendError::Poisoned {
                        reason: "the writer panicked".into(),
                    },
                ))));
            }
        }
        let mut q = lock(&self.writer.queue);
        match q.pending.front() {
            Some((_, next)) => next.set(SlotState::Lead),
            None => q.leader_active = false,
        }
    }
}
