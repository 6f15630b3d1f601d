//! [`Receipt`]: the proof that a proposal passed its gates, and
//! [`PayloadHash`], the content hash that binds it to the evaluated bytes.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::coordinate::Coordinate;
use crate::event::{EventKind, EventPayload, PayloadError};

/// The blake3 hash of an encoded payload.
///
/// Serialized as 64 lowercase hex digits.
///
/// # Examples
///
/// ```
/// use batpak::guard::PayloadHash;
///
/// let hash = PayloadHash::of(b"abc");
/// assert_eq!(hash, PayloadHash::of(b"abc"));
/// assert_ne!(hash, PayloadHash::of(b"abd"));
/// assert_eq!(hash.to_string().len(), 64);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PayloadHash([u8; 32]);

impl PayloadHash {
    /// Hashes `bytes`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::PayloadHash;
    ///
    /// let hash = PayloadHash::of(b"withdraw 50");
    /// assert_eq!(hash, PayloadHash::of(b"withdraw 50"));
    /// assert_ne!(hash, PayloadHash::of(b"withdraw 500"));
    /// ```
    pub fn of(bytes: &[u8]) -> PayloadHash {
        PayloadHash(*blake3::hash(bytes).as_bytes())
    }

    /// The 32 hash bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::PayloadHash;
    ///
    /// let hash = PayloadHash::of(b"withdraw 50");
    /// assert_eq!(hash.as_bytes().len(), 32);
    /// // The text form is the same bytes, in lowercase hex.
    /// let hex: String = hash.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    /// assert_eq!(hex, hash.to_string());
    /// ```
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for PayloadHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for PayloadHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PayloadHash({self})")
    }
}

impl Serialize for PayloadHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PayloadHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_hex(&text).map(PayloadHash).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "a payload hash is 64 hex digits, got {:?}",
                text.chars().take(80).collect::<String>()
            ))
        })
    }
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0_u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// Proof that one proposal passed one gate set, holding exactly the bytes
/// that were evaluated.
///
/// Only [`Pipeline::evaluate`](crate::pipeline::Pipeline::evaluate) makes
/// receipts: the fields are private and there is no `Clone`, `Default` or
/// `Deserialize`, so a receipt cannot be forged or copied. The payload was
/// encoded once, when the gates passed, and the receipt keeps those bytes and
/// their [`PayloadHash`]; committing it (which consumes it) writes those
/// bytes and nothing else, so there is no gap between what was checked and
/// what is written.
///
/// # Examples
///
/// ```
/// use batpak::guard::{GateSet, Proposal};
/// use batpak::pipeline::Pipeline;
/// use batpak::Coordinate;
/// # use batpak::{EventKind, EventPayload, PayloadError};
/// # #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// # struct Note(String);
/// # impl EventPayload for Note {
/// #     const KINDS: &'static [EventKind] = &[EventKind::custom(1, 1)];
/// #     const VERSION: u16 = 1;
/// #     const TYPE_NAME: &'static str = "Note";
/// #     fn kind(&self) -> EventKind { Self::KINDS[0] }
/// #     fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
/// #         batpak::event::encode_msgpack(Self::TYPE_NAME, self)
/// #     }
/// #     fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
/// #         batpak::event::check_kind::<Self>(kind)?;
/// #         batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
/// #     }
/// # }
/// # fn note(text: &str) -> Note { Note(text.into()) }
///
/// let pipeline: Pipeline<(), Note> = Pipeline::new(GateSet::new().with_fn("ok", |_, _| Ok(())));
/// let payload = note("pay rent");
/// let receipt = pipeline.evaluate(&(), Proposal::new(Coordinate::new("e", "s")?, payload.clone()))?;
/// assert_eq!(receipt.gates_passed(), ["ok"]);
/// assert!(receipt.matches_payload(&payload)?);
/// assert!(!receipt.matches_payload(&note("pay rent twice"))?);
/// # Ok::<(), batpak::Error>(())
/// ```
#[must_use = "a receipt does nothing until it is committed"]
pub struct Receipt<T> {
    pub(crate) coordinate: Coordinate,
    pub(crate) kind: EventKind,
    pub(crate) payload_version: u16,
    pub(crate) bytes: Vec<u8>,
    pub(crate) payload_hash: PayloadHash,
    pub(crate) gates_passed: Vec<String>,
    /// The id of the pipeline that issued it.
    pub(crate) issuer: u64,
    pub(crate) payload_type: PhantomData<fn() -> T>,
}

impl<T: EventPayload> Receipt<T> {
    /// Whether `payload` has the evaluated kind and encodes to exactly the
    /// evaluated bytes (compared by [`PayloadHash`]).
    ///
    /// Meaningful for payloads whose encoding is deterministic: a `HashMap`
    /// field, for example, may encode the same value in different orders.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{GateSet, Proposal};
    /// use batpak::pipeline::Pipeline;
    /// use batpak::Coordinate;
    /// # #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Transfer { cents: u64 }
    ///
    /// let pipeline: Pipeline<(), Transfer> = Pipeline::new(GateSet::new());
    /// let approved = Transfer { cents: 5_000 };
    /// let proposal = Proposal::new(Coordinate::new("account-1", "bank")?, approved.clone());
    /// let receipt = pipeline.evaluate(&(), proposal)?;
    ///
    /// // Check that the payload about to be acted on is the one the gates saw.
    /// assert!(receipt.matches_payload(&approved)?);
    /// assert!(!receipt.matches_payload(&Transfer { cents: 50_000 })?);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PayloadError::Encode`] if `payload` cannot be encoded.
    pub fn matches_payload(&self, payload: &T) -> Result<bool, PayloadError> {
        let bytes = payload.encode_payload()?;
        Ok(payload.kind() == self.kind && PayloadHash::of(&bytes) == self.payload_hash)
    }
}

impl<T> Receipt<T> {
    /// Where the event will be written.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{GateSet, Proposal};
    /// # use batpak::pipeline::Pipeline;
    /// # use batpak::Coordinate;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1, version = 2)]
    /// # struct Note(String);
    /// # let pipeline: Pipeline<(), Note> = Pipeline::new(
    /// #     GateSet::new().with_fn("not_empty", |_, _| Ok(())).with_fn("short", |_, _| Ok(())),
    /// # );
    /// # let proposal = Proposal::new(Coordinate::new("note-1", "notes")?, Note("hi".into()));
    /// # let receipt = pipeline.evaluate(&(), proposal)?;
    /// assert_eq!(receipt.coordinate(), &Coordinate::new("note-1", "notes")?);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn coordinate(&self) -> &Coordinate {
        &self.coordinate
    }

    /// The kind it will be written as.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{GateSet, Proposal};
    /// # use batpak::pipeline::Pipeline;
    /// # use batpak::Coordinate;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1, version = 2)]
    /// # struct Note(String);
    /// # let pipeline: Pipeline<(), Note> = Pipeline::new(
    /// #     GateSet::new().with_fn("not_empty", |_, _| Ok(())).with_fn("short", |_, _| Ok(())),
    /// # );
    /// # let proposal = Proposal::new(Coordinate::new("note-1", "notes")?, Note("hi".into()));
    /// # let receipt = pipeline.evaluate(&(), proposal)?;
    /// assert_eq!(receipt.kind(), batpak::EventKind::custom(1, 1));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The payload version it will be written with.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{GateSet, Proposal};
    /// # use batpak::pipeline::Pipeline;
    /// # use batpak::Coordinate;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1, version = 2)]
    /// # struct Note(String);
    /// # let pipeline: Pipeline<(), Note> = Pipeline::new(
    /// #     GateSet::new().with_fn("not_empty", |_, _| Ok(())).with_fn("short", |_, _| Ok(())),
    /// # );
    /// # let proposal = Proposal::new(Coordinate::new("note-1", "notes")?, Note("hi".into()));
    /// # let receipt = pipeline.evaluate(&(), proposal)?;
    /// // `Note` is declared with `version = 2`.
    /// assert_eq!(receipt.payload_version(), 2);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn payload_version(&self) -> u16 {
        self.payload_version
    }

    /// The hash of the evaluated payload bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{GateSet, Proposal};
    /// # use batpak::pipeline::Pipeline;
    /// # use batpak::Coordinate;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1, version = 2)]
    /// # struct Note(String);
    /// # let pipeline: Pipeline<(), Note> = Pipeline::new(
    /// #     GateSet::new().with_fn("not_empty", |_, _| Ok(())).with_fn("short", |_, _| Ok(())),
    /// # );
    /// # let proposal = Proposal::new(Coordinate::new("note-1", "notes")?, Note("hi".into()));
    /// # let receipt = pipeline.evaluate(&(), proposal)?;
    /// use batpak::guard::PayloadHash;
    ///
    /// assert_eq!(receipt.payload_hash(), PayloadHash::of(receipt.payload_bytes()));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn payload_hash(&self) -> PayloadHash {
        self.payload_hash
    }

    /// The evaluated payload bytes (MessagePack).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{GateSet, Proposal};
    /// # use batpak::pipeline::Pipeline;
    /// # use batpak::Coordinate;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1, version = 2)]
    /// # struct Note(String);
    /// # let pipeline: Pipeline<(), Note> = Pipeline::new(
    /// #     GateSet::new().with_fn("not_empty", |_, _| Ok(())).with_fn("short", |_, _| Ok(())),
    /// # );
    /// # let proposal = Proposal::new(Coordinate::new("note-1", "notes")?, Note("hi".into()));
    /// # let receipt = pipeline.evaluate(&(), proposal)?;
    /// use batpak::EventPayload;
    ///
    /// let decoded = Note::decode_payload(receipt.kind(), receipt.payload_bytes())?;
    /// assert_eq!(decoded.0, "hi");
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn payload_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The names of the gates the proposal passed, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{GateSet, Proposal};
    /// # use batpak::pipeline::Pipeline;
    /// # use batpak::Coordinate;
    /// # #[derive(Debug, serde::Serialize, serde::Deserialize, batpak::EventPayload)]
    /// # #[batpak(category = 1, type_id = 1, version = 2)]
    /// # struct Note(String);
    /// # let pipeline: Pipeline<(), Note> = Pipeline::new(
    /// #     GateSet::new().with_fn("not_empty", |_, _| Ok(())).with_fn("short", |_, _| Ok(())),
    /// # );
    /// # let proposal = Proposal::new(Coordinate::new("note-1", "notes")?, Note("hi".into()));
    /// # let receipt = pipeline.evaluate(&(), proposal)?;
    /// assert_eq!(receipt.gates_passed(), ["not_empty", "short"]);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn gates_passed(&self) -> &[String] {
        &self.gates_passed
    }
}

impl<T> fmt::Debug for Receipt<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("coordinate", &self.coordinate)
            .field("kind", &self.kind)
            .field("payload_version", &self.payload_version)
            .field("payload_hash", &self.payload_hash)
            .field("gates_passed", &self.gates_passed)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_serializes_as_hex_and_back() {
        let hash = PayloadHash::of(b"withdraw 50");
        let bytes = rmp_serde::to_vec(&hash).unwrap();
        let back: PayloadHash = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back, hash);
        assert_eq!(parse_hex(&hash.to_string()), Some(*hash.as_bytes()));
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(parse_hex(&"g".repeat(64)), None);
    }
}
