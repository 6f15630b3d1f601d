//! Batches written in reaction to an earlier event.

use crate::id::{CausationId, CorrelationId};

use super::error::BatchError;
use super::{AppendReceipt, BatchItem, Store};

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
