//! [`EventPayload`]: how a Rust type becomes stored event bytes and back.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::EventKind;

/// Why a payload could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Serialization to MessagePack failed.
    #[error("could not encode a {type_name} payload as MessagePack: {reason}")]
    Encode {
        /// The Rust type being encoded.
        type_name: &'static str,
        /// What the encoder said.
        reason: String,
    },
    /// The stored bytes did not decode as the requested type.
    #[error(
        "stored event of kind {kind} does not decode as {type_name}: {reason}; \
         check that the type matches what was written (and its payload version)"
    )]
    Decode {
        /// The Rust type asked for.
        type_name: &'static str,
        /// The stored kind.
        kind: EventKind,
        /// What the decoder said.
        reason: String,
    },
    /// The stored kind is not one of the type's kinds.
    #[error(
        "stored event has kind {kind}, which {type_name} does not declare \
         (it declares {declared:?}): read it with the type that wrote it"
    )]
    UnknownKind {
        /// The Rust type asked for.
        type_name: &'static str,
        /// The stored kind.
        kind: EventKind,
        /// The kinds the type declares.
        declared: &'static [EventKind],
    },
    /// The stored payload version is newer than the code knows.
    #[error(
        "stored {type_name} event (kind {kind}) has payload version {stored}, newer than \
         this build's version {current}: upgrade the program before reading this store"
    )]
    VersionTooNew {
        /// The Rust type asked for.
        type_name: &'static str,
        /// The stored kind.
        kind: EventKind,
        /// The version on disk.
        stored: u16,
        /// The version this build writes.
        current: u16,
    },
    /// An older stored version has no registered upgrade step.
    #[error(
        "stored {type_name} event (kind {kind}) has payload version {from}, and no upgrade \
         step from version {from} is registered: register one for kind {kind}, version {from}"
    )]
    MissingUpcast {
        /// The Rust type asked for.
        type_name: &'static str,
        /// The stored kind.
        kind: EventKind,
        /// The version with no step.
        from: u16,
    },
    /// A registered upgrade step failed.
    #[error("upgrading a {type_name} event (kind {kind}) from version {from} failed: {reason}")]
    UpcastFailed {
        /// The Rust type asked for.
        type_name: &'static str,
        /// The stored kind.
        kind: EventKind,
        /// The version the step started from.
        from: u16,
        /// What the step said.
        reason: String,
    },
}

/// A Rust type that can be stored as an event payload.
///
/// Usually derived with `#[derive(EventPayload)]`: a struct gets one kind, an
/// enum one kind per variant. The kind is the stored identity, so decoding
/// selects by the stored kind ([`EventPayload::decode_payload`]).
///
/// Payload bytes are MessagePack.
///
/// # Examples
///
/// Implementing it by hand for a struct (the derive writes the same):
///
/// ```
/// use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// struct Deposited { cents: u64 }
///
/// impl EventPayload for Deposited {
///     const KINDS: &'static [EventKind] = &[Self::KIND];
///     const VERSION: u16 = 1;
///     const TYPE_NAME: &'static str = "Deposited";
///     fn kind(&self) -> EventKind { Self::KIND }
///     fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
///         batpak::event::encode_msgpack(Self::TYPE_NAME, self)
///     }
///     fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
///         batpak::event::check_kind::<Self>(kind)?;
///         batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
///     }
/// }
/// impl SingleKind for Deposited {
///     const KIND: EventKind = EventKind::custom(1, 1);
/// }
///
/// let bytes = Deposited { cents: 250 }.encode_payload()?;
/// let back = Deposited::decode_payload(Deposited::KIND, &bytes)?;
/// assert_eq!(back, Deposited { cents: 250 });
/// # Ok::<(), PayloadError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event payload",
    label = "not an event payload",
    note = "add `#[derive(batpak::EventPayload)]` with `#[batpak(category = .., type_id = ..)]` to `{Self}`"
)]
pub trait EventPayload: Sized {
    /// Every kind values of this type are stored as, in declaration order.
    const KINDS: &'static [EventKind];
    /// The schema version stamped on every event this build writes
    /// (at least 1).
    const VERSION: u16;
    /// The Rust type's name, for error messages.
    const TYPE_NAME: &'static str;

    /// The kind this value is stored as.
    fn kind(&self) -> EventKind;

    /// The MessagePack bytes stored for this value.
    ///
    /// # Errors
    ///
    /// [`PayloadError::Encode`] if serialization fails.
    fn encode_payload(&self) -> Result<Vec<u8>, PayloadError>;

    /// Rebuilds a value from a stored kind and its payload bytes (already at
    /// [`EventPayload::VERSION`]).
    ///
    /// # Errors
    ///
    /// [`PayloadError::UnknownKind`] if `kind` is not one of
    /// [`EventPayload::KINDS`]; [`PayloadError::Decode`] if the bytes do not
    /// fit.
    fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError>;
}

/// A payload type with exactly one kind (what the derive gives a struct).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event payload with a single kind",
    label = "needs one event kind",
    note = "derive `batpak::EventPayload` on a struct (one kind), or name an enum variant (`Enum::Variant`) instead of the enum"
)]
pub trait SingleKind: EventPayload {
    /// The one kind this type is stored as.
    const KIND: EventKind;
}

/// Encodes a value as MessagePack with field names (maps, not arrays), so
/// that adding, reordering or defaulting fields keeps old bytes readable.
///
/// # Errors
///
/// [`PayloadError::Encode`] naming `type_name`.
pub fn encode_msgpack<T: Serialize + ?Sized>(
    type_name: &'static str,
    value: &T,
) -> Result<Vec<u8>, PayloadError> {
    rmp_serde::to_vec_named(value).map_err(|e| PayloadError::Encode {
        type_name,
        reason: e.to_string(),
    })
}

/// Decodes MessagePack bytes written by [`encode_msgpack`].
///
/// # Errors
///
/// [`PayloadError::Decode`] naming `type_name` and `kind`.
pub fn decode_msgpack<T: DeserializeOwned>(
    type_name: &'static str,
    kind: EventKind,
    bytes: &[u8],
) -> Result<T, PayloadError> {
    rmp_serde::from_slice(bytes).map_err(|e| PayloadError::Decode {
        type_name,
        kind,
        reason: e.to_string(),
    })
}

/// Checks that `kind` is one of `T`'s kinds.
///
/// # Errors
///
/// [`PayloadError::UnknownKind`] otherwise.
pub fn check_kind<T: EventPayload>(kind: EventKind) -> Result<(), PayloadError> {
    if T::KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(PayloadError::UnknownKind {
            type_name: T::TYPE_NAME,
            kind,
            declared: T::KINDS,
        })
    }
}
