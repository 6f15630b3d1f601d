//! Live, lossy subscriptions: a bounded channel per subscriber that the
//! writer never waits on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::coordinate::Region;
use crate::event::StoredEvent;
use crate::store::Store;

use super::hub::LossySender;

/// Batches a lossy subscription holds before it starts missing events
/// ([`Store::subscribe_lossy`]).
pub const DEFAULT_LOSSY_CAPACITY: usize = 1024;

/// One committed write's events that matched the subscription's region, in
/// log order. A batch appended with `append_batch` arrives as one
/// `LiveBatch` (never split), holding those of its events in the region.
pub type LiveBatch = Vec<StoredEvent<Vec<u8>>>;

/// A live feed of new events in a region, from [`Store::subscribe_lossy`].
///
/// Lossy by design: the writer never waits for a subscriber. When this
/// subscription's channel is full, new batches are dropped and
/// [`LossySubscription::missed`] counts their events. For delivery that
/// never loses an event, use a cursor ([`Store::cursor_guaranteed`]).
/// Dropping the subscription unregisters it (at the next commit).
#[derive(Debug)]
pub struct LossySubscription {
    rx: flume::Receiver<LiveBatch>,
    missed: Arc<AtomicU64>,
}

impl LossySubscription {
    /// The next batch, waiting for one; `None` once the store is closed and
    /// every delivered batch was received.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let feed = store.subscribe_lossy(&Region::all());
    /// let coord = Coordinate::new("a", "s")?;
    /// store.append(&coord, EventKind::custom(1, 1), &1u8)?;
    /// let batch = feed.recv().expect("delivered during the append");
    /// assert_eq!(batch[0].coordinate, coord);
    /// store.close()?;
    /// assert!(feed.recv().is_none(), "closed and drained");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recv(&self) -> Option<LiveBatch> {
        self.rx.recv().ok()
    }

    /// The next batch, waiting at most `timeout`; `None` on timeout or once
    /// the store is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let feed = store.subscribe_lossy(&Region::all());
    /// assert!(feed.recv_timeout(Duration::ZERO).is_none(), "nothing committed yet");
    /// store.append(&Coordinate::new("a", "s")?, EventKind::custom(1, 1), &1u8)?;
    /// assert!(feed.recv_timeout(Duration::from_secs(5)).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Option<LiveBatch> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// The next batch if one is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let feed = store.subscribe_lossy(&Region::all());
    /// assert!(feed.try_recv().is_none());
    /// store.append(&Coordinate::new("a", "s")?, EventKind::custom(1, 1), &1u8)?;
    /// assert_eq!(feed.try_recv().map(|batch| batch.len()), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_recv(&self) -> Option<LiveBatch> {
        self.rx.try_recv().ok()
    }

    /// Batches waiting to be received.
    ///
    /// # Examples
    ///
    /// See [`Store::subscribe_lossy_with_capacity`].
    pub fn pending(&self) -> usize {
        self.rx.len()
    }

    /// Events dropped because the channel was full, since the subscription
    /// began.
    ///
    /// # Examples
    ///
    /// See [`Store::subscribe_lossy_with_capacity`].
    pub fn missed(&self) -> u64 {
        self.missed.load(Ordering::Acquire)
    }
}

impl Store {
    /// Subscribes to the events committed from now on in `region`, with a
    /// channel of [`DEFAULT_LOSSY_CAPACITY`] batches.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let feed = store.subscribe_lossy(&Region::scope("bank"));
    /// let account = Coordinate::new("account-1", "bank")?;
    /// store.append(&account, EventKind::custom(1, 1), &100u64)?;
    /// store.append(&Coordinate::new("cart-1", "shop")?, EventKind::custom(1, 1), &1u64)?;
    /// let batch = feed.try_recv().expect("delivered during the append");
    /// assert_eq!(batch[0].coordinate, account);
    /// assert!(feed.try_recv().is_none(), "the shop event is outside the region");
    /// assert_eq!(feed.missed(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe_lossy(&self, region: &Region) -> LossySubscription {
        self.subscribe_lossy_with_capacity(region, DEFAULT_LOSSY_CAPACITY)
    }

    /// As [`Store::subscribe_lossy`], holding at most `capacity` batches
    /// (at least 1) before missing events.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let feed = store.subscribe_lossy_with_capacity(&Region::all(), 1);
    /// let c = Coordinate::new("a", "s")?;
    /// for n in 0..3u64 {
    ///     store.append(&c, EventKind::custom(1, 1), &n)?;
    /// }
    /// assert_eq!((feed.pending(), feed.missed()), (1, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe_lossy_with_capacity(
        &self,
        region: &Region,
        capacity: usize,
    ) -> LossySubscription {
        self.start_delivery();
        let (tx, rx) = flume::bounded(capacity.max(1));
        let missed = Arc::new(AtomicU64::new(0));
        self.hub().add_lossy(LossySender {
            region: region.clone(),
            tx,
            missed: Arc::clone(&missed),
        });
        LossySubscription { rx, missed }
    }

    /// Lossy subscriptions still registered; dropped ones are pruned at the
    /// next commit.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// assert_eq!(store.lossy_subscribers(), 0);
    /// let feed = store.subscribe_lossy(&Region::all());
    /// let other = store.subscribe_lossy(&Region::scope("bank"));
    /// assert_eq!(store.lossy_subscribers(), 2);
    /// drop(other);
    /// store.append(&Coordinate::new("a", "s")?, EventKind::custom(1, 1), &1u8)?; // prunes
    /// assert_eq!(store.lossy_subscribers(), 1);
    /// # drop(feed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lossy_subscribers(&self) -> usize {
        self.hub().lossy_subscribers()
    }
}
