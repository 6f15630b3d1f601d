//! The background flusher of buffered appends.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use super::segment::SegmentFile;
use super::Shared;

/// The background flusher of buffered appends: wakes every
/// `buffered_sync_interval`, or when the writer reports
/// `buffered_sync_every` unsynced events, and syncs the active segment
/// without holding the writer lock (appends continue meanwhile).
pub(crate) fn flusher_loop(shared: &Shared, interval: Option<std::time::Duration>) {
    loop {
        let mut stop = shared
            .flusher_stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *stop {
            return;
        }
        // A poisoned store syncs nothing more: wait (for `close` or the
        // next interval) rather than spin on a count trigger that stays due.
        if !shared.flush_due() || shared.poisoned.load(Ordering::Acquire) {
            stop = match interval {
                Some(interval) => {
                    shared
                        .flusher_cv
                        .wait_timeout(stop, interval)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => shared
                    .flusher_cv
                    .wait(stop)
                    .unwrap_or_else(PoisonError::into_inner),
            };
            if *stop {
                return;
            }
        }
        drop(stop);
        let Some((segment, upto)) = shared.flush_target() else {
            continue;
        };
        match shared.config.io.sync_data(&segment.file) {
            // A rotation since then synced the older segment itself.
            Ok(()) => shared.mark_synced(upto),
            Err(e) => {
                let mut core = shared
                    .writer
                    .core
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                core.poison(format!("background sync of a segment failed: {e}"));
            }
        }
    }
}

impl Shared {
    /// What the flusher should sync: the active segment, and the global
    /// sequence every event below which it makes durable; `None` if
    /// nothing is unsynced or the store is poisoned. Read without the
    /// writer lock, so appends never wait for the flusher.
    ///
    /// `written_upto` is read first: every event below it was written to
    /// the segment that is last in `segments` at any later moment, or to an
    /// earlier one, which rotation synced before adding its successor.
    fn flush_target(&self) -> Option<(Arc<SegmentFile>, u64)> {
        if self.poisoned.load(Ordering::Acquire) {
            return None;
        }
        let upto = self.written_upto.load(Ordering::Acquire);
        if upto <= self.synced_upto.load(Ordering::Acquire) {
            return None;
        }
        let segments = self.segments.read().unwrap_or_else(PoisonError::into_inner);
        segments.last().map(|segment| (Arc::clone(segment), upto))
    }

    /// Whether the count trigger for buffered appends has been reached.
    pub(crate) fn flush_due(&self) -> bool {
        let written = self.written_upto.load(Ordering::Acquire);
        let synced = self.synced_upto.load(Ordering::Acquire);
        self.config
            .buffered_sync_every
            .is_some_and(|n| written.saturating_sub(synced) >= n)
    }

    /// Records that every event below `upto` is synced and wakes
    /// [`Store::wait_durable`](super::Store::wait_durable) callers. The
    /// notification is made under `durable_lock`, so a waiter that checked
    /// the mark before this store cannot miss it.
    pub(crate) fn mark_synced(&self, upto: u64) {
        self.synced_upto.fetch_max(upto, Ordering::AcqRel);
        let _guard = self
            .durable_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.durable_cv.notify_all();
    }

    /// Asks the flusher to sync now (count trigger reached).
    pub(crate) fn wake_flusher(&self) {
        let _guard = self
            .flusher_stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.flusher_cv.notify_all();
    }
}
