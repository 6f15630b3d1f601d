//! The store's plain data types: what an append takes ([`AppendOptions`],
//! [`IdempotencyKey`]; a batch's [`BatchItem`](super::BatchItem) is in
//! `batch.rs`) and what it and open give back ([`AppendReceipt`],
//! [`RecoveryReport`], [`Closed`]).

use std::fmt;
use std::path::PathBuf;

use crate::event::{EventHash, EventKind};
use crate::id::{CausationId, CorrelationId, EventId};

use super::Durability;

/// What an append got: where the event landed and what was promised.
///
/// # Examples
///
/// ```
/// # use batpak::prelude::*;
/// # use batpak::store::{Store, StoreConfig};
/// # let dir = tempfile::tempdir()?;
/// # let store = Store::open(StoreConfig::new(dir.path()))?;
/// let receipt = store.append(&Coordinate::new("a-1", "s")?, EventKind::custom(1, 1), &1)?;
/// assert_eq!((receipt.global_sequence, receipt.entity_sequence), (0, 0));
/// assert!(receipt.durable, "the default durability syncs before returning");
/// assert_eq!(store.get(receipt.event_id)?.map(|e| e.hash), Some(receipt.hash));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendReceipt {
    /// The event's id.
    pub event_id: EventId,
    /// Its position in the store.
    pub global_sequence: u64,
    /// Its position within its entity.
    pub entity_sequence: u64,
    /// Its chain hash.
    pub hash: EventHash,
    /// Whether the event was synced to disk before the call returned.
    pub durable: bool,
    /// When it was appended (microseconds since the Unix epoch).
    pub timestamp_micros: u64,
    /// Its kind.
    pub kind: EventKind,
}

/// A key that makes an append idempotent: appending again with the same key
/// and the same event returns the original receipt instead of writing twice.
///
/// 16 bytes. Make one from a UUID, from 16 raw bytes, or from any bytes
/// (hashed), e.g. a request id or a natural key.
///
/// # Examples
///
/// ```
/// use batpak::store::IdempotencyKey;
///
/// let a = IdempotencyKey::from_content(b"order-42/payment");
/// let b = IdempotencyKey::from_content(b"order-42/payment");
/// assert_eq!(a, b);
/// assert_ne!(a, IdempotencyKey::from_content(b"order-43/payment"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey([u8; 16]);

impl IdempotencyKey {
    /// A key with these exact bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::IdempotencyKey;
    ///
    /// let key = IdempotencyKey::from_bytes([7; 16]);
    /// assert_eq!(key.as_bytes(), &[7; 16]);
    /// assert_eq!(key.to_string(), "07".repeat(16));
    /// ```
    pub const fn from_bytes(bytes: [u8; 16]) -> IdempotencyKey {
        IdempotencyKey(bytes)
    }

    /// A key derived from arbitrary bytes (blake3, first 16 bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::IdempotencyKey;
    ///
    /// let key = IdempotencyKey::from_content("order-42/payment");
    /// assert_eq!(key, IdempotencyKey::from_content(b"order-42/payment".to_vec()));
    /// // Hashed: not the raw bytes.
    /// assert_ne!(key.as_bytes(), b"order-42/paymen\0");
    /// ```
    pub fn from_content(content: impl AsRef<[u8]>) -> IdempotencyKey {
        let mut h = blake3::Hasher::new();
        h.update(b"batpak/idempotency-key/v1");
        h.update(content.as_ref());
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize().as_bytes()[..16]);
        IdempotencyKey(out)
    }

    /// A key from a UUID (for example a request id).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::IdempotencyKey;
    ///
    /// let request = uuid::Uuid::now_v7();
    /// let key = IdempotencyKey::from_uuid(request);
    /// assert_eq!(key.as_bytes(), request.as_bytes());
    /// ```
    pub const fn from_uuid(uuid: uuid::Uuid) -> IdempotencyKey {
        IdempotencyKey(*uuid.as_bytes())
    }

    /// The 16 bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::IdempotencyKey;
    ///
    /// assert_eq!(IdempotencyKey::from_bytes([1; 16]).as_bytes().len(), 16);
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({self})")
    }
}

/// Options for one append: compare-and-swap, idempotency, correlation,
/// causation, durability and payload version.
///
/// # Examples
///
/// ```
/// use batpak::store::{AppendOptions, Durability, IdempotencyKey};
///
/// let options = AppendOptions::new()
///     .expected_sequence(0)
///     .idempotency_key(IdempotencyKey::from_content("request-1"))
///     .durability(Durability::Buffered);
/// assert_eq!(options.expected_sequence, Some(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AppendOptions {
    /// Compare-and-swap: the entity's next sequence must equal this (0 for
    /// an entity with no events yet).
    pub expected_sequence: Option<u64>,
    /// Makes the append idempotent (see [`IdempotencyKey`]).
    pub idempotency_key: Option<IdempotencyKey>,
    /// The request this event belongs to (default: the event's own id).
    pub correlation_id: Option<CorrelationId>,
    /// The event that caused this one.
    pub causation_id: Option<CausationId>,
    /// Overrides the store's default durability.
    pub durability: Option<Durability>,
    /// Payload schema version (default 1).
    pub payload_version: Option<u16>,
}

impl AppendOptions {
    /// No options: the defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::AppendOptions;
    ///
    /// let options = AppendOptions::new();
    /// assert_eq!(options, AppendOptions::default());
    /// assert_eq!(options.expected_sequence, None);
    /// assert_eq!(options.payload_version, None);
    /// ```
    pub fn new() -> AppendOptions {
        AppendOptions::default()
    }

    /// Sets [`AppendOptions::expected_sequence`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::AppendOptions;
    ///
    /// store.append_with_options(&coord, kind, &"placed", AppendOptions::new().expected_sequence(0))?;
    /// let stale = store.append_with_options(&coord, kind, &"placed again", AppendOptions::new().expected_sequence(0));
    /// assert!(matches!(stale, Err(AppendError::SequenceMismatch { expected: 0, actual: 1, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expected_sequence(mut self, sequence: u64) -> AppendOptions {
        self.expected_sequence = Some(sequence);
        self
    }

    /// Sets [`AppendOptions::idempotency_key`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::{AppendOptions, IdempotencyKey};
    ///
    /// let once = AppendOptions::new().idempotency_key(IdempotencyKey::from_content("request-9"));
    /// let first = store.append_with_options(&coord, kind, &"paid", once)?;
    /// let retry = store.append_with_options(&coord, kind, &"paid", once)?;
    /// assert_eq!(retry.event_id, first.event_id, "the retry returns the original receipt");
    /// assert_eq!(store.len(), 1);
    /// let other = store.append_with_options(&coord, kind, &"refunded", once);
    /// assert!(matches!(other, Err(AppendError::IdempotencyConflict { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> AppendOptions {
        self.idempotency_key = Some(key);
        self
    }

    /// Sets [`AppendOptions::correlation_id`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::AppendOptions;
    /// use batpak::CorrelationId;
    ///
    /// let request = CorrelationId::now();
    /// let receipt = store.append_with_options(&coord, kind, &1, AppendOptions::new().correlation_id(request))?;
    /// let event = store.get(receipt.event_id)?.expect("just written");
    /// assert_eq!(event.header().correlation_id, request);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn correlation_id(mut self, id: CorrelationId) -> AppendOptions {
        self.correlation_id = Some(id);
        self
    }

    /// Sets [`AppendOptions::causation_id`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::AppendOptions;
    /// use batpak::CausationId;
    ///
    /// let cause = store.append(&coord, kind, &"placed")?;
    /// let options = AppendOptions::new().causation_id(CausationId::from(cause.event_id));
    /// let effect = store.append_with_options(&coord, kind, &"reserved", options)?;
    /// let event = store.get(effect.event_id)?.expect("just written");
    /// assert_eq!(event.header().causation_id, Some(CausationId::from(cause.event_id)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn causation_id(mut self, id: CausationId) -> AppendOptions {
        self.causation_id = Some(id);
        self
    }

    /// Sets [`AppendOptions::durability`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::{AppendOptions, Durability};
    ///
    /// // The store defaults to `Sync`; this one append asks for less.
    /// let fast = store.append_with_options(&coord, kind, &1, AppendOptions::new().durability(Durability::Buffered))?;
    /// let safe = store.append(&coord, kind, &2)?;
    /// assert!(safe.durable);
    /// store.sync()?;
    /// assert!(store.is_durable(fast.global_sequence));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn durability(mut self, durability: Durability) -> AppendOptions {
        self.durability = Some(durability);
        self
    }

    /// Sets [`AppendOptions::payload_version`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::AppendOptions;
    ///
    /// let receipt = store.append_with_options(&coord, kind, &1, AppendOptions::new().payload_version(3))?;
    /// let event = store.get(receipt.event_id)?.expect("just written");
    /// assert_eq!(event.header().payload_version, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn payload_version(mut self, version: u16) -> AppendOptions {
        self.payload_version = Some(version);
        self
    }
}

/// What open found and did at a torn tail or repaired damage.
///
/// # Examples
///
/// ```
/// use batpak::store::{Store, StoreConfig};
///
/// let dir = tempfile::tempdir()?;
/// let store = Store::open(StoreConfig::new(dir.path()))?;
/// let report = store.recovery_report();
/// assert!(report.is_clean());
/// for cut in &report.truncated {
///     eprintln!("dropped {} bytes of {} at {}: {}", cut.bytes_dropped, cut.file.display(), cut.offset, cut.reason);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryReport {
    /// Files truncated (or removed) on open, in order.
    pub truncated: Vec<TruncatedTail>,
    /// Segments moved aside by a repair.
    pub moved_aside: Vec<PathBuf>,
    /// Events found on open.
    pub events: u64,
}

impl RecoveryReport {
    /// Whether open found everything intact.
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
    /// // Simulate a crash mid-write: garbage after the last complete frame.
    /// let segment = std::fs::read_dir(dir.path())?
    ///     .map(|entry| entry.map(|e| e.path()))
    ///     .find(|p| p.as_ref().is_ok_and(|p| p.extension().is_some_and(|x| x == "seg")))
    ///     .expect("one segment")?;
    /// let mut file = std::fs::OpenOptions::new().append(true).open(&segment)?;
    /// std::io::Write::write_all(&mut file, &[0xFF; 7])?;
    /// drop(file);
    ///
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let report = store.recovery_report();
    /// assert!(!report.is_clean());
    /// assert!(report.truncated[0].torn_tail);
    /// assert_eq!(store.len(), 1, "the acknowledged event survives");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_clean(&self) -> bool {
        self.truncated.is_empty() && self.moved_aside.is_empty()
    }
}

/// One truncation done on open.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TruncatedTail {
    /// The segment file.
    pub file: PathBuf,
    /// Where it now ends.
    pub offset: u64,
    /// Bytes dropped.
    pub bytes_dropped: u64,
    /// Why (what was wrong at `offset`).
    pub reason: String,
    /// Whether it was a torn tail (`false`: damage dropped by a repair).
    pub torn_tail: bool,
}

/// What [`Store::close`](super::Store::close) leaves behind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Closed {
    /// Events in the store.
    pub events: u64,
}
