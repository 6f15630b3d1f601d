//! The store's error enums, one per boundary: opening, appending, batches,
//! reading and closing. Each converts into [`crate::Error`].

use std::io;
use std::path::PathBuf;

use crate::coordinate::Coordinate;
use crate::event::{EventKind, KindCollision, PayloadError};
use crate::id::EventId;

use super::frame::FormatError;
use super::IdempotencyKey;

/// Why [`Store::open`](super::Store::open) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// A file operation failed.
    #[error(
        "could not {action} {path}: {source}; check that the path exists, is a directory \
         this process may write, and has free space"
    )]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Another `Store` (in this or another process) has the directory open.
    #[error(
        "store directory {dir} is locked: another Store, in this process or another, has it \
         open; close that Store first, or open a different directory"
    )]
    Locked {
        /// The directory.
        dir: PathBuf,
    },
    /// A segment holds an intact frame or payload larger than this
    /// configuration allows: it was written with larger limits.
    #[error(
        "segment {file} holds, at byte offset {offset}, a record larger than this \
         configuration allows ({reason}); nothing was changed. It was written with larger \
         limits: open with StoreConfig::max_payload_bytes / max_frame_bytes at least as \
         large as when it was written"
    )]
    LimitTooLow {
        /// The segment file.
        file: PathBuf,
        /// Byte offset of the record's frame.
        offset: u64,
        /// Which limit and by how much.
        reason: FormatError,
    },
    /// A file named like a segment is larger than any segment batpak
    /// writes, so it is not one (nothing of it is read into memory).
    #[error(
        "{file} is {len} bytes, larger than any segment batpak writes (at most {max} bytes): \
         it is not one of this store's segments; nothing was changed. Move it out of the \
         store directory"
    )]
    NotASegment {
        /// The file.
        file: PathBuf,
        /// Its size in bytes.
        len: u64,
        /// The largest segment batpak writes.
        max: u64,
    },
    /// A segment was written in another on-disk format version
    /// (docs/FORMAT.md "Version history"). Refused even with
    /// `repair_on_open`: the segment is intact, only not readable by this
    /// build.
    #[error(
        "segment {file} is in on-disk format version {found}, and this build of batpak reads \
         version {supported}; nothing was changed. Open the directory with the batpak \
         version that wrote it"
    )]
    UnsupportedFormat {
        /// The segment file.
        file: PathBuf,
        /// The version in its header.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },
    /// A segment is damaged somewhere other than a torn tail.
    #[error(
        "segment {file} is damaged at byte offset {offset}: {reason}; nothing was changed. \
         Copy the directory somewhere safe, then open with StoreConfig::repair_on_open(true) \
         to drop everything from that point on"
    )]
    Corrupt {
        /// The segment file.
        file: PathBuf,
        /// Byte offset of the damage in the file.
        offset: u64,
        /// What is wrong there.
        reason: FormatError,
    },
}

/// Why an append was refused. Nothing was written when an append returns an
/// error other than [`AppendError::WriteFailed`] (and after that one, the
/// store is poisoned and reopening recovers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppendError {
    /// The payload could not be encoded.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The payload is larger than the configured limit.
    #[error(
        "payload is {len} bytes, over the limit of {max} bytes: store large data elsewhere \
         and reference it, or raise StoreConfig::max_payload_bytes"
    )]
    PayloadTooLarge {
        /// Payload size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// One append or batch would be larger than the configured frame limit.
    #[error(
        "this write encodes to {len} bytes, over the frame limit of {max} bytes: split the \
         batch, or raise StoreConfig::max_frame_bytes"
    )]
    FrameTooLarge {
        /// Encoded size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Users may not append system kinds (category 0).
    #[error(
        "kind {kind} is in category 0, reserved for batpak's own system events: \
         use EventKind::custom with a category from 1 to 15"
    )]
    SystemKind {
        /// The refused kind.
        kind: EventKind,
    },
    /// Compare-and-swap failed: the entity's next sequence is not the
    /// expected one.
    #[error(
        "entity {coordinate} is at sequence {actual}, not the expected {expected}: \
         another append got there first; reload the entity and retry"
    )]
    SequenceMismatch {
        /// The entity.
        coordinate: Coordinate,
        /// The sequence the caller expected to write at.
        expected: u64,
        /// The entity's actual next sequence.
        actual: u64,
    },
    /// An idempotency key was reused for a different event.
    #[error(
        "idempotency key {key} was already used for event {original} with a different \
         coordinate, kind or payload: use a new key for a different event"
    )]
    IdempotencyConflict {
        /// The key.
        key: IdempotencyKey,
        /// The event first written with it.
        original: EventId,
    },
    /// A batch item names a cause that is not an earlier item of the batch.
    #[error(
        "caused_by_item {cause} does not name an earlier item of the batch: \
         an item can only be caused by an item before it"
    )]
    CauseOutOfRange {
        /// The index given.
        cause: usize,
    },
    /// Writing or syncing failed; the store is now poisoned.
    #[error(
        "the store could not {operation}: {reason}; it is poisoned and refuses further \
         writes (reopen it to recover; unsynced writes may be lost)"
    )]
    WriteFailed {
        /// What failed (write, sync, create a segment, ...).
        operation: &'static str,
        /// The OS error.
        reason: String,
    },
    /// An earlier write or sync failed; the store refuses writes.
    #[error(
        "the store is poisoned by an earlier failure ({reason}) and refuses writes: \
         reopen it to recover"
    )]
    Poisoned {
        /// The earlier failure.
        reason: String,
    },
    /// The store is closing or closed.
    #[error("the store is closed: open it again to append")]
    Closed,
    /// A typed append's payload type claims a kind another Rust type
    /// already used in this store.
    #[error(transparent)]
    KindCollision(#[from] KindCollision),
}

/// Why [`Store::append_batch`](super::Store::append_batch) wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The batch has no items.
    #[error("the batch is empty: give append_batch at least one item")]
    Empty,
    /// One item failed its checks, so no item was written.
    #[error("batch item {index} was refused, so nothing of the batch was written: {error}")]
    Item {
        /// Index of the item in the batch.
        index: usize,
        /// Why.
        #[source]
        error: AppendError,
    },
    /// The batch as a whole failed (size, poisoned or closed store, I/O).
    #[error("the batch was not written: {0}")]
    Batch(#[source] AppendError),
    /// The batch has more items than the configured limit.
    #[error(
        "the batch has {items} items, over the limit of {max} items per batch, so nothing \
         was written: split it into smaller batches, or raise StoreConfig::max_batch_items"
    )]
    TooManyItems {
        /// Items in the batch.
        items: usize,
        /// The limit.
        max: usize,
    },
    /// The batch's payloads add up to more than the configured limit.
    #[error(
        "the batch's payloads add up to {bytes} bytes, over the limit of {max} bytes per \
         batch, so nothing was written: split it into smaller batches, or raise \
         StoreConfig::max_batch_bytes"
    )]
    TooLarge {
        /// Payload bytes in the batch.
        bytes: usize,
        /// The limit.
        max: usize,
    },
}

impl BatchError {
    /// The underlying append error, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{AppendError, AppendOptions, BatchError, BatchItem, Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("e", "s")?;
    /// let stale = BatchItem::new(&coord, EventKind::custom(1, 1), &1)?
    ///     .options(AppendOptions::new().expected_sequence(5));
    /// let err = store.append_batch(vec![stale]).unwrap_err();
    /// assert!(matches!(err.append_error(), Some(AppendError::SequenceMismatch { .. })));
    /// assert!(store.append_batch(vec![]).unwrap_err().append_error().is_none());
    /// assert!(matches!(store.append_batch(vec![]), Err(BatchError::Empty)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append_error(&self) -> Option<&AppendError> {
        match self {
            BatchError::Empty | BatchError::TooManyItems { .. } | BatchError::TooLarge { .. } => {
                None
            }
            BatchError::Item { error, .. } | BatchError::Batch(error) => Some(error),
        }
    }
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Reading a segment failed.
    #[error(
        "could not read {path}: {source}; check the file still exists and is readable, \
         then close and reopen the store"
    )]
    Io {
        /// The segment file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Bytes read back do not decode (the file changed under the store).
    #[error(
        "segment {file} is damaged at byte offset {offset}: {reason}; close the store and \
         reopen it to rescan"
    )]
    Corrupt {
        /// The segment file.
        file: PathBuf,
        /// Byte offset.
        offset: u64,
        /// What is wrong.
        reason: FormatError,
    },
    /// The payload does not decode as the requested type.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The requested type claims a kind another Rust type already used in
    /// this store.
    #[error(transparent)]
    KindCollision(#[from] KindCollision),
}

/// Why [`Store::close`](super::Store::close) could not finish cleanly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseError {
    /// The final sync failed: buffered events may not be durable.
    #[error("the final sync failed ({reason}): buffered events written since the last sync may be lost; reopen to check")]
    SyncFailed {
        /// The OS error.
        reason: String,
    },
    /// The store was already poisoned by an earlier failure.
    #[error("the store was poisoned ({reason}); reopen it to recover")]
    Poisoned {
        /// The earlier failure.
        reason: String,
    },
}
