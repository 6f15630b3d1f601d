//! Guaranteed cursors: pull-based, resumable, at-least-once delivery.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::coordinate::Region;
use crate::event::{EventPayload, StoredEvent};
use crate::projection::intersect;
use crate::store::Store;

use super::checkpoint::{self, Checkpoint};
use super::CursorError;

/// Events a cursor reads from the store at a time.
const FETCH: usize = 256;
/// Longest cursor name.
pub const MAX_CURSOR_NAME_LEN: usize = 64;

/// A durable, resumable reader of a region, from
/// [`Store::cursor_guaranteed`].
///
/// It delivers every event of its region in global order, never skipping
/// one: not under concurrent appends (it reads only what the index has
/// published, and a write is published whole), not across segment
/// rotation, and not around batches (a batch is visible whole or not yet).
///
/// **At-least-once.** [`GuaranteedCursor::commit`] durably records how far
/// the consumer has processed. After a restart (or a crash) a cursor of the
/// same name resumes after the last commit, so events delivered but not
/// committed are delivered again: make their handling idempotent. Within one
/// cursor's life nothing is delivered twice.
///
/// # Examples
///
/// ```
/// # use batpak::prelude::*;
/// # use batpak::store::{Store, StoreConfig};
/// let dir = tempfile::tempdir()?;
/// let coord = Coordinate::new("order-1", "shop")?;
/// {
///     let store = Store::open(StoreConfig::new(dir.path()))?;
///     for n in 0..3u64 {
///         store.append(&coord, EventKind::custom(1, 1), &n)?;
///     }
///     let mut mailer = store.cursor_guaranteed(&Region::scope("shop"), "mailer")?;
///     let first = mailer.poll()?.expect("three events wait");
///     assert_eq!(first.header().global_sequence, 0);
///     mailer.commit()?; // event 0 is handled
///     assert_eq!(mailer.poll()?.unwrap().header().global_sequence, 1);
///     // not committed: delivered again after a restart
/// }
/// let store = Store::open(StoreConfig::new(dir.path()))?;
/// let mut mailer = store.cursor_guaranteed(&Region::scope("shop"), "mailer")?;
/// let seqs: Vec<u64> = mailer.poll_batch(10)?.iter().map(|e| e.header().global_sequence).collect();
/// assert_eq!(seqs, [1, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct GuaranteedCursor<'s> {
    store: &'s Store,
    region: Region,
    name: String,
    path: PathBuf,
    /// The next global sequence not yet delivered (or skipped as outside
    /// the region).
    delivered: u64,
    /// The next global sequence not yet read into `pending`.
    fetched: u64,
    /// Events of the region in `delivered..fetched`, in order.
    pending: VecDeque<StoredEvent<Vec<u8>>>,
    committed: u64,
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() > MAX_CURSOR_NAME_LEN {
        return Err("it is longer than 64 bytes");
    }
    if name.starts_with('.') {
        return Err("it starts with '.'");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("it has a character other than ASCII letters, digits, '-', '_', '.'");
    }
    Ok(())
}

impl<'s> GuaranteedCursor<'s> {
    fn open(store: &'s Store, region: &Region, name: &str) -> Result<Self, CursorError> {
        check_name(name).map_err(|reason| CursorError::InvalidName {
            name: name.to_owned(),
            reason,
        })?;
        store.start_delivery();
        if !store.hub().claim_cursor(name) {
            return Err(CursorError::InUse {
                name: name.to_owned(),
            });
        }
        let path = checkpoint::path(store.config().dir(), name);
        // From here on, Drop releases the name.
        let mut cursor = GuaranteedCursor {
            store,
            region: region.clone(),
            name: name.to_owned(),
            path,
            delivered: 0,
            fetched: 0,
            pending: VecDeque::new(),
            committed: 0,
        };
        if let Some(saved) = checkpoint::read(&cursor.path)? {
            cursor.check(saved)?;
            cursor.delivered = saved.position;
            cursor.fetched = saved.position;
            cursor.committed = saved.position;
        }
        Ok(cursor)
    }

    /// Refuses a checkpoint that does not describe this store.
    fn check(&self, saved: Checkpoint) -> Result<(), CursorError> {
        let mismatch = |reason: String| CursorError::CheckpointMismatch {
            path: self.path.clone(),
            position: saved.position,
            reason,
        };
        let len = self.store.len();
        if saved.position > len {
            return Err(mismatch(format!("the store holds only {len} events")));
        }
        if saved.position > 0 && self.store.hash_at(saved.position - 1)? != saved.last_hash {
            return Err(mismatch(format!(
                "the event at global sequence {} is not the one the cursor saw",
                saved.position - 1
            )));
        }
        Ok(())
    }

    /// The cursor's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let cursor = store.cursor_guaranteed(&Region::all(), "mailer")?;
    /// assert_eq!(cursor.name(), "mailer");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next global sequence the cursor will consider: every event of
    /// the region below it has been delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # for n in 0..3u64 {
    /// #     store.append(&coord, EventKind::custom(1, 1), &n)?;
    /// # }
    /// let mut cursor = store.cursor_guaranteed(&Region::scope("shop"), "mailer")?;
    /// assert_eq!(cursor.position(), 0);
    /// cursor.poll()?;
    /// assert_eq!(cursor.position(), 1, "event 0 delivered");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn position(&self) -> u64 {
        self.delivered
    }

    /// The position last committed (where a restart resumes).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # for n in 0..3u64 {
    /// #     store.append(&coord, EventKind::custom(1, 1), &n)?;
    /// # }
    /// let mut cursor = store.cursor_guaranteed(&Region::scope("shop"), "mailer")?;
    /// cursor.poll_batch(2)?;
    /// assert_eq!((cursor.position(), cursor.committed_position()), (2, 0));
    /// cursor.commit()?;
    /// assert_eq!(cursor.committed_position(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn committed_position(&self) -> u64 {
        self.committed
    }

    /// Reads the next events of the region into `pending` if it is empty.
    fn refill(&mut self) -> Result<(), CursorError> {
        if !self.pending.is_empty() {
            return Ok(());
        }
        let end = self.store.len();
        if self.fetched >= end {
            return Ok(());
        }
        let Some(range) = intersect(&self.region, self.fetched, end - 1) else {
            self.fetched = end;
            self.delivered = end;
            return Ok(());
        };
        let mut got = Vec::with_capacity(FETCH);
        for event in self
            .store
            .query(&self.region.clone().with_sequence(range))
            .take(FETCH)
        {
            got.push(event?);
        }
        self.fetched = match got.last() {
            Some(last) if got.len() == FETCH => last.header().global_sequence + 1,
            _ => end,
        };
        self.pending.extend(got);
        if self.pending.is_empty() {
            self.delivered = self.fetched;
        }
        Ok(())
    }

    /// The next event, without taking it.
    fn peek(&mut self) -> Result<Option<&StoredEvent<Vec<u8>>>, CursorError> {
        self.refill()?;
        Ok(self.pending.front())
    }

    /// Takes the event `peek` returned.
    fn take(&mut self) -> Option<StoredEvent<Vec<u8>>> {
        let event = self.pending.pop_front()?;
        self.delivered = event.header().global_sequence + 1;
        if self.pending.is_empty() {
            self.delivered = self.fetched;
        }
        Some(event)
    }

    /// The next event of the region, if one is committed; never waits.
    ///
    /// # Examples
    ///
    /// See [`GuaranteedCursor`].
    ///
    /// # Errors
    ///
    /// [`CursorError::Read`] if the event cannot be read (the cursor stays
    /// before it).
    pub fn poll(&mut self) -> Result<Option<StoredEvent<Vec<u8>>>, CursorError> {
        self.peek()?;
        Ok(self.take())
    }

    /// Up to `max` next events of the region; empty if none is committed.
    ///
    /// # Examples
    ///
    /// See [`GuaranteedCursor`].
    ///
    /// # Errors
    ///
    /// As [`GuaranteedCursor::poll`].
    pub fn poll_batch(&mut self, max: usize) -> Result<Vec<StoredEvent<Vec<u8>>>, CursorError> {
        let mut out = Vec::new();
        while out.len() < max {
            match self.poll()? {
                Some(event) => out.push(event),
                None => break,
            }
        }
        Ok(out)
    }

    /// The next event, waiting up to `timeout` for one to be committed
    /// (woken by the commit, never by polling); `None` on timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("order-1", "shop")?;
    /// let mut cursor = store.cursor_guaranteed(&Region::scope("shop"), "mailer")?;
    /// assert!(cursor.wait(Duration::ZERO)?.is_none(), "nothing committed yet");
    /// std::thread::scope(|s| -> Result<(), Box<dyn std::error::Error>> {
    ///     s.spawn(|| store.append(&coord, EventKind::custom(1, 1), &1u8));
    ///     // Woken by the commit; the long timeout is only an upper bound.
    ///     let event = cursor.wait(Duration::from_secs(30))?.expect("the append commits");
    ///     assert_eq!(event.coordinate, coord);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GuaranteedCursor::poll`].
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<StoredEvent<Vec<u8>>>, CursorError> {
        // A timeout too large to add to now means no deadline.
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let seen = self.store.hub().commits();
            if let Some(event) = self.poll()? {
                return Ok(Some(event));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
            self.store.hub().wait_for_commit(seen, deadline);
        }
    }

    /// Up to `max` events, waiting up to `timeout` for the first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("order-1", "shop")?;
    /// # for n in 0..3u64 {
    /// #     store.append(&coord, EventKind::custom(1, 1), &n)?;
    /// # }
    /// let mut cursor = store.cursor_guaranteed(&Region::scope("shop"), "mailer")?;
    /// let events = cursor.wait_batch(2, Duration::from_secs(30))?;
    /// assert_eq!(events.len(), 2, "at most `max`");
    /// assert_eq!(cursor.wait_batch(10, Duration::from_secs(30))?.len(), 1);
    /// assert!(cursor.wait_batch(10, Duration::ZERO)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GuaranteedCursor::poll`].
    pub fn wait_batch(
        &mut self,
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<StoredEvent<Vec<u8>>>, CursorError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let Some(first) = self.wait(timeout)? else {
            return Ok(Vec::new());
        };
        let mut out = vec![first];
        out.extend(self.poll_batch(max - 1)?);
        Ok(out)
    }

    /// Durably records that every event delivered so far is handled: a
    /// cursor of this name resumes after them, after a restart or a crash.
    /// If some of those events were appended buffered and are not synced
    /// yet, the store is synced first, so a checkpoint never points past
    /// what a crash keeps.
    ///
    /// # Examples
    ///
    /// See [`GuaranteedCursor`].
    ///
    /// # Errors
    ///
    /// [`CursorError::CheckpointIo`] if the checkpoint cannot be written
    /// (the previous one stays); [`CursorError::Sync`] if syncing buffered
    /// events fails; [`CursorError::Read`] if the last event's hash cannot
    /// be read.
    pub fn commit(&mut self) -> Result<(), CursorError> {
        let position = self.delivered;
        if position == self.committed && self.path_exists() {
            return Ok(());
        }
        let last_hash = match position.checked_sub(1) {
            Some(seq) => {
                // A checkpoint never covers events a crash could still
                // lose (buffered appends): sync them first.
                if !self.store.is_durable(seq) {
                    self.store.sync().map_err(CursorError::Sync)?;
                }
                self.store.hash_at(seq)?
            }
            None => None,
        };
        let io = &self.store.config().io;
        checkpoint::write(
            io.as_ref(),
            &self.path,
            Checkpoint {
                position,
                last_hash,
            },
        )?;
        self.committed = position;
        Ok(())
    }

    fn path_exists(&self) -> bool {
        Path::new(&self.path).exists()
    }
}

impl Drop for GuaranteedCursor<'_> {
    fn drop(&mut self) {
        self.store.hub().release_cursor(&self.name);
    }
}

/// A [`GuaranteedCursor`] that decodes each event as `T`, from
/// [`Store::cursor_guaranteed_typed`]. Events of other kinds, and system
/// events, are passed over.
///
/// # Examples
///
/// ```
/// # use batpak::prelude::*;
/// # use batpak::store::{Store, StoreConfig};
/// #[derive(Debug, PartialEq, EventPayload, serde::Serialize, serde::Deserialize)]
/// #[batpak(category = 3, type_id = 1)]
/// struct Shipped { parcel: u32 }
///
/// # let dir = tempfile::tempdir()?;
/// # let store = Store::open(StoreConfig::new(dir.path()))?;
/// let order = Coordinate::new("order-9", "shop")?;
/// store.append(&order, EventKind::custom(3, 2), &"something else")?;
/// store.append_typed(&order, &Shipped { parcel: 7 })?;
/// let mut cursor = store.cursor_guaranteed_typed::<Shipped>(&Region::scope("shop"), "tracker")?;
/// let event = cursor.poll()?.expect("one Shipped");
/// assert_eq!(event.payload(), &Shipped { parcel: 7 });
/// assert!(cursor.poll()?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TypedCursor<'s, T> {
    raw: GuaranteedCursor<'s>,
    _payload: PhantomData<fn() -> T>,
}

impl<T: EventPayload> TypedCursor<'_, T> {
    /// The untyped cursor underneath (position, commit, name).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(Debug, PartialEq, EventPayload, serde::Serialize, serde::Deserialize)]
    /// # #[batpak(category = 3, type_id = 1)]
    /// # struct Shipped { parcel: u32 }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let order = Coordinate::new("order-9", "shop")?;
    /// # store.append_typed(&order, &Shipped { parcel: 1 })?;
    /// # store.append(&order, EventKind::custom(3, 2), &"not a Shipped")?;
    /// # store.append_typed(&order, &Shipped { parcel: 2 })?;
    /// let mut cursor = store.cursor_guaranteed_typed::<Shipped>(&Region::scope("shop"), "tracker")?;
    /// assert_eq!(cursor.raw().name(), "tracker");
    /// cursor.poll()?;
    /// assert_eq!(cursor.raw().position(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn raw(&self) -> &GuaranteedCursor<'_> {
        &self.raw
    }

    /// As [`GuaranteedCursor::poll`], decoded.
    ///
    /// # Examples
    ///
    /// See [`TypedCursor`].
    ///
    /// # Errors
    ///
    /// [`CursorError::Payload`] if the next event of `T`'s kinds does not
    /// decode (the cursor stays before it); as [`GuaranteedCursor::poll`].
    pub fn poll(&mut self) -> Result<Option<StoredEvent<T>>, CursorError> {
        let store = self.raw.store;
        loop {
            let Some(event) = self.raw.peek()? else {
                return Ok(None);
            };
            let kind = event.header().kind;
            if kind.is_system() || !T::KINDS.contains(&kind) {
                self.raw.take();
                continue;
            }
            let typed = event.decode::<T>(store.upcasters())?;
            self.raw.take();
            return Ok(Some(typed));
        }
    }

    /// As [`GuaranteedCursor::poll_batch`], decoded.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(Debug, PartialEq, EventPayload, serde::Serialize, serde::Deserialize)]
    /// # #[batpak(category = 3, type_id = 1)]
    /// # struct Shipped { parcel: u32 }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let order = Coordinate::new("order-9", "shop")?;
    /// # store.append_typed(&order, &Shipped { parcel: 1 })?;
    /// # store.append(&order, EventKind::custom(3, 2), &"not a Shipped")?;
    /// # store.append_typed(&order, &Shipped { parcel: 2 })?;
    /// let mut cursor = store.cursor_guaranteed_typed::<Shipped>(&Region::scope("shop"), "tracker")?;
    /// let parcels: Vec<u32> = cursor.poll_batch(10)?.iter().map(|e| e.payload().parcel).collect();
    /// assert_eq!(parcels, [1, 2], "the event of another kind is passed over");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TypedCursor::poll`].
    pub fn poll_batch(&mut self, max: usize) -> Result<Vec<StoredEvent<T>>, CursorError> {
        let mut out = Vec::new();
        while out.len() < max {
            match self.poll()? {
                Some(event) => out.push(event),
                None => break,
            }
        }
        Ok(out)
    }

    /// As [`GuaranteedCursor::wait`], decoded.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// # use batpak::prelude::*;
    /// # #[derive(Debug, PartialEq, EventPayload, serde::Serialize, serde::Deserialize)]
    /// # #[batpak(category = 3, type_id = 1)]
    /// # struct Shipped { parcel: u32 }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let order = Coordinate::new("order-9", "shop")?;
    /// # store.append_typed(&order, &Shipped { parcel: 1 })?;
    /// # store.append(&order, EventKind::custom(3, 2), &"not a Shipped")?;
    /// # store.append_typed(&order, &Shipped { parcel: 2 })?;
    /// let mut cursor = store.cursor_guaranteed_typed::<Shipped>(&Region::scope("shop"), "tracker")?;
    /// assert_eq!(cursor.wait(Duration::from_secs(30))?.map(|e| e.event.payload), Some(Shipped { parcel: 1 }));
    /// assert_eq!(cursor.wait(Duration::from_secs(30))?.map(|e| e.event.payload), Some(Shipped { parcel: 2 }));
    /// assert!(cursor.wait(Duration::ZERO)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TypedCursor::poll`].
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<StoredEvent<T>>, CursorError> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let seen = self.raw.store.hub().commits();
            if let Some(event) = self.poll()? {
                return Ok(Some(event));
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(None);
            }
            self.raw.store.hub().wait_for_commit(seen, deadline);
        }
    }

    /// As [`GuaranteedCursor::commit`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(Debug, PartialEq, EventPayload, serde::Serialize, serde::Deserialize)]
    /// # #[batpak(category = 3, type_id = 1)]
    /// # struct Shipped { parcel: u32 }
    /// # let dir = tempfile::tempdir()?;
    /// # let order = Coordinate::new("order-9", "shop")?;
    /// {
    ///     let store = Store::open(StoreConfig::new(dir.path()))?;
    ///     store.append_typed(&order, &Shipped { parcel: 1 })?;
    ///     store.append_typed(&order, &Shipped { parcel: 2 })?;
    ///     let mut cursor = store.cursor_guaranteed_typed::<Shipped>(&Region::all(), "tracker")?;
    ///     cursor.poll()?;
    ///     cursor.commit()?; // parcel 1 is handled, durably
    /// }
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let mut cursor = store.cursor_guaranteed_typed::<Shipped>(&Region::all(), "tracker")?;
    /// assert_eq!(cursor.poll()?.map(|e| e.event.payload), Some(Shipped { parcel: 2 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GuaranteedCursor::commit`].
    pub fn commit(&mut self) -> Result<(), CursorError> {
        self.raw.commit()
    }
}

impl Store {
    /// Opens the guaranteed cursor `name` over `region`, resuming after its
    /// last committed checkpoint (kept in `cursors/NAME.cursor` in the store
    /// directory), or at the start of the log if it has none.
    ///
    /// # Examples
    ///
    /// See [`GuaranteedCursor`].
    ///
    /// # Errors
    ///
    /// [`CursorError::InvalidName`], [`CursorError::InUse`] (one live
    /// cursor per name), [`CursorError::CheckpointCorrupt`] or
    /// [`CursorError::CheckpointMismatch`] for a checkpoint that cannot be
    /// trusted, [`CursorError::CheckpointIo`] if it cannot be read.
    pub fn cursor_guaranteed(
        &self,
        region: &Region,
        name: &str,
    ) -> Result<GuaranteedCursor<'_>, CursorError> {
        GuaranteedCursor::open(self, region, name)
    }

    /// As [`Store::cursor_guaranteed`], decoding each event as `T`.
    ///
    /// # Examples
    ///
    /// See [`TypedCursor`].
    ///
    /// # Errors
    ///
    /// As [`Store::cursor_guaranteed`].
    pub fn cursor_guaranteed_typed<T: EventPayload + 'static>(
        &self,
        region: &Region,
        name: &str,
    ) -> Result<TypedCursor<'_, T>, CursorError> {
        self.claim::<T>()?;
        Ok(TypedCursor {
            raw: GuaranteedCursor::open(self, region, name)?,
            _payload: PhantomData,
        })
    }
}
