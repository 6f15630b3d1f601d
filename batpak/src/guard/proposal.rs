//! [`Proposal`]: an event that has not been written yet.

use crate::coordinate::Coordinate;
use crate::event::{EventKind, EventPayload};

/// An event someone wants to write: where (its coordinate), what kind, and
/// the typed payload. Gates see it whole; the pipeline turns it into a
/// [`Receipt`](super::Receipt) once they all agree.
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, Proposal};
/// use batpak::{Coordinate, EventPayload};
///
/// // Any payload type works; `Denial` is one batpak ships.
/// let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
/// assert_eq!(proposal.kind(), proposal.payload().kind());
/// assert_eq!(proposal.coordinate().entity(), "acct-1");
/// # Ok::<(), batpak::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal<T> {
    coordinate: Coordinate,
    kind: EventKind,
    payload: T,
}

impl<T: EventPayload> Proposal<T> {
    /// Proposes `payload` at `coordinate`; the kind is `payload.kind()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Proposal};
    /// use batpak::{Coordinate, EventKind, EventPayload};
    ///
    /// let payload = Denial::new("overdrawn", "balance too low");
    /// let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, payload);
    /// // The kind comes from the payload, never from the caller.
    /// assert_eq!(proposal.kind(), proposal.payload().kind());
    /// assert_eq!(proposal.kind(), EventKind::SYSTEM_DENIAL);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn new(coordinate: Coordinate, payload: T) -> Proposal<T> {
        let kind = payload.kind();
        Proposal {
            coordinate,
            kind,
            payload,
        }
    }
}

impl<T> Proposal<T> {
    /// Where the event would be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Proposal};
    /// use batpak::Coordinate;
    ///
    /// let coord = Coordinate::new("acct-1", "bank")?;
    /// let proposal = Proposal::new(coord.clone(), Denial::new("c", "m"));
    /// assert_eq!(proposal.coordinate(), &coord);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn coordinate(&self) -> &Coordinate {
        &self.coordinate
    }

    /// The kind it would be written as.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Proposal};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
    /// assert_eq!(proposal.kind(), EventKind::SYSTEM_DENIAL);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The typed payload.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Proposal};
    /// use batpak::Coordinate;
    ///
    /// let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("overdrawn", "m"));
    /// assert_eq!(proposal.payload().code(), "overdrawn");
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// Takes the proposal apart.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Proposal};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("overdrawn", "m"));
    /// let (coord, kind, payload) = proposal.into_parts();
    /// assert_eq!(coord.entity(), "acct-1");
    /// assert_eq!(kind, EventKind::SYSTEM_DENIAL);
    /// assert_eq!(payload.code(), "overdrawn");
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn into_parts(self) -> (Coordinate, EventKind, T) {
        (self.coordinate, self.kind, self.payload)
    }
}
