//! The store's delivery hub: one commit listener (registered on first use)
//! that feeds lossy subscribers and wakes waiting cursors.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::coordinate::Region;
use crate::event::StoredEvent;
use crate::store::CommittedBatch;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One lossy subscriber as the hub sees it.
pub(crate) struct LossySender {
    pub(crate) region: Region,
    pub(crate) tx: flume::Sender<Vec<StoredEvent<Vec<u8>>>>,
    pub(crate) missed: Arc<AtomicU64>,
}

/// Subscribers, the commit counter cursors wait on, and the cursor names in
/// use.
#[derive(Default)]
pub(crate) struct Hub {
    listening: Mutex<bool>,
    lossy: Mutex<Vec<LossySender>>,
    lossy_count: AtomicUsize,
    commits: Mutex<u64>,
    committed: Condvar,
    cursor_names: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("lossy", &self.lossy_count.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// Registers the hub's commit listener once (through `register`).
    pub(crate) fn ensure_listening(self: &Arc<Hub>, register: impl FnOnce(Arc<Hub>)) {
        let mut listening = lock(&self.listening);
        if !*listening {
            register(Arc::clone(self));
            *listening = true;
        }
    }

    /// Called by the writer after each commit, with the writer lock held:
    /// never blocks (`try_send`), counts what a full subscriber misses,
    /// drops disconnected ones, then wakes waiting cursors.
    pub(crate) fn on_commit(&self, batch: &CommittedBatch) {
        if self.lossy_count.load(Ordering::Acquire) > 0 {
            let mut subs = lock(&self.lossy);
            subs.retain(|sub| {
                let events: Vec<_> = batch
                    .events
                    .iter()
                    .filter(|e| {
                        sub.region.matches(
                            &e.coordinate,
                            e.header().kind,
                            e.header().global_sequence,
                        )
                    })
                    .cloned()
                    .collect();
                if events.is_empty() {
                    return !sub.tx.is_disconnected();
                }
                let n = events.len() as u64;
                match sub.tx.try_send(events) {
                    Ok(()) => true,
                    Err(flume::TrySendError::Full(_)) => {
                        sub.missed.fetch_add(n, Ordering::AcqRel);
                        true
                    }
                    Err(flume::TrySendError::Disconnected(_)) => false,
                }
            });
            self.lossy_count.store(subs.len(), Ordering::Release);
        }
        *lock(&self.commits) += 1;
        self.committed.notify_all();
    }

    /// Adds a lossy subscriber.
    pub(crate) fn add_lossy(&self, sender: LossySender) {
        let mut subs = lock(&self.lossy);
        subs.push(sender);
        self.lossy_count.store(subs.len(), Ordering::Release);
    }

    /// Lossy subscribers still registered (disconnected ones are pruned at
    /// the next commit).
    pub(crate) fn lossy_subscribers(&self) -> usize {
        self.lossy_count.load(Ordering::Acquire)
    }

    /// The number of commits notified so far.
    pub(crate) fn commits(&self) -> u64 {
        *lock(&self.commits)
    }

    /// Waits until a commit after `seen` or until `deadline` (`None`: no
    /// deadline); returns at once if one already happened.
    pub(crate) fn wait_for_commit(&self, seen: u64, deadline: Option<Instant>) {
        let mut commits = lock(&self.commits);
        while *commits == seen {
            commits = match deadline {
                None => self
                    .committed
                    .wait(commits)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    self.committed
                        .wait_timeout(commits, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Claims a cursor name; `false` if a live cursor holds it.
    pub(crate) fn claim_cursor(&self, name: &str) -> bool {
        lock(&self.cursor_names).insert(name.to_owned())
    }

    /// Releases a cursor name.
    pub(crate) fn release_cursor(&self, name: &str) {
        lock(&self.cursor_names).remove(name);
    }
}
