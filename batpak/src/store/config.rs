//! [`StoreConfig`] and [`Durability`]. Every option is described, with its
//! default and trade-off, in docs/TUNING.md.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::io::{OsIo, StoreIo};
use crate::event::Upcasters;

/// What an append promises before it returns.
///
/// # Examples
///
/// ```
/// use batpak::store::{Durability, StoreConfig};
///
/// let dir = tempfile::tempdir()?;
/// let config = StoreConfig::new(dir.path()).durability(Durability::Buffered);
/// assert_eq!(config.default_durability(), Durability::Buffered);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Durability {
    /// Return only after the event's bytes are synced to disk (`fdatasync`).
    /// Concurrent durable appends share one sync (group commit). A crash
    /// never loses an event acknowledged this way.
    #[default]
    Sync,
    /// Return after the bytes are written to the operating system. They are
    /// synced every [`StoreConfig::buffered_sync_every`] events or
    /// [`StoreConfig::buffered_sync_interval`], whichever comes first, and by
    /// [`Store::sync`](super::Store::sync) and close. A process crash
    /// (`kill -9`) loses nothing; a power loss or OS crash can lose the
    /// buffered events written since the last sync (never part of a batch,
    /// never an event in the middle of the log).
    Buffered,
}

/// Default segment size: 64 MiB.
pub const DEFAULT_SEGMENT_SIZE: u64 = 64 * 1024 * 1024;
/// Default payload limit: 1 MiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Default frame (one append or one batch) limit: 64 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;
/// Default writer queue capacity (requests waiting for the writer).
pub const DEFAULT_WRITER_QUEUE_CAPACITY: usize = 4096;
/// Default: buffered events are synced after this many.
pub const DEFAULT_BUFFERED_SYNC_EVERY: u64 = 4096;
/// Default: buffered events are synced at least this often.
pub const DEFAULT_BUFFERED_SYNC_INTERVAL: Duration = Duration::from_millis(100);
/// Default read cache: 32 MiB.
pub const DEFAULT_READ_CACHE_BYTES: u64 = 32 * 1024 * 1024;
/// Largest frame limit accepted: a frame alone in a fresh segment must
/// still end below 4 GiB.
pub const MAX_FRAME_BYTES: usize = (u32::MAX - 1024 * 1024) as usize;
/// Largest segment size accepted (offsets inside a segment are `u32`).
pub const MAX_SEGMENT_SIZE: u64 = u32::MAX as u64;

/// How to open a [`Store`](super::Store): its directory and tuning.
///
/// Built with [`StoreConfig::new`] and chained setters; see docs/TUNING.md
/// for every option's default and trade-off.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use batpak::store::{Durability, StoreConfig};
///
/// let dir = tempfile::tempdir()?;
/// let config = StoreConfig::new(dir.path())
///     .segment_size(8 * 1024 * 1024)
///     .durability(Durability::Sync)
///     .max_payload_bytes(64 * 1024)
///     .buffered_sync_interval(Some(Duration::from_millis(20)));
/// assert_eq!(config.dir(), dir.path());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub(crate) dir: PathBuf,
    pub(crate) segment_size: u64,
    pub(crate) durability: Durability,
    pub(crate) max_payload_bytes: usize,
    pub(crate) max_frame_bytes: usize,
    pub(crate) writer_queue_capacity: usize,
    pub(crate) buffered_sync_every: Option<u64>,
    pub(crate) buffered_sync_interval: Option<Duration>,
    pub(crate) repair_on_open: bool,
    pub(crate) read_cache_bytes: u64,
    pub(crate) io: Arc<dyn StoreIo>,
    pub(crate) upcasters: Arc<Upcasters>,
    pub(crate) max_batch_items: usize,
    pub(crate) max_batch_bytes: usize,
    #[cfg(feature = "fault-injection")]
    pub(crate) fault_plan: Option<super::fault::FaultPlan>,
}

impl StoreConfig {
    /// A configuration for the store in `dir` (created if missing) with
    /// every option at its default.
    pub fn new(dir: impl AsRef<Path>) -> StoreConfig {
        StoreConfig {
            dir: dir.as_ref().to_path_buf(),
            segment_size: DEFAULT_SEGMENT_SIZE,
            durability: Durability::Sync,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            writer_queue_capacity: DEFAULT_WRITER_QUEUE_CAPACITY,
            buffered_sync_every: Some(DEFAULT_BUFFERED_SYNC_EVERY),
            buffered_sync_interval: Some(DEFAULT_BUFFERED_SYNC_INTERVAL),
            repair_on_open: false,
            read_cache_bytes: DEFAULT_READ_CACHE_BYTES,
            io: Arc::new(OsIo),
            upcasters: Arc::new(Upcasters::new()),
            max_batch_items: super::limits::DEFAULT_MAX_BATCH_ITEMS,
            max_batch_bytes: super::limits::DEFAULT_MAX_BATCH_BYTES,
            #[cfg(feature = "fault-injection")]
            fault_plan: None,
        }
    }

    /// Rotate to a new segment file when the next frame would make the
    /// current one larger than this (default 64 MiB; clamped to
    /// 4 KiB ..= 4 GiB - 1).
    #[must_use]
    pub fn segment_size(mut self, bytes: u64) -> StoreConfig {
        self.segment_size = bytes.clamp(4096, MAX_SEGMENT_SIZE);
        self
    }

    /// The durability of appends that do not choose one (default
    /// [`Durability::Sync`]).
    #[must_use]
    pub fn durability(mut self, durability: Durability) -> StoreConfig {
        self.durability = durability;
        self
    }

    /// Refuse payloads larger than this (default 1 MiB; at most `u32::MAX`).
    /// Also bounds what a reader will trust on disk, so lowering it below
    /// the size of stored payloads makes those stores fail to open.
    #[must_use]
    pub fn max_payload_bytes(mut self, bytes: usize) -> StoreConfig {
        self.max_payload_bytes = bytes.min(u32::MAX as usize);
        self
    }

    /// Refuse one append or batch whose encoded frame is larger than this
    /// (default 64 MiB; at most [`MAX_FRAME_BYTES`], so that every offset in
    /// a segment fits in 32 bits). Recovery treats a larger frame length on
    /// disk as damage.
    #[must_use]
    pub fn max_frame_bytes(mut self, bytes: usize) -> StoreConfig {
        self.max_frame_bytes = bytes.min(MAX_FRAME_BYTES);
        self
    }

    /// How many append requests may wait for the writer before further
    /// callers block until there is room (default 4096, at least 1).
    #[must_use]
    pub fn writer_queue_capacity(mut self, requests: usize) -> StoreConfig {
        self.writer_queue_capacity = requests.max(1);
        self
    }

    /// Sync buffered appends once this many are unsynced (default 4096;
    /// `None` for no count trigger).
    #[must_use]
    pub fn buffered_sync_every(mut self, events: Option<u64>) -> StoreConfig {
        self.buffered_sync_every = events.map(|n| n.max(1));
        self
    }

    /// Sync buffered appends at least this often (default 100 ms; `None`
    /// for no timer, then only the count trigger, `sync` and close sync).
    #[must_use]
    pub fn buffered_sync_interval(mut self, interval: Option<Duration>) -> StoreConfig {
        self.buffered_sync_interval = interval;
        self
    }

    /// On damage that is not a torn tail, truncate at the damage (moving
    /// later segments aside) instead of refusing to open (default `false`).
    #[must_use]
    pub fn repair_on_open(mut self, repair: bool) -> StoreConfig {
        self.repair_on_open = repair;
        self
    }

    /// The upgrade steps typed reads apply to events stored at an older
    /// payload version (default: none, so only current versions decode).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::Upcasters;
    /// use batpak::store::StoreConfig;
    /// use batpak::EventKind;
    ///
    /// let mut upcasters = Upcasters::new();
    /// upcasters.unchanged(EventKind::custom(1, 1), 1);
    /// let dir = tempfile::tempdir()?;
    /// let config = StoreConfig::new(dir.path()).upcasters(upcasters);
    /// # let _ = config;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn upcasters(mut self, upcasters: Upcasters) -> StoreConfig {
        self.upcasters = Arc::new(upcasters);
        self
    }

    /// Memory for caching segment blocks read by point reads (`get`,
    /// `walk_ancestors`, the first event of a query): default 32 MiB; 0
    /// turns the cache off. Large sequential reads bypass it.
    #[must_use]
    pub fn read_cache_bytes(mut self, bytes: u64) -> StoreConfig {
        self.read_cache_bytes = bytes;
        self
    }

    /// Replaces the file I/O seam (fault injection).
    #[must_use]
    #[allow(dead_code, reason = "used by fault-injection tests (issue 4)")]
    pub(crate) fn with_io(mut self, io: Arc<dyn StoreIo>) -> StoreConfig {
        self.io = io;
        self
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The default durability.
    pub fn default_durability(&self) -> Durability {
        self.durability
    }
}
