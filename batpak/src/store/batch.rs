//! A batch's items ([`BatchItem`]) and batches written in reaction to an
//! earlier event.

use serde::Serialize;

use crate::coordinate::Coordinate;
use crate::event::{encode_msgpack, EventKind, EventPayload};
use crate::id::{CausationId, CorrelationId};

use super::error::BatchError;
use super::{AppendError, AppendOptions, AppendReceipt, Store};

impl Store {
    /// Appends a batch written in reaction to an earlier event: like
    /// [`Store::append_batch`] (all or nothing, one frame), with every item
    /// carrying `correlation` (unless the item set its own correlation id)
    /// and every item that names no cause of its own (neither
    /// [`BatchItem::caused_by_item`] nor a causation id in its options)
    /// caused by `causation`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig, BatchItem};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let order = Coordinate::new("order-9", "shop")?;
    /// let stock = Coordinate::new("sku-3", "shop")?;
    /// let placed = store.append(&order, EventKind::custom(1, 1), &"placed")?;
    /// let receipts = store.append_reaction_batch(
    ///     CorrelationId::from(placed.event_id),
    ///     CausationId::from(placed.event_id),
    ///     vec![
    ///         BatchItem::new(&stock, EventKind::custom(2, 1), &"reserved")?,
    ///         BatchItem::new(&order, EventKind::custom(1, 2), &"confirmed")?.caused_by_item(0),
    ///     ],
    /// )?;
    /// let reserved = store.get(receipts[0].event_id)?.unwrap();
    /// let confirmed = store.get(receipts[1].event_id)?.unwrap();
    /// assert_eq!(reserved.header().causation_id, Some(CausationId::from(placed.event_id)));
    /// assert_eq!(confirmed.header().causation_id, Some(CausationId::from(receipts[0].event_id)));
    /// assert_eq!(confirmed.header().correlation_id, CorrelationId::from(placed.event_id));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append_batch`].
    pub fn append_reaction_batch(
        &self,
        correlation: CorrelationId,
        causation: CausationId,
        items: Vec<BatchItem>,
    ) -> Result<Vec<AppendReceipt>, BatchError> {
        let items = items
            .into_iter()
            .map(|mut item| {
                if item.options.correlation_id.is_none() {
                    item.options.correlation_id = Some(correlation);
                }
                if item.cause_item.is_none() && item.options.causation_id.is_none() {
                    item.options.causation_id = Some(causation);
                }
                item
            })
            .collect();
        self.append_batch(items)
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
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::AppendError;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # let kind = EventKind::custom(1, 1);
    /// use batpak::store::BatchItem;
    ///
    /// let items = vec![
    ///     BatchItem::new(&coord, kind, &"placed")?,
    ///     BatchItem::new(&coord, kind, &("paid", 4200))?,
    /// ];
    /// let receipts = store.append_batch(items)?;
    /// assert_eq!(receipts.len(), 2);
    /// assert_eq!(receipts[1].entity_sequence, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// use batpak::store::BatchItem;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 4)]
    /// struct Shipped { carrier: String }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("order-1", "shop")?;
    /// let item = BatchItem::typed(&coord, &Shipped { carrier: "post".into() })?;
    /// let receipts = store.append_batch(vec![item])?;
    /// assert_eq!(receipts[0].kind, Shipped::KIND);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// use batpak::store::BatchItem;
    ///
    /// let bytes = rmp_serde::to_vec_named(&("placed", 1))?;
    /// let item = BatchItem::encoded(&coord, kind, 2, bytes.clone());
    /// let receipts = store.append_batch(vec![item])?;
    /// let event = store.get(receipts[0].event_id)?.expect("just written");
    /// assert_eq!(event.payload(), &bytes, "stored as given");
    /// assert_eq!(event.header().payload_version, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// use batpak::store::{AppendOptions, BatchError, BatchItem};
    ///
    /// store.append(&coord, kind, &"placed")?;
    /// // CAS inside a batch: this item expects an empty entity, which it is not.
    /// let item = BatchItem::new(&coord, kind, &"placed")?.options(AppendOptions::new().expected_sequence(0));
    /// let err = store.append_batch(vec![item]).unwrap_err();
    /// assert!(matches!(
    ///     err,
    ///     BatchError::Item { index: 0, error: AppendError::SequenceMismatch { .. } }
    /// ));
    /// assert_eq!(store.len(), 1, "nothing of the batch was written");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// use batpak::store::BatchItem;
    /// use batpak::CausationId;
    ///
    /// let items = vec![
    ///     BatchItem::new(&coord, kind, &"placed")?,
    ///     BatchItem::new(&coord, kind, &"reserved")?.caused_by_item(0),
    /// ];
    /// let receipts = store.append_batch(items)?;
    /// let effect = store.get(receipts[1].event_id)?.expect("just written");
    /// assert_eq!(effect.header().causation_id, Some(CausationId::from(receipts[0].event_id)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn caused_by_item(mut self, index: usize) -> BatchItem {
        self.cause_item = Some(index);
        self
    }

    /// The earlier item named as cause, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::BatchItem;
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let coord = Coordinate::new("order-1", "shop")?;
    /// let first = BatchItem::new(&coord, EventKind::custom(1, 1), &1)?;
    /// assert_eq!(first.cause_item(), None);
    /// assert_eq!(first.caused_by_item(0).cause_item(), Some(0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cause_item(&self) -> Option<usize> {
        self.cause_item
    }
}
