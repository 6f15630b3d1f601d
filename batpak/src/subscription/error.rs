//! Errors of cursors.

use std::path::PathBuf;

use crate::event::PayloadError;
use crate::store::{AppendError, ReadError};

/// Why a guaranteed cursor could not be opened, read or committed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CursorError {
    /// The cursor name cannot name a checkpoint file.
    #[error("cursor name {name:?} is refused: {reason}; use 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.'")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Another live cursor of this store already uses the name.
    #[error("cursor {name:?} is already open on this store; drop the other cursor first or use another name")]
    InUse {
        /// The name.
        name: String,
    },
    /// Reading events failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// An event does not decode as the typed cursor's payload type. The
    /// cursor stays before it.
    #[error("the next event does not decode for this cursor: {0}; register an upgrade step with StoreConfig::upcasters, or skip it with the raw cursor")]
    Payload(#[from] PayloadError),
    /// The typed cursor's payload type claims a kind another Rust type
    /// already uses in this store.
    #[error(transparent)]
    KindCollision(#[from] crate::event::KindCollision),
    /// The checkpoint file could not be read or written.
    #[error(
        "could not {action} the cursor checkpoint {path}: {source}; the previous checkpoint \
         is kept: check the store directory is writable and has free space, then commit again"
    )]
    CheckpointIo {
        /// What was being done.
        action: &'static str,
        /// The checkpoint (or temp) file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Syncing the store before a checkpoint failed (the checkpoint was not
    /// written, so it never covers events that are not durable).
    #[error(
        "could not sync the store before committing the cursor checkpoint: {0}; the \
         checkpoint was not written: reopen the store, then commit again"
    )]
    Sync(#[source] AppendError),
    /// The checkpoint file is damaged.
    #[error("the cursor checkpoint {path} is damaged ({reason}); delete it to restart the cursor from the beginning (events are then delivered again)")]
    CheckpointCorrupt {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The checkpoint names a position this store does not hold as it was
    /// seen (a buffered tail lost in a crash, or a checkpoint copied from
    /// another store).
    #[error("the cursor checkpoint {path} is at global sequence {position} but {reason}; delete it to restart the cursor from the beginning (events are then delivered again)")]
    CheckpointMismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// The position it holds.
        position: u64,
        /// What differs.
        reason: String,
    },
}
