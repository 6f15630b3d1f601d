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
    pub(crate) mapped_reads: bool,
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
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Durability, Store, StoreConfig};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("not-yet-there");
    /// let config = StoreConfig::new(&path);
    /// assert_eq!(config.dir(), path);
    /// assert_eq!(config.default_durability(), Durability::Sync);
    /// let store = Store::open(config)?;
    /// assert!(path.is_dir());
    /// store.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
            mapped_reads: false,
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
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).segment_size(4096))?;
    /// let coord = Coordinate::new("e", "s")?;
    /// for _ in 0..20 {
    ///     store.append(&coord, EventKind::custom(1, 1), &vec![7u8; 1000])?;
    /// }
    /// store.close()?;
    /// let segments = std::fs::read_dir(dir.path())?
    ///     .filter(|entry| entry.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "seg")))
    ///     .count();
    /// assert!(segments > 1, "20 KB of events do not fit one 4 KiB segment");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn segment_size(mut self, bytes: u64) -> StoreConfig {
        self.segment_size = bytes.clamp(4096, MAX_SEGMENT_SIZE);
        self
    }

    /// The durability of appends that do not choose one (default
    /// [`Durability::Sync`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Durability, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(
    ///     StoreConfig::new(dir.path())
    ///         .durability(Durability::Buffered)
    ///         .buffered_sync_every(None)
    ///         .buffered_sync_interval(None),
    /// )?;
    /// let receipt = store.append(&Coordinate::new("e", "s")?, EventKind::custom(1, 1), &1u8)?;
    /// assert!(!receipt.durable, "buffered: returned before the sync");
    /// store.sync()?;
    /// assert!(store.is_durable(receipt.global_sequence));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn durability(mut self, durability: Durability) -> StoreConfig {
        self.durability = durability;
        self
    }

    /// Refuse payloads larger than this (default 1 MiB; at most `u32::MAX`).
    /// Also bounds what a reader will trust on disk, so lowering it below
    /// the size of stored payloads makes those stores fail to open.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{AppendError, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).max_payload_bytes(64))?;
    /// let coord = Coordinate::new("e", "s")?;
    /// assert!(store.append(&coord, EventKind::custom(1, 1), &vec![0u8; 16]).is_ok());
    /// let err = store.append(&coord, EventKind::custom(1, 1), &vec![0u8; 100]).unwrap_err();
    /// assert!(matches!(err, AppendError::PayloadTooLarge { .. }));
    /// assert_eq!(store.len(), 1, "the refused payload was not written");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_payload_bytes(mut self, bytes: usize) -> StoreConfig {
        self.max_payload_bytes = bytes.min(u32::MAX as usize);
        self
    }

    /// Refuse one append or batch whose encoded frame is larger than this
    /// (default 64 MiB; at most [`MAX_FRAME_BYTES`], so that every offset in
    /// a segment fits in 32 bits). Recovery treats a larger frame length on
    /// disk as damage.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{AppendError, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).max_frame_bytes(256))?;
    /// let coord = Coordinate::new("e", "s")?;
    /// let err = store.append(&coord, EventKind::custom(1, 1), &vec![0u8; 512]).unwrap_err();
    /// assert!(matches!(err, AppendError::FrameTooLarge { .. }));
    /// assert!(store.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_frame_bytes(mut self, bytes: usize) -> StoreConfig {
        self.max_frame_bytes = bytes.min(MAX_FRAME_BYTES);
        self
    }

    /// How many append requests may wait for the writer before further
    /// callers block until there is room (default 4096, at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// // 0 is raised to 1: callers queue one at a time, and nothing is lost.
    /// let store = Store::open(StoreConfig::new(dir.path()).writer_queue_capacity(0))?;
    /// std::thread::scope(|s| {
    ///     for t in 0..4 {
    ///         let store = &store;
    ///         s.spawn(move || {
    ///             let coord = Coordinate::new(format!("e{t}"), "s").unwrap();
    ///             for i in 0..10u32 {
    ///                 store.append(&coord, EventKind::custom(1, 1), &i).unwrap();
    ///             }
    ///         });
    ///     }
    /// });
    /// assert_eq!(store.len(), 40);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn writer_queue_capacity(mut self, requests: usize) -> StoreConfig {
        self.writer_queue_capacity = requests.max(1);
        self
    }

    /// Sync buffered appends once this many are unsynced (default 4096;
    /// `None` for no count trigger).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Durability, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// // No count trigger and no timer: buffered events wait for `sync` or close.
    /// let store = Store::open(
    ///     StoreConfig::new(dir.path())
    ///         .durability(Durability::Buffered)
    ///         .buffered_sync_every(None)
    ///         .buffered_sync_interval(None),
    /// )?;
    /// let coord = Coordinate::new("e", "s")?;
    /// let receipts: Vec<_> = (0..3u8)
    ///     .map(|i| store.append(&coord, EventKind::custom(1, 1), &i))
    ///     .collect::<Result<_, _>>()?;
    /// assert!(receipts.iter().all(|r| !store.is_durable(r.global_sequence)));
    /// store.sync()?;
    /// assert!(receipts.iter().all(|r| store.is_durable(r.global_sequence)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn buffered_sync_every(mut self, events: Option<u64>) -> StoreConfig {
        self.buffered_sync_every = events.map(|n| n.max(1));
        self
    }

    /// Sync buffered appends at least this often (default 100 ms; `None`
    /// for no timer, then only the count trigger, `sync` and close sync).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use batpak::store::{Durability, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(
    ///     StoreConfig::new(dir.path())
    ///         .durability(Durability::Buffered)
    ///         .buffered_sync_interval(Some(Duration::from_millis(20))),
    /// )?;
    /// let receipt = store.append(&Coordinate::new("e", "s")?, EventKind::custom(1, 1), &1u8)?;
    /// // Whatever the timer has done so far, close syncs what is left.
    /// let closed = store.close()?;
    /// assert_eq!(closed.events, 1);
    /// # let _ = receipt;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn buffered_sync_interval(mut self, interval: Option<Duration>) -> StoreConfig {
        self.buffered_sync_interval = interval;
        self
    }

    /// On damage that is not a torn tail, truncate at the damage (moving
    /// later segments aside) instead of refusing to open (default `false`).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{OpenError, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).segment_size(4096))?;
    /// let coord = Coordinate::new("e", "s")?;
    /// for i in 0..100u64 {
    ///     store.append(&coord, EventKind::custom(1, 1), &(i, "some padding to fill segments"))?;
    /// }
    /// store.close()?;
    ///
    /// // Damage the middle of the log (not its tail).
    /// let mut segments: Vec<_> = std::fs::read_dir(dir.path())?
    ///     .map(|entry| entry.map(|e| e.path()))
    ///     .collect::<Result<_, _>>()?;
    /// segments.retain(|p| p.extension().is_some_and(|x| x == "seg"));
    /// segments.sort();
    /// let mut bytes = std::fs::read(&segments[1])?;
    /// bytes[200] ^= 0xFF;
    /// std::fs::write(&segments[1], &bytes)?;
    ///
    /// let refused = Store::open(StoreConfig::new(dir.path()));
    /// assert!(matches!(refused, Err(OpenError::Corrupt { .. })));
    ///
    /// let store = Store::open(StoreConfig::new(dir.path()).repair_on_open(true))?;
    /// assert!(!store.recovery_report().is_clean());
    /// assert!(store.len() > 0 && store.len() < 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// // 0 turns the cache off; reads still go to the files and return the same event.
    /// let store = Store::open(StoreConfig::new(dir.path()).read_cache_bytes(0))?;
    /// let receipt = store.append(&Coordinate::new("e", "s")?, EventKind::custom(1, 1), &42u32)?;
    /// let event = store.get(receipt.event_id)?.expect("just written");
    /// assert_eq!(event.header().global_sequence, receipt.global_sequence);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn read_cache_bytes(mut self, bytes: u64) -> StoreConfig {
        self.read_cache_bytes = bytes;
        self
    }

    /// Whether queries and streams read segment files through a read-only
    /// memory map instead of copying them with `pread`: default `false`.
    ///
    /// Turn it on for stores that are read much, where entities' events lie
    /// among many others' (a busy store). Replaying such an entity with
    /// `pread` either copies its neighbours' bytes too or makes one system
    /// call per event; through a map only its own records are touched.
    /// Measured (docs/PERFORMANCE.md, "Fourth pass: mapped reads"): an
    /// entity whose events each sit among 99 others' replays 6 to 7.5 times
    /// faster, among 9 others' about 1.5 times; an entity stored alone
    /// about the same. Point reads (`get`, `walk_ancestors`) still go
    /// through the block cache.
    ///
    /// The trade: a memory map turns some failures that are otherwise a
    /// [`ReadError`](super::ReadError) into the process being killed with
    /// `SIGBUS`, namely a disk read error under a mapped page, or another
    /// program truncating a segment file while the store is open. batpak
    /// itself never changes a byte it has published, and the directory's
    /// lock keeps other batpak stores out. Leave it off where the files may
    /// sit on unreliable or network storage, or where other programs may
    /// touch them.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::store::{Store, StoreConfig};
    ///
    /// let dir = tempfile::tempdir()?;
    /// // Small segments, so most of the events below are in sealed ones.
    /// let config = StoreConfig::new(dir.path()).segment_size(4096).mapped_reads(true);
    /// let store = Store::open(config)?;
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// for n in 0..200u32 {
    ///     store.append(&coord, EventKind::custom(1, 1), &n)?;
    /// }
    /// // Reads return the same events, whichever way their bytes are read.
    /// let seen: Vec<u32> = store
    ///     .stream(&coord)
    ///     .map(|e| Ok(rmp_serde::from_slice(e?.payload())?))
    ///     .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    /// assert_eq!(seen, (0..200).collect::<Vec<_>>());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn mapped_reads(mut self, on: bool) -> StoreConfig {
        self.mapped_reads = on;
        self
    }

    /// Replaces the file I/O seam, for unit tests of the seam itself
    /// (fault injection installs its own through `fault_injection`).
    #[cfg(test)]
    #[must_use]
    pub(crate) fn with_io(mut self, io: Arc<dyn StoreIo>) -> StoreConfig {
        self.io = io;
        self
    }

    /// The store directory.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::StoreConfig;
    ///
    /// let config = StoreConfig::new("/var/lib/app/events");
    /// assert_eq!(config.dir(), std::path::Path::new("/var/lib/app/events"));
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The default durability.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Durability, StoreConfig};
    ///
    /// assert_eq!(StoreConfig::new("events").default_durability(), Durability::Sync);
    /// let buffered = StoreConfig::new("events").durability(Durability::Buffered);
    /// assert_eq!(buffered.default_durability(), Durability::Buffered);
    /// ```
    pub fn default_durability(&self) -> Durability {
        self.durability
    }
}
