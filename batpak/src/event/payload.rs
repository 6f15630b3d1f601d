//! [`EventPayload`]: how a Rust type becomes stored event bytes and back.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::EventKind;

/// Why a payload could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Serialization to MessagePack failed.
    #[error(
        "could not encode a {type_name} payload as MessagePack: {reason}; check the \
         type's Serialize impl (and any serde attributes on it)"
    )]
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
    #[error(
        "upgrading a {type_name} event (kind {kind}) from version {from} failed: {reason}; \
         fix the upgrade step registered for kind {kind}, version {from}"
    )]
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
/// Payload bytes are MessagePack with field names.
///
/// # Deriving
///
/// | on | attribute | keys |
/// |---|---|---|
/// | a struct | `#[batpak(...)]` | `category` (1–15), `type_id` (0x000–0xFFF), `version` (optional, default 1) |
/// | an enum | `#[batpak(...)]` | `category` (1–15), `version` (optional, default 1) |
/// | each enum variant | `#[batpak(...)]` | `type_id` (0x000–0xFFF) |
///
/// A struct derives `Serialize` and `Deserialize` itself (with any serde
/// attributes); the derive adds [`EventPayload`] and [`SingleKind`].
///
/// An enum needs no serde derives. Each variant is its own kind, named by an
/// associated constant in SCREAMING_SNAKE_CASE (`Deposited` →
/// `AccountEvent::DEPOSITED`); [`EventPayload::KINDS`] lists them in
/// declaration order. A variant's stored bytes are its fields only, exactly
/// what a struct with the same fields stores (a unit variant stores an empty
/// map); decoding picks the variant by the stored kind. So renaming or
/// reordering variants never breaks stored data, and changing a `type_id`
/// does. Fields keep their `#[serde(...)]` attributes (`rename`, `default`,
/// `skip`, `with`, ...); serde attributes on the enum or on a variant are
/// ignored by the stored form.
///
/// Mistakes (a missing, unknown or duplicate key, category 0 or above 15, a
/// type id above 0xFFF, version 0, a variant without a type id, two
/// variants with one type id, a union, a generic type) are compile errors
/// at the offending token, all reported in one compile.
///
/// # Examples
///
/// A struct:
///
/// ```
/// use batpak::{EventPayload, SingleKind, EventKind};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 1, type_id = 0x010)]
/// struct Deposited { cents: u64 }
///
/// assert_eq!(Deposited::KIND, EventKind::custom(1, 0x010));
/// let bytes = Deposited { cents: 250 }.encode_payload()?;
/// assert_eq!(Deposited::decode_payload(Deposited::KIND, &bytes)?, Deposited { cents: 250 });
/// # Ok::<(), batpak::PayloadError>(())
/// ```
///
/// An enum, one kind per variant:
///
/// ```
/// use batpak::{EventKind, EventPayload};
///
/// #[derive(Debug, PartialEq, EventPayload)]
/// #[batpak(category = 1)]
/// enum AccountEvent {
///     #[batpak(type_id = 1)]
///     Opened { owner: String },
///     #[batpak(type_id = 2)]
///     Deposited { cents: u64 },
///     #[batpak(type_id = 3)]
///     Withdrawn { cents: u64 },
///     #[batpak(type_id = 4)]
///     Closed,
/// }
///
/// assert_eq!(AccountEvent::DEPOSITED, EventKind::custom(1, 2));
/// assert_eq!(AccountEvent::KINDS.len(), 4);
///
/// let event = AccountEvent::Deposited { cents: 250 };
/// let (kind, bytes) = (event.kind(), event.encode_payload()?);
/// assert_eq!(kind, AccountEvent::DEPOSITED);
/// assert_eq!(AccountEvent::decode_payload(kind, &bytes)?, event);
///
/// // A projection is one exhaustive match: a new variant is a compile
/// // error wherever it is not handled.
/// fn balance(events: &[AccountEvent]) -> i64 {
///     events.iter().fold(0, |cents, event| match event {
///         AccountEvent::Opened { .. } | AccountEvent::Closed => cents,
///         AccountEvent::Deposited { cents: c } => cents + *c as i64,
///         AccountEvent::Withdrawn { cents: c } => cents - *c as i64,
///     })
/// }
/// assert_eq!(balance(&[event]), 250);
/// # Ok::<(), batpak::PayloadError>(())
/// ```
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
/// # Examples
///
/// ```
/// use batpak::event::{decode_msgpack, encode_msgpack};
/// use batpak::EventKind;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// struct Deposited { cents: u64 }
///
/// let bytes = encode_msgpack("Deposited", &Deposited { cents: 250 })?;
/// // Field names are stored (a map), so fields can be added or reordered later.
/// assert!(bytes.windows(5).any(|w| w == b"cents"));
/// let back: Deposited = decode_msgpack("Deposited", EventKind::custom(1, 1), &bytes)?;
/// assert_eq!(back, Deposited { cents: 250 });
/// # Ok::<(), batpak::PayloadError>(())
/// ```
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
/// # Examples
///
/// ```
/// use batpak::event::{decode_msgpack, encode_msgpack};
/// use batpak::{EventKind, PayloadError};
///
/// let bytes = encode_msgpack("Label", "not a number")?;
/// let err = decode_msgpack::<u64>("Counter", EventKind::custom(1, 2), &bytes).unwrap_err();
/// assert!(matches!(err, PayloadError::Decode { type_name: "Counter", .. }));
/// # Ok::<(), batpak::PayloadError>(())
/// ```
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
/// # Examples
///
/// ```
/// use batpak::event::check_kind;
/// use batpak::{EventKind, EventPayload, PayloadError};
///
/// #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
/// #[batpak(category = 1, type_id = 1)]
/// struct Deposited { cents: u64 }
///
/// assert!(check_kind::<Deposited>(EventKind::custom(1, 1)).is_ok());
/// let err = check_kind::<Deposited>(EventKind::custom(1, 2)).unwrap_err();
/// assert!(matches!(err, PayloadError::UnknownKind { type_name: "Deposited", .. }));
/// ```
///
/// # Errors
///
/// [`PayloadError::UnknownKind`] otherwise.
pub fn check_kind<T: EventPayload>(kind: EventKind) -> Result<(), PayloadError> {
    if T::KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(unknown_kind::<T>(kind))
    }
}

/// The [`PayloadError::UnknownKind`] for `kind` read as `T`.
///
/// # Examples
///
/// ```
/// use batpak::event::unknown_kind;
/// use batpak::{EventKind, EventPayload, PayloadError};
///
/// #[derive(EventPayload)]
/// #[batpak(category = 1)]
/// enum Light {
///     #[batpak(type_id = 1)]
///     On,
/// }
///
/// let error = unknown_kind::<Light>(EventKind::custom(1, 2));
/// assert!(matches!(error, PayloadError::UnknownKind { type_name: "Light", .. }));
/// ```
pub fn unknown_kind<T: EventPayload>(kind: EventKind) -> PayloadError {
    PayloadError::UnknownKind {
        type_name: T::TYPE_NAME,
        kind,
        declared: T::KINDS,
    }
}

/// What a struct payload needs to be encoded: its own `Serialize` derive.
/// Named so a forgotten derive reads as such.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` derives EventPayload but not serde's `Serialize`",
    label = "add `#[derive(Serialize)]` to `{Self}`",
    note = "a struct payload is stored through its own serde derives (an enum payload needs none)"
)]
pub trait StructSerialize: Serialize {}

impl<T: Serialize> StructSerialize for T {}

/// What a struct payload needs to be decoded: its own `Deserialize` derive.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` derives EventPayload but not serde's `Deserialize`",
    label = "add `#[derive(Deserialize)]` to `{Self}`",
    note = "a struct payload is stored through its own serde derives (an enum payload needs none)"
)]
pub trait StructDeserialize: DeserializeOwned {}

impl<T: DeserializeOwned> StructDeserialize for T {}

/// `encode_payload` of a derived struct.
#[doc(hidden)]
pub fn encode_struct<T: StructSerialize + EventPayload>(
    value: &T,
) -> Result<Vec<u8>, PayloadError> {
    encode_msgpack(T::TYPE_NAME, value)
}

/// `decode_payload` of a derived struct.
#[doc(hidden)]
pub fn decode_struct<T: StructDeserialize + EventPayload>(
    kind: EventKind,
    bytes: &[u8],
) -> Result<T, PayloadError> {
    check_kind::<T>(kind)?;
    decode_msgpack(T::TYPE_NAME, kind, bytes)
}
