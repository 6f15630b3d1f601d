//! [`EventHeader`], [`Event`], [`StoredEvent`] and [`EventHash`].

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::EventKind;
use crate::coordinate::Coordinate;
use crate::id::{CausationId, CorrelationId, EventId};

/// Everything the store records about an event besides its coordinate and
/// payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventHeader {
    /// Unique id (UUID v7).
    pub event_id: EventId,
    /// Position in the whole store, starting at 0, without gaps.
    pub global_sequence: u64,
    /// Position within the event's entity, starting at 0, without gaps.
    pub entity_sequence: u64,
    /// Microseconds since the Unix epoch when the event was appended (the
    /// events of one batch share their commit time).
    pub timestamp_micros: u64,
    /// What kind of event this is.
    pub kind: EventKind,
    /// The payload's schema version ([`EventPayload::VERSION`](super::EventPayload::VERSION)
    /// when it was written).
    pub payload_version: u16,
    /// The request this event belongs to (its own id when it starts one).
    pub correlation_id: CorrelationId,
    /// The event that caused this one, if any.
    pub causation_id: Option<CausationId>,
}

/// Microseconds since the Unix epoch now; 0 if the clock is before 1970.
///
/// # Examples
///
/// ```
/// use batpak::event::now_micros;
///
/// let a = now_micros();
/// let b = now_micros();
/// assert!(a > 1_600_000_000_000_000, "microseconds, not seconds or millis");
/// assert!(b >= a);
/// ```
pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// An event's header with its payload, either raw bytes (`P = Vec<u8>`) or
/// decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event<P> {
    /// The header.
    pub header: EventHeader,
    /// The payload.
    pub payload: P,
}

impl<P> Event<P> {
    /// Transforms the payload, keeping the header.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("account-7", "bank")?;
    /// let receipt = store.append(&coord, EventKind::custom(1, 1), &250u32)?;
    /// let stored = store.get(receipt.event_id)?.expect("just written");
    /// let event: batpak::event::Event<Vec<u8>> = stored.event;
    /// let header = event.header;
    /// let len = event.map(|bytes| bytes.len());
    /// assert_eq!(len.header, header, "the header is kept");
    /// assert!(len.payload > 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> Event<Q> {
        Event {
            header: self.header,
            payload: f(self.payload),
        }
    }
}

/// A blake3 hash in an entity's chain (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventHash(pub [u8; 32]);

impl EventHash {
    /// The "previous hash" of an entity's first event.
    pub const GENESIS: EventHash = EventHash([0; 32]);

    /// The raw bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::EventHash;
    ///
    /// assert_eq!(EventHash::GENESIS.as_bytes(), &[0u8; 32]);
    /// assert_eq!(EventHash([0xAB; 32]).to_string(), "ab".repeat(32));
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({self})")
    }
}

/// An event as read back from the store: where it belongs, the event, and
/// its place in the entity's hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent<P> {
    /// The entity and scope it belongs to.
    pub coordinate: Coordinate,
    /// Header and payload.
    pub event: Event<P>,
    /// The hash of the previous event of the same entity
    /// ([`EventHash::GENESIS`] for the first).
    pub prev_hash: EventHash,
    /// This event's hash: blake3 over the previous hash, the header fields
    /// and the payload bytes (see docs/FORMAT.md).
    pub hash: EventHash,
}

impl<P> StoredEvent<P> {
    /// The header.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("account-7", "bank")?;
    /// let receipt = store.append(&coord, EventKind::custom(1, 1), &250u32)?;
    /// let stored = store.get(receipt.event_id)?.expect("just written");
    /// assert_eq!(stored.header().global_sequence, receipt.global_sequence);
    /// assert_eq!(stored.header().entity_sequence, 0);
    /// assert_eq!(stored.header().kind, EventKind::custom(1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self) -> &EventHeader {
        &self.event.header
    }

    /// The payload.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("account-7", "bank")?;
    /// let receipt = store.append(&coord, EventKind::custom(1, 1), &250u32)?;
    /// let stored = store.get(receipt.event_id)?.expect("just written");
    /// // Raw reads give the stored MessagePack bytes.
    /// let cents: u32 = rmp_serde::from_slice(stored.payload())?;
    /// assert_eq!(cents, 250);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn payload(&self) -> &P {
        &self.event.payload
    }

    /// Transforms the payload, keeping everything else.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// # let coord = Coordinate::new("account-7", "bank")?;
    /// let receipt = store.append(&coord, EventKind::custom(1, 1), &250u32)?;
    /// let stored = store.get(receipt.event_id)?.expect("just written");
    /// let hash = stored.hash;
    /// let decoded = stored.map(|bytes| rmp_serde::from_slice::<u32>(&bytes));
    /// assert_eq!(decoded.payload().as_ref().ok(), Some(&250));
    /// assert_eq!(decoded.hash, hash, "coordinate, header and hashes are kept");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> StoredEvent<Q> {
        StoredEvent {
            coordinate: self.coordinate,
            event: self.event.map(f),
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}
