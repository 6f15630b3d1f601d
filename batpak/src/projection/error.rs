//! Errors of projecting.

use std::path::PathBuf;

use crate::event::{KindCollision, PayloadError};
use crate::store::ReadError;

/// Why a projection could not be computed or its cache file not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectionError {
    /// Reading the events failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A stored event of the projection's payload type did not decode.
    #[error("a stored event does not decode as the projection's payload type: {0}; register an upgrade step with StoreConfig::upcasters or fix the payload type")]
    Payload(#[from] PayloadError),
    /// The projection's payload type claims a kind another Rust type
    /// already uses in this store.
    #[error(transparent)]
    KindCollision(#[from] KindCollision),
    /// The projection's state could not be encoded for its cache file.
    #[error("the projection state could not be encoded for the cache file {path}: {reason}; check its Serialize impl")]
    CacheEncode {
        /// The cache file.
        path: PathBuf,
        /// What serde reported.
        reason: String,
    },
    /// The cache file could not be written.
    #[error("could not write the projection cache file {path}: {source}; check the directory exists and is writable")]
    CacheIo {
        /// The cache file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
