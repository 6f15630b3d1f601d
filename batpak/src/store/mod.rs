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

use serde::Serialize;

use crate::coordinate::Coordinate;
use crate::event::{encode_msgpack, EventKind, EventPayload, KindRegistry};
use crate::id::{CausationId, CorrelationId};

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
    AppendOptions, AppendReceipt, BatchItem, Closed, IdempotencyKey, RecoveryReport, TruncatedTail,
};
pub use verify::{BrokenLink, ChainReport, LinkProblem};

use writer::{Cause, PendingEvent, WriteRequest, Writer};
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

    /// Appends one event whose payload is `payload` encoded as MessagePack
    /// (payload version 1), with the store's default durability.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// let first = store.append(&coord, EventKind::custom(1, 1), &250u64)?;
    /// let second = store.append(&coord, EventKind::custom(1, 1), &100u64)?;
    /// assert_eq!((first.entity_sequence, second.entity_sequence), (0, 1));
    /// assert!(second.durable);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// See [`AppendError`]: encoding, size limits, a system kind, a poisoned
    /// or closed store.
    pub fn append(
        &self,
        coordinate: &Coordinate,
        kind: EventKind,
        payload: &impl Serialize,
    ) -> Result<AppendReceipt, AppendError> {
        self.append_with_options(coordinate, kind, payload, AppendOptions::default())
    }

    /// Appends an [`EventPayload`]: kind from `payload.kind()`, version
    /// `P::VERSION`, bytes from `encode_payload`. The first typed use of `P`
    /// in this store claims its kinds (see [`Store::get_typed`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # use batpak::{PayloadError};
    /// # use serde::{Deserialize, Serialize};
    /// #[derive(Debug, PartialEq, Serialize, Deserialize)]
    /// struct Deposited { cents: u64 }
    /// impl EventPayload for Deposited {
    ///     const KINDS: &'static [EventKind] = &[EventKind::custom(1, 1)];
    ///     const VERSION: u16 = 1;
    ///     const TYPE_NAME: &'static str = "Deposited";
    ///     fn kind(&self) -> EventKind { Self::KINDS[0] }
    ///     fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
    ///         batpak::event::encode_msgpack(Self::TYPE_NAME, self)
    ///     }
    ///     fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
    ///         batpak::event::check_kind::<Self>(kind)?;
    ///         batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
    ///     }
    /// }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// let receipt = store.append_typed(&coord, &Deposited { cents: 250 })?;
    /// let back = store.get_typed::<Deposited>(receipt.event_id)?.unwrap();
    /// assert_eq!(back.payload(), &Deposited { cents: 250 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append`], plus [`AppendError::KindCollision`] if
    /// another Rust type already used one of `P`'s kinds in this store.
    pub fn append_typed<P: EventPayload + 'static>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
    ) -> Result<AppendReceipt, AppendError> {
        self.append_typed_with_options(coordinate, payload, AppendOptions::default())
    }

    /// [`Store::append_typed`] with [`AppendOptions`]: compare-and-swap,
    /// idempotency, correlation, causation, durability. The payload version
    /// is always `P::VERSION` (`options.payload_version` is ignored).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::store::AppendError;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 2, type_id = 1)]
    /// struct SeatBooked { passenger: String }
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let seat = Coordinate::new("seat-12A", "flight-7")?;
    /// // Both clerks saw an empty seat (sequence 0); only the first wins.
    /// let cas = AppendOptions::new().expected_sequence(0);
    /// store.append_typed_with_options(&seat, &SeatBooked { passenger: "alice".into() }, cas)?;
    /// let late = store.append_typed_with_options(&seat, &SeatBooked { passenger: "bob".into() }, cas);
    /// assert!(matches!(late, Err(AppendError::SequenceMismatch { expected: 0, actual: 1, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append_typed`], plus [`AppendError::SequenceMismatch`] and
    /// [`AppendError::IdempotencyConflict`].
    pub fn append_typed_with_options<P: EventPayload + 'static>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
        options: AppendOptions,
    ) -> Result<AppendReceipt, AppendError> {
        self.claim::<P>()?;
        let bytes = payload.encode_payload()?;
        self.append_encoded(coordinate, payload.kind(), P::VERSION, bytes, options)
    }

    /// Appends with [`AppendOptions`]: compare-and-swap, idempotency,
    /// correlation, causation, durability, payload version.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig, AppendOptions, AppendError};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("seat-12A", "flight-7")?;
    /// let kind = EventKind::custom(2, 1);
    /// let cas = AppendOptions::new().expected_sequence(0);
    /// store.append_with_options(&coord, kind, &"alice", cas)?;
    /// // A second writer that also saw an empty seat loses the race.
    /// let late = store.append_with_options(&coord, kind, &"bob", cas);
    /// assert!(matches!(late, Err(AppendError::SequenceMismatch { actual: 1, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append`], plus [`AppendError::SequenceMismatch`] and
    /// [`AppendError::IdempotencyConflict`].
    pub fn append_with_options(
        &self,
        coordinate: &Coordinate,
        kind: EventKind,
        payload: &impl Serialize,
        options: AppendOptions,
    ) -> Result<AppendReceipt, AppendError> {
        let bytes = encode_msgpack(std::any::type_name_of_val(payload), payload)?;
        let version = options.payload_version.unwrap_or(1);
        self.append_encoded(coordinate, kind, version, bytes, options)
    }

    /// Appends an event caused by another, in the same correlation.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let order = Coordinate::new("order-1", "shop")?;
    /// let placed = store.append(&order, EventKind::custom(1, 1), &"placed")?;
    /// let shipped = store.append_reaction(
    ///     &order,
    ///     EventKind::custom(1, 2),
    ///     &"shipped",
    ///     CorrelationId::from(placed.event_id),
    ///     CausationId::from(placed.event_id),
    /// )?;
    /// let chain: Vec<_> = store.walk_ancestors(shipped.event_id).collect::<Result<_, _>>()?;
    /// assert_eq!(chain.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append`].
    pub fn append_reaction(
        &self,
        coordinate: &Coordinate,
        kind: EventKind,
        payload: &impl Serialize,
        correlation: CorrelationId,
        causation: CausationId,
    ) -> Result<AppendReceipt, AppendError> {
        let options = AppendOptions::new()
            .correlation_id(correlation)
            .causation_id(causation);
        self.append_with_options(coordinate, kind, payload, options)
    }

    /// Appends already-encoded MessagePack payload bytes with an explicit
    /// kind and version (what a gate pipeline hashed is exactly what is
    /// stored). `options.payload_version` is ignored in favour of
    /// `payload_version`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig, AppendOptions};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("sensor-3", "plant")?;
    /// let bytes = batpak::event::encode_msgpack("reading", &21.5f64)?;
    /// let receipt = store.append_encoded(&coord, EventKind::custom(3, 1), 2, bytes.clone(), AppendOptions::new())?;
    /// let stored = store.get(receipt.event_id)?.unwrap();
    /// assert_eq!((stored.payload(), stored.header().payload_version), (&bytes, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append_with_options`]; [`AppendError::SystemKind`] for a
    /// category-0 kind.
    pub fn append_encoded(
        &self,
        coordinate: &Coordinate,
        kind: EventKind,
        payload_version: u16,
        bytes: Vec<u8>,
        options: AppendOptions,
    ) -> Result<AppendReceipt, AppendError> {
        if kind.is_system() {
            return Err(AppendError::SystemKind { kind });
        }
        let item =
            BatchItem::encoded(coordinate, kind, payload_version, bytes).options(AppendOptions {
                payload_version: None,
                ..options
            });
        let durability = options.durability.unwrap_or(self.shared.config.durability);
        let mut receipts = self
            .write_items(vec![item], durability, false)
            .map_err(|f| f.error)?;
        receipts.pop().ok_or(AppendError::Closed)
    }

    /// Appends several events, possibly for different entities, as one
    /// all-or-nothing unit: one frame on disk, visible to readers entirely
    /// or not at all, before and after a crash. Each item's CAS and
    /// idempotency are checked in order; an item may name an earlier item
    /// as its cause. An item whose idempotency key was already committed
    /// with the same event is not written again: its receipt is the
    /// original one.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig, BatchItem};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let from = Coordinate::new("account-1", "bank")?;
    /// let to = Coordinate::new("account-2", "bank")?;
    /// let receipts = store.append_batch(vec![
    ///     BatchItem::new(&from, EventKind::custom(1, 2), &100u64)?,
    ///     BatchItem::new(&to, EventKind::custom(1, 1), &100u64)?.caused_by_item(0),
    /// ])?;
    /// assert_eq!(receipts.len(), 2);
    /// assert_eq!(receipts[1].global_sequence, receipts[0].global_sequence + 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`BatchError::Item`] naming the first refused item (CAS, idempotency,
    /// size, system kind, bad cause); [`BatchError::Batch`] for failures of
    /// the whole write; [`BatchError::Empty`].
    pub fn append_batch(&self, items: Vec<BatchItem>) -> Result<Vec<AppendReceipt>, BatchError> {
        let durability = items
            .first()
            .and_then(|i| i.options.durability)
            .unwrap_or(self.shared.config.durability);
        self.append_batch_inner(items, durability, false)
    }

    /// The crate's own path for appending a batch that may contain system
    /// kinds (category 0), e.g. a bypass audit event written atomically with
    /// the bypassed event.
    pub(crate) fn append_batch_system(
        &self,
        items: Vec<BatchItem>,
        durability: Durability,
    ) -> Result<Vec<AppendReceipt>, BatchError> {
        self.append_batch_inner(items, durability, true)
    }

    fn append_batch_inner(
        &self,
        items: Vec<BatchItem>,
        durability: Durability,
        allow_system: bool,
    ) -> Result<Vec<AppendReceipt>, BatchError> {
        if items.is_empty() {
            return Err(BatchError::Empty);
        }
        limits::check_batch(&self.shared.config, &items)?;
        self.write_items(items, durability, allow_system)
            .map_err(|f| match f.item {
                Some(index) => BatchError::Item {
                    index,
                    error: f.error,
                },
                None => BatchError::Batch(f.error),
            })
    }

    /// Checks what needs no writer state, then hands the items to the
    /// writer as one request.
    fn write_items(
        &self,
        items: Vec<BatchItem>,
        durability: Durability,
        allow_system: bool,
    ) -> Result<Vec<AppendReceipt>, writer::WriteFailure> {
        let max_payload = self.shared.config.max_payload_bytes;
        let mut events = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let fail = |error| writer::WriteFailure {
                item: Some(i),
                error,
            };
            if item.kind.is_system() && !allow_system {
                return Err(fail(AppendError::SystemKind { kind: item.kind }));
            }
            if item.payload.len() > max_payload {
                return Err(fail(AppendError::PayloadTooLarge {
                    len: item.payload.len(),
                    max: max_payload,
                }));
            }
            let cause = match (item.cause_item, item.options.causation_id) {
                (Some(j), _) if j >= i => {
                    return Err(fail(AppendError::CauseOutOfRange { cause: j }))
                }
                (Some(j), _) => Cause::Item(j),
                (None, Some(id)) => Cause::Event(id),
                (None, None) => Cause::None,
            };
            events.push(PendingEvent {
                coordinate: item.coordinate,
                kind: item.kind,
                payload_version: item.payload_version,
                payload: item.payload,
                expected_sequence: item.options.expected_sequence,
                idempotency_key: item.options.idempotency_key,
                correlation_id: item.options.correlation_id,
                cause,
            });
        }
        writer::submit(&self.shared, WriteRequest { events, durability })
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
            _lock: lock,
            kinds: KindRegistry::new(),
        }
    }
}

#[cfg(test)]
mod tests;
