//! The crate-wide [`Error`]. Each boundary has its own `#[non_exhaustive]`
//! error enum (coordinates, kinds, payloads, opening, appending, ...); each
//! converts into `Error`, so application code can use one type with `?`.

use crate::coordinate::CoordinateError;
use crate::event::{KindCollision, KindError, PayloadError};
use crate::id::IdParseError;
use crate::pipeline::PipelineError;
use crate::projection::ProjectionError;
use crate::store::{
    AppendError, BatchError, CloseError, CommitError, LoadError, OpenError, ReadError,
};
use crate::subscription::CursorError;
use crate::typestate::{ReplayError, TransitionError};

/// Any batpak error. Match on the variant for the boundary it came from.
///
/// # Examples
///
/// ```
/// fn open_account(entity: &str) -> Result<batpak::Coordinate, batpak::Error> {
///     Ok(batpak::Coordinate::new(entity, "bank")?)
/// }
/// assert!(matches!(open_account(""), Err(batpak::Error::Coordinate(_))));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An entity or scope name was refused.
    #[error(transparent)]
    Coordinate(#[from] CoordinateError),
    /// A category/type-id pair was refused.
    #[error(transparent)]
    Kind(#[from] KindError),
    /// A payload could not be encoded or decoded.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// Two Rust types claim the same event kind.
    #[error(transparent)]
    KindCollision(#[from] KindCollision),
    /// An id could not be parsed.
    #[error(transparent)]
    IdParse(#[from] IdParseError),
    /// A proposal was denied, or could not be evaluated or bypassed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A stored history broke a `#[state_machine]`.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A typed transition did not happen.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A store could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// An append was refused.
    #[error(transparent)]
    Append(#[from] AppendError),
    /// A batch was refused.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// A read failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Closing a store failed.
    #[error(transparent)]
    Close(#[from] CloseError),
    /// A gate receipt could not be committed to the store.
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// An entity's state machine could not be loaded from the store.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A projection could not be computed or cached.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// A guaranteed cursor could not be opened, read or committed.
    #[error(transparent)]
    Cursor(#[from] CursorError),
}
