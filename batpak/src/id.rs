//! Time-ordered identifiers: [`EventId`], [`CorrelationId`] and
//! [`CausationId`], each a UUID v7 newtype.
//!
//! UUID v7 puts a millisecond Unix timestamp in the high bits, so ids sort
//! by creation time and index well. Within one millisecond, ids created in
//! one process are still ordered: the generator keeps a monotonic counter.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An id that could not be parsed from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {input:?} is not a UUID: expected 32 hex digits, optionally hyphenated ({reason})")]
pub struct IdParseError {
    what: &'static str,
    input: String,
    reason: String,
}

macro_rules! uuid_v7_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new id for the current time (UUID v7).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!(" use batpak::", stringify!($name), ";")]
            ///
            #[doc = concat!(" let id = ", stringify!($name), "::now();")]
            /// assert_eq!(id.as_uuid().get_version_num(), 7);
            #[doc = concat!(" assert!(", stringify!($name), "::now() > id, \"later ids sort after earlier ones\");")]
            /// ```
            pub fn now() -> Self {
                $name(Uuid::now_v7())
            }

            /// Wraps an existing UUID (of any version).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!(" use batpak::", stringify!($name), ";")]
            ///
            /// let uuid = uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
            #[doc = concat!(" let id = ", stringify!($name), "::from_uuid(uuid);")]
            /// assert_eq!(id.as_uuid(), &uuid);
            /// assert_eq!(id.unix_millis(), None, "not a v7 UUID");
            /// ```
            pub const fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// Rebuilds an id from its 16 stored bytes.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!(" use batpak::", stringify!($name), ";")]
            ///
            #[doc = concat!(" let id = ", stringify!($name), "::now();")]
            #[doc = concat!(" assert_eq!(", stringify!($name), "::from_bytes(id.to_bytes()), id);")]
            /// ```
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                $name(Uuid::from_bytes(bytes))
            }

            /// The underlying UUID.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!(" use batpak::", stringify!($name), ";")]
            ///
            #[doc = concat!(" let id = ", stringify!($name), "::now();")]
            /// assert_eq!(id.as_uuid().to_string(), id.to_string());
            /// ```
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The 16 bytes, big-endian as the UUID specifies.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!(" use batpak::", stringify!($name), ";")]
            ///
            #[doc = concat!(" let id = ", stringify!($name), "::from_uuid(uuid::Uuid::from_u128(1));")]
            /// assert_eq!(id.to_bytes()[15], 1);
            /// assert_eq!(id.to_bytes()[..15], [0; 15]);
            /// ```
            pub const fn to_bytes(&self) -> [u8; 16] {
                *self.0.as_bytes()
            }

            /// Milliseconds since the Unix epoch encoded in a v7 id, if it is one.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::{SystemTime, UNIX_EPOCH};
            #[doc = concat!(" use batpak::", stringify!($name), ";")]
            ///
            /// let before = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
            #[doc = concat!(" let millis = ", stringify!($name), "::now().unix_millis().expect(\"v7 ids carry a timestamp\");")]
            /// assert!(millis >= before);
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            pub fn unix_millis(&self) -> Option<u64> {
                self.0.get_timestamp().map(|ts| {
                    let (secs, nanos) = ts.to_unix();
                    secs * 1000 + u64::from(nanos) / 1_000_000
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name).map_err(|e| IdParseError {
                    what: $what,
                    input: s.to_owned(),
                    reason: e.to_string(),
                })
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                $name(uuid)
            }
        }
    };
}

uuid_v7_id!(
    /// The unique id of one stored event (UUID v7).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventId;
    ///
    /// let a = EventId::now();
    /// let b = EventId::now();
    /// assert!(a < b, "ids order by creation time");
    /// let parsed: EventId = a.to_string().parse()?;
    /// assert_eq!(parsed, a);
    /// # Ok::<(), batpak::IdParseError>(())
    /// ```
    EventId,
    "event id"
);

uuid_v7_id!(
    /// Ties together every event caused, directly or not, by one original
    /// request or command (UUID v7).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{CorrelationId, EventId};
    ///
    /// let request = CorrelationId::now();
    /// // A chain that starts at an event can reuse that event's id.
    /// let from_event = CorrelationId::from(EventId::now());
    /// assert_ne!(request, from_event);
    /// ```
    CorrelationId,
    "correlation id"
);

uuid_v7_id!(
    /// The event that directly caused another one (UUID v7).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{CausationId, EventId};
    ///
    /// let cause = EventId::now();
    /// let causation = CausationId::from(cause);
    /// assert_eq!(causation.as_uuid(), cause.as_uuid());
    /// ```
    CausationId,
    "causation id"
);

impl From<EventId> for CorrelationId {
    fn from(id: EventId) -> Self {
        CorrelationId(id.0)
    }
}

impl From<EventId> for CausationId {
    fn from(id: EventId) -> Self {
        CausationId(id.0)
    }
}

impl From<CausationId> for EventId {
    fn from(id: CausationId) -> Self {
        EventId(id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_carry_a_timestamp() {
        let id = EventId::now();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        assert!(id.unix_millis().is_some_and(|ms| ms > 1_700_000_000_000));
    }

    #[test]
    fn bad_text_names_the_id_kind() {
        let err = "nope".parse::<CausationId>().unwrap_err();
        assert!(
            err.to_string().starts_with("causation id \"nope\""),
            "{err}"
        );
    }

    #[test]
    fn bytes_roundtrip() {
        let id = EventId::now();
        assert_eq!(EventId::from_bytes(id.to_bytes()), id);
    }
}
