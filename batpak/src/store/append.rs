//! Appending: single events (raw, typed, with options, reactions,
//! pre-encoded) and atomic batches. Every path ends in `write_items`, which
//! checks what needs no writer state and hands one request to the writer.

use serde::Serialize;

use super::writer::{self, WriteRequest};
use super::{AppendError, AppendOptions, AppendReceipt, BatchError, BatchItem, Durability, Store};
use crate::coordinate::Coordinate;
use crate::event::{encode_msgpack, EventKind, EventPayload};
use crate::id::{CausationId, CorrelationId};

impl Store {
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
        super::limits::check_batch(&self.shared.config, &items)?;
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
    pub(super) fn write_items(
        &self,
        items: Vec<BatchItem>,
        durability: Durability,
        allow_system: bool,
    ) -> Result<Vec<AppendReceipt>, writer::WriteFailure> {
        let max_payload = self.shared.config.max_payload_bytes;
        // Checked in place: the items themselves go to the writer.
        for (i, item) in items.iter().enumerate() {
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
            if let Some(cause) = item.cause_item.filter(|j| *j >= i) {
                return Err(fail(AppendError::CauseOutOfRange { cause }));
            }
        }
        writer::submit(
            &self.shared,
            WriteRequest {
                events: items,
                durability,
            },
        )
    }
}
