//! Limits on one batch: how many items and how many payload bytes.
//!
//! A batch is one frame, written and synced as a unit while every other
//! writer waits, and held in memory whole on the caller's side, in the
//! writer's buffer and by recovery. The limits keep one careless caller from
//! stalling the store or exhausting memory; docs/TUNING.md gives the
//! defaults and when to raise them.

use super::error::BatchError;
use super::{BatchItem, StoreConfig};

/// Default most items in one batch: 10 000.
pub const DEFAULT_MAX_BATCH_ITEMS: usize = 10_000;
/// Default most payload bytes in one batch (all items together): 16 MiB.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;

impl StoreConfig {
    /// Refuse a batch of more than this many items (default
    /// [`DEFAULT_MAX_BATCH_ITEMS`], at least 1) with
    /// [`BatchError::TooManyItems`].
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::store::BatchError;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).max_batch_items(2))?;
    /// let c = Coordinate::new("a", "b")?;
    /// let items = vec![BatchItem::new(&c, EventKind::custom(1, 1), &1)?; 3];
    /// assert!(matches!(
    ///     store.append_batch(items),
    ///     Err(BatchError::TooManyItems { items: 3, max: 2 })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_batch_items(mut self, items: usize) -> StoreConfig {
        self.max_batch_items = items.max(1);
        self
    }

    /// Refuse a batch whose payloads add up to more than this many bytes
    /// (default [`DEFAULT_MAX_BATCH_BYTES`]) with [`BatchError::TooLarge`].
    /// Each payload is still bounded by
    /// [`StoreConfig::max_payload_bytes`], and the encoded batch by
    /// [`StoreConfig::max_frame_bytes`].
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::store::BatchError;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()).max_batch_bytes(100))?;
    /// let c = Coordinate::new("a", "b")?;
    /// let items = vec![BatchItem::new(&c, EventKind::custom(1, 1), &"x".repeat(60))?; 2];
    /// assert!(matches!(store.append_batch(items), Err(BatchError::TooLarge { max: 100, .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_batch_bytes(mut self, bytes: usize) -> StoreConfig {
        self.max_batch_bytes = bytes;
        self
    }

    /// The batch item limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{StoreConfig, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_ITEMS};
    ///
    /// let config = StoreConfig::new("events");
    /// assert_eq!(config.batch_item_limit(), DEFAULT_MAX_BATCH_ITEMS);
    /// assert_eq!(config.batch_byte_limit(), DEFAULT_MAX_BATCH_BYTES);
    /// assert_eq!(config.max_batch_items(0).batch_item_limit(), 1);
    /// ```
    pub fn batch_item_limit(&self) -> usize {
        self.max_batch_items
    }

    /// The batch payload-bytes limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{StoreConfig, DEFAULT_MAX_BATCH_BYTES};
    ///
    /// assert_eq!(StoreConfig::new("events").batch_byte_limit(), DEFAULT_MAX_BATCH_BYTES);
    /// assert_eq!(StoreConfig::new("events").max_batch_bytes(4096).batch_byte_limit(), 4096);
    /// ```
    pub fn batch_byte_limit(&self) -> usize {
        self.max_batch_bytes
    }
}

/// Checks a batch against the configured limits before anything else.
pub(crate) fn check_batch(config: &StoreConfig, items: &[BatchItem]) -> Result<(), BatchError> {
    if items.len() > config.max_batch_items {
        return Err(BatchError::TooManyItems {
            items: items.len(),
            max: config.max_batch_items,
        });
    }
    let bytes = items
        .iter()
        .fold(0usize, |sum, item| sum.saturating_add(item.payload.len()));
    if bytes > config.max_batch_bytes {
        return Err(BatchError::TooLarge {
            bytes,
            max: config.max_batch_bytes,
        });
    }
    Ok(())
}
