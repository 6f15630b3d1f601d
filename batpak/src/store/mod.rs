//! PERSIST: the segment store.
//!
//! A [`Store`] is a directory of append-only segment files holding
//! hash-chained events (format: docs/FORMAT.md), an in-memory index rebuilt
//! on open, and one writer (a leader/follower write group) that checks
//! compare-and-swap and idempotency in write order. Readers never wait for
//! the writer: they consult the index and read the files positionally.
//!
//! # Examples
//!
//! ```
//! use batpak::prelude::*;
//! use batpak::store::{Store, StoreConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(StoreConfig::new(dir.path()))?;
//! let coord = Coordinate::new("account-7", "bank")?;
//! let receipt = store.append(&coord, EventKind::custom(1, 1), &("deposit", 250))?;
//! assert_eq!(receipt.entity_sequence, 0);
//! let event = store.get(receipt.event_id)?.expect("just written");
//! assert_eq!(event.coordinate, coord);
//! store.close()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod append;
mod batch;
mod cache;
mod clock;
mod config;
mod core;
mod error;
#[cfg(feature = "fault-injection")]
pub mod fault;
#[cfg(not(feature = "fault-injection"))]
pub(crate) mod fault;
mod flusher;
pub(crate) mod frame;
pub(crate) mod fuzz;
mod gates;
mod index;
pub(crate) mod io;
mod limits;
mod map;
mod open;
mod query;
mod read;
pub(crate) mod segment;
mod transition;
mod typed;
mod types;
mod verify;
mod writer;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;

use crate::event::KindRegistry;

pub use batch::BatchItem;
pub use config::{
    Durability, StoreConfig, DEFAULT_BUFFERED_SYNC_EVERY, DEFAULT_BUFFERED_SYNC_INTERVAL,
    DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_READ_CACHE_BYTES,
    DEFAULT_SEGMENT_SIZE, DEFAULT_WRITER_QUEUE_CAPACITY, MAX_FRAME_BYTES, MAX_SEGMENT_SIZE,
};
pub use error::{AppendError, BatchError, CloseError, OpenError, ReadError};
pub use frame::FormatError;
pub use gates::{BypassCommit, CommitError};
pub use limits::{DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_ITEMS};
pub use query::Query;
pub use read::{Ancestors, IndexMemory};
pub use transition::LoadError;
pub use typed::TypedQuery;
pub use types::{
    AppendOptions, AppendReceipt, Closed, IdempotencyKey, RecoveryReport, TruncatedTail,
};
pub use verify::{BrokenLink, ChainReport, LinkProblem};

use writer::Writer;
pub(crate) use writer::{CommitListener, CommittedBatch};

/// State shared by the store handle, the writer and the flusher.
pub(crate) struct Shared {
    pub(crate) config: StoreConfig,
    pub(crate) index: RwLock<index::Index>,
    pub(crate) segments: RwLock<Vec<Arc<segment::SegmentFile>>>,
    pub(crate) writer: Writer,
    /// Global sequence below which every event is synced.
    pub(crate) synced_upto: AtomicU64,
    /// Guards `durable_cv`, signalled whenever `synced_upto` advances.
    pub(crate) durable_lock: Mutex<()>,
    pub(crate) durable_cv: Condvar,
    /// Global sequence below which every event is written to a file.
    pub(crate) written_upto: AtomicU64,
    pub(crate) listeners: RwLock<Vec<CommitListener>>,
    /// Lossy subscribers and cursor wake-ups (issue 8).
    pub(crate) hub: Arc<crate::subscription::Hub>,
    /// `Store::project`'s cached states (issue 8).
    pub(crate) projections: crate::projection::MemoryCache,
    /// Blocks of segments read by point reads.
    pub(crate) cache: cache::BlockCache,
    recovery: RecoveryReport,
    flusher_stop: Mutex<bool>,
    flusher_cv: Condvar,
    /// The writer's poison flag ([`core::Core::poison_flag`]), for the
    /// flusher.
    poisoned: Arc<std::sync::atomic::AtomicBool>,
    /// Held for the lifetime of the store: the OS lock on `LOCK`.
    _lock: std::fs::File,
    /// Which Rust type owns each kind, claimed at each type's first typed
    /// append or read (see `typed.rs`).
    pub(crate) kinds: KindRegistry,
}

/// An open event store. One per directory (an OS lock enforces it).
///
/// `Store` is `Send + Sync`: share it between threads with `Arc` or scoped
/// threads. Dropping it syncs buffered events best-effort; [`Store::close`]
/// does the same and reports failures.
///
/// # Failure policy
///
/// If writing or syncing fails, or the writer panics (a bug), every append
/// waiting in that write group returns an error (no caller hangs, and the
/// panic does not unwind into callers), and the store is poisoned: every
/// later append, [`Store::sync`] and [`Store::close`] returns
/// [`AppendError::Poisoned`] (or [`CloseError::Poisoned`]); reads keep
/// working. Drop the store and open it again to recover: everything that
/// was acknowledged is there, and a write that failed is there whole or not
/// at all, never in part.
///
/// # Examples
///
/// ```
/// use batpak::prelude::*;
/// use batpak::store::{Store, StoreConfig};
///
/// let dir = tempfile::tempdir()?;
/// let store = Store::open(StoreConfig::new(dir.path()))?;
/// let coord = Coordinate::new("cart-1", "shop")?;
/// store.append(&coord, EventKind::custom(1, 1), &"added apples")?;
/// store.append(&coord, EventKind::custom(1, 1), &"added pears")?;
/// let events: Vec<_> = store.stream(&coord).collect::<Result<_, _>>()?;
/// assert_eq!(events.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Store {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

impl Store {
    /// Opens (or creates) the store in `config.dir()`: takes the directory
    /// lock, scans the segments, truncates a torn tail, and rebuilds the
    /// index without decoding payloads.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Store, StoreConfig, OpenError};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// assert!(store.recovery_report().is_clean());
    /// // A second open of the same directory is refused while the first lives.
    /// let second = Store::open(StoreConfig::new(dir.path()));
    /// assert!(matches!(second, Err(OpenError::Locked { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`OpenError::Locked`] if another store has the directory open;
    /// [`OpenError::Corrupt`] for damage other than a torn tail (unless
    /// [`StoreConfig::repair_on_open`]); [`OpenError::Io`] for file errors.
    pub fn open(config: StoreConfig) -> Result<Store, OpenError> {
        let shared = Arc::new(open::open(config)?);
        let interval = shared.config.buffered_sync_interval;
        let needs_flusher = interval.is_some() || shared.config.buffered_sync_every.is_some();
        let flusher = if needs_flusher {
            let for_thread = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name("batpak-flusher".into())
                .spawn(move || flusher::flusher_loop(&for_thread, interval));
            Some(spawned.map_err(|source| OpenError::Io {
                action: "start the flusher thread for",
                path: shared.config.dir.clone(),
                source,
            })?)
        } else {
            None
        };
        Ok(Store { shared, flusher })
    }

    /// What open found: torn tails truncated, damage repaired.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// store.append(&Coordinate::new("e", "s")?, EventKind::custom(1, 1), &1)?;
    /// store.close()?;
    ///
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// assert!(store.recovery_report().is_clean(), "a clean close leaves nothing to repair");
    /// assert_eq!(store.recovery_report().events, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.shared.recovery
    }

    /// The configuration the store was opened with.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Durability, Store, StoreConfig};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).durability(Durability::Buffered))?;
    /// assert_eq!(store.config().dir(), dir.path());
    /// assert_eq!(store.config().default_durability(), Durability::Buffered);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config(&self) -> &StoreConfig {
        &self.shared.config
    }

    /// Registers a function the writer calls after every commit, with the
    /// committed events of each write (a whole batch together), in commit
    /// order. It runs on the writer's thread with the writer lock held, so
    /// it must be quick and must not append.
    pub(crate) fn add_commit_listener(&self, listener: CommitListener) {
        self.shared
            .listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    /// The delivery hub (subscriptions, cursors).
    pub(crate) fn hub(&self) -> &Arc<crate::subscription::Hub> {
        &self.shared.hub
    }

    /// `Store::project`'s in-memory cache.
    pub(crate) fn projection_cache(&self) -> &crate::projection::MemoryCache {
        &self.shared.projections
    }

    /// Registers the hub's commit listener on first use, so a store without
    /// subscribers or cursors pays nothing per commit.
    pub(crate) fn start_delivery(&self) {
        self.shared.hub.ensure_listening(|hub| {
            self.add_commit_listener(Arc::new(move |batch: &CommittedBatch| hub.on_commit(batch)));
        });
    }

    /// Syncs every buffered event to disk.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig, Durability};
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).durability(Durability::Buffered))?;
    /// let coord = Coordinate::new("log-1", "app")?;
    /// let receipt = store.append(&coord, EventKind::custom(1, 1), &"hello")?;
    /// store.sync()?;
    /// assert!(store.is_durable(receipt.global_sequence));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`AppendError::WriteFailed`] if the sync fails (the store is then
    /// poisoned), [`AppendError::Poisoned`] if it already was.
    pub fn sync(&self) -> Result<(), AppendError> {
        let mut core = self
            .shared
            .writer
            .core
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        core.sync(&self.shared)
    }

    /// Whether the event at `global_sequence` is known to be synced.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Durability, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let config = StoreConfig::new(dir.path())
    ///     .durability(Durability::Buffered)
    ///     .buffered_sync_every(None)
    ///     .buffered_sync_interval(None);
    /// let store = Store::open(config)?;
    /// let receipt = store.append(&Coordinate::new("e", "s")?, EventKind::custom(1, 1), &1)?;
    /// assert!(!store.is_durable(receipt.global_sequence));
    /// store.sync()?;
    /// assert!(store.is_durable(receipt.global_sequence));
    /// assert!(!store.is_durable(receipt.global_sequence + 1), "not written yet");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_durable(&self, global_sequence: u64) -> bool {
        global_sequence < self.shared.synced_upto.load(Ordering::Acquire)
    }

    /// Waits until the event at `global_sequence` is synced, for at most
    /// `timeout`; returns whether it is. For a buffered append whose caller
    /// must not answer before the event is durable, without forcing a sync
    /// of its own ([`Store::sync`] does that).
    ///
    /// Returns `false` at the timeout, which is also what a poisoned store
    /// (one that can no longer sync) gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use batpak::prelude::*;
    ///
    /// let dir = tempfile::tempdir()?;
    /// // Buffered appends, synced by the background flusher every 2 events.
    /// let store = Store::open(
    ///     StoreConfig::new(dir.path())
    ///         .durability(Durability::Buffered)
    ///         .buffered_sync_every(Some(2)),
    /// )?;
    /// let coord = Coordinate::new("log-1", "app")?;
    /// let first = store.append(&coord, EventKind::custom(1, 1), &"a")?;
    /// assert!(!first.durable);
    /// store.append(&coord, EventKind::custom(1, 1), &"b")?;
    /// assert!(store.wait_durable(first.global_sequence, Duration::from_secs(30)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_durable(&self, global_sequence: u64, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut guard = self
            .shared
            .durable_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.is_durable(global_sequence) {
                return true;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            guard = self
                .shared
                .durable_cv
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Closes the store: syncs buffered events, stops the background
    /// flusher and releases the directory lock.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// store.append(&Coordinate::new("a", "b")?, EventKind::custom(1, 1), &1)?;
    /// let closed = store.close()?;
    /// assert_eq!(closed.events, 1);
    /// // The lock is released: the directory opens again.
    /// let again = Store::open(StoreConfig::new(dir.path()))?;
    /// assert_eq!(again.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CloseError`] if the final sync fails or the store was poisoned.
    pub fn close(mut self) -> Result<Closed, CloseError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<Closed, CloseError> {
        self.shared.writer.close_queue();
        *self
            .shared
            .flusher_stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.flusher_cv.notify_all();
        if let Some(handle) = self.flusher.take() {
            let _ = handle.join();
        }
        let mut core = self
            .shared
            .writer
            .core
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(reason) = &core.poisoned {
            return Err(CloseError::Poisoned {
                reason: reason.clone(),
            });
        }
        if core.unsynced(&self.shared) > 0 {
            core.sync(&self.shared)
                .map_err(|e| CloseError::SyncFailed {
                    reason: e.to_string(),
                })?;
        }
        Ok(Closed {
            events: core.next_global,
        })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Best effort: a failure here has nowhere to go; the data written
        // is still recovered by the next open.
        let _ = self.shutdown();
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("dir", &self.config.dir)
            .field("synced_upto", &self.synced_upto)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn new_shared(
        config: StoreConfig,
        lock: std::fs::File,
        index: index::Index,
        segments: Vec<Arc<segment::SegmentFile>>,
        core: core::Core,
        recovery: RecoveryReport,
    ) -> Shared {
        let synced = core.next_global;
        let poisoned = Arc::clone(&core.poison_flag);
        let capacity = config.writer_queue_capacity;
        let cache = cache::BlockCache::new(config.read_cache_bytes);
        Shared {
            config,
            index: RwLock::new(index),
            segments: RwLock::new(segments),
            writer: Writer::new(core, capacity),
            synced_upto: AtomicU64::new(synced),
            durable_lock: Mutex::new(()),
            durable_cv: Condvar::new(),
            written_upto: AtomicU64::new(synced),
            listeners: RwLock::new(Vec::new()),
            hub: Arc::default(),
            projections: crate::projection::MemoryCache::default(),
            cache,
            recovery,
            flusher_stop: Mutex::new(false),
            flusher_cv: Condvar::new(),
            poisoned,
            _lock: lock,
            kinds: KindRegistry::new(),
        }
    }
}

#[cfg(test)]
mod tests;
