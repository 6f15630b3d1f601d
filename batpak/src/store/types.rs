//! The store's plain data types: what an append takes ([`AppendOptions`],
//! [`BatchItem`], [`IdempotencyKey`]) and what it and open give back
//! ([`AppendReceipt`], [`RecoveryReport`], [`Closed`]).

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::coordinate::Coordinate;
use crate::event::{encode_msgpack, EventHash, EventKind, EventPayload};
use crate::id::{CausationId, CorrelationId, EventId};

use super::{AppendError, Durability};

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
    pub const fn from_bytes(bytes: [u8; 16]) -> IdempotencyKey {
        IdempotencyKey(bytes)
    }

    /// A key derived from arbitrary bytes (blake3, first 16 bytes).
    pub fn from_content(content: impl AsRef<[u8]>) -> IdempotencyKey {
        let mut h = blake3::Hasher::new();
        h.update(b"batpak/idempotency-key/v1");
        h.update(content.as_ref());
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.finalize().as_bytes()[..16]);
        IdempotencyKey(out)
    }

    /// A key from a UUID (for example a request id).
    pub const fn from_uuid(uuid: uuid::Uuid) -> IdempotencyKey {
        IdempotencyKey(*uuid.as_bytes())
    }

    /// The 16 bytes.
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
    pub fn new() -> AppendOptions {
        AppendOptions::default()
    }

    /// Sets [`AppendOptions::expected_sequence`].
    #[must_use]
    pub fn expected_sequence(mut self, sequence: u64) -> AppendOptions {
        self.expected_sequence = Some(sequence);
        self
    }

    /// Sets [`AppendOptions::idempotency_key`].
    #[must_use]
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> AppendOptions {
        self.idempotency_key = Some(key);
        self
    }

    /// Sets [`AppendOptions::correlation_id`].
    #[must_use]
    pub fn correlation_id(mut self, id: CorrelationId) -> AppendOptions {
        self.correlation_id = Some(id);
        self
    }

    /// Sets [`AppendOptions::causation_id`].
    #[must_use]
    pub fn causation_id(mut self, id: CausationId) -> AppendOptions {
        self.causation_id = Some(id);
        self
    }

    /// Sets [`AppendOptions::durability`].
    #[must_use]
    pub fn durability(mut self, durability: Durability) -> AppendOptions {
        self.durability = Some(durability);
        self
    }

    /// Sets [`AppendOptions::payload_version`].
    #[must_use]
    pub fn payload_version(mut self, version: u16) -> AppendOptions {
        self.payload_version = Some(version);
        self
    }
}

/// One item of [`Store::append_batch`](super::Store::append_batch): an already-encoded event and its
/// options. The batch's durability is the first item's choice (or the
/// store's default).
///
/// # Examples
///
/// ```
/// use batpak::prelude::*;
/// use batpak::store::{AppendOptions, BatchItem};
///
/// let coord = Coordinate::new("order-1", "shop")?;
/// let placed = BatchItem::new(&coord, EventKind::custom(1, 1), &"placed")?;
/// let paid = BatchItem::new(&coord, EventKind::custom(1, 2), &"paid")?
///     .options(AppendOptions::new().expected_sequence(1))
///     .caused_by_item(0);
/// assert_eq!(paid.cause_item(), Some(0));
/// # let _ = placed;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchItem {
    pub(crate) coordinate: Coordinate,
    pub(crate) kind: EventKind,
    pub(crate) payload_version: u16,
    pub(crate) payload: Vec<u8>,
    pub(crate) options: AppendOptions,
    pub(crate) cause_item: Option<usize>,
}

impl BatchItem {
    /// An item whose payload is `payload` encoded as MessagePack (version 1).
    ///
    /// # Errors
    ///
    /// [`AppendError::Payload`] if encoding fails.
    pub fn new(
        coordinate: &Coordinate,
        kind: EventKind,
        payload: &impl Serialize,
    ) -> Result<BatchItem, AppendError> {
        let bytes = encode_msgpack(std::any::type_name_of_val(payload), payload)?;
        Ok(BatchItem::encoded(coordinate, kind, 1, bytes))
    }

    /// An item for an [`EventPayload`] (kind and version from the type).
    ///
    /// # Errors
    ///
    /// [`AppendError::Payload`] if encoding fails.
    pub fn typed<P: EventPayload>(
        coordinate: &Coordinate,
        payload: &P,
    ) -> Result<BatchItem, AppendError> {
        let bytes = payload.encode_payload()?;
        Ok(BatchItem::encoded(
            coordinate,
            payload.kind(),
            P::VERSION,
            bytes,
        ))
    }

    /// An item with already-encoded MessagePack bytes.
    pub fn encoded(
        coordinate: &Coordinate,
        kind: EventKind,
        payload_version: u16,
        bytes: Vec<u8>,
    ) -> BatchItem {
        BatchItem {
            coordinate: coordinate.clone(),
            kind,
            payload_version,
            payload: bytes,
            options: AppendOptions::default(),
            cause_item: None,
        }
    }

    /// Sets the item's options (CAS, idempotency, correlation, causation).
    #[must_use]
    pub fn options(mut self, options: AppendOptions) -> BatchItem {
        if let Some(v) = options.payload_version {
            self.payload_version = v;
        }
        self.options = options;
        self
    }

    /// Makes the event at `index` (an earlier item of the same batch) this
    /// item's cause.
    #[must_use]
    pub fn caused_by_item(mut self, index: usize) -> BatchItem {
        self.cause_item = Some(index);
        self
    }

    /// The earlier item named as cause, if any.
    pub fn cause_item(&self) -> Option<usize> {
        self.cause_item
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
