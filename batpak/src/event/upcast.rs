//! Payload versions: [`Upcasters`] holds the user's upgrade steps, one per
//! (kind, from-version), and [`decode_versioned`] applies them from a stored
//! version up to the type's current [`EventPayload::VERSION`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{check_kind, Event, EventKind, EventPayload, PayloadError, StoredEvent};

/// One step: the stored bytes at version `v` to bytes at `v + 1`.
type Step = Box<dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync>;

/// The upgrade steps for old payload versions, registered per
/// (kind, from-version). Each step turns version `v` into `v + 1`.
///
/// A step is typed: it decodes the stored bytes as the old shape, converts
/// them, and re-encodes the result (MessagePack with field names, as
/// [`EventPayload::encode_payload`] writes). For an enum payload, a
/// variant's bytes are those of a struct with the variant's fields, so the
/// old and new shapes of a variant are plain structs.
///
/// # Examples
///
/// `Deposited` gained a `memo` in version 2 and renamed `cents` to
/// `amount_cents` in version 3:
///
/// ```
/// use batpak::event::{decode_versioned, encode_msgpack, Upcasters};
/// use batpak::{EventPayload, SingleKind};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct DepositedV1 { cents: u64 }
///
/// #[derive(Serialize, Deserialize)]
/// struct DepositedV2 { cents: u64, memo: String }
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 1, type_id = 2, version = 3)]
/// struct Deposited { amount_cents: u64, memo: String }
///
/// let mut upcasters = Upcasters::new();
/// upcasters
///     .step(Deposited::KIND, 1, |old: DepositedV1| DepositedV2 {
///         cents: old.cents,
///         memo: String::new(),
///     })
///     .step(Deposited::KIND, 2, |old: DepositedV2| Deposited {
///         amount_cents: old.cents,
///         memo: old.memo,
///     });
///
/// // Bytes a version-1 build wrote:
/// let stored = encode_msgpack("DepositedV1", &DepositedV1 { cents: 500 })?;
/// let now: Deposited = decode_versioned(Deposited::KIND, 1, &stored, &upcasters)?;
/// assert_eq!(now, Deposited { amount_cents: 500, memo: String::new() });
/// # Ok::<(), batpak::PayloadError>(())
/// ```
#[derive(Default)]
pub struct Upcasters {
    steps: HashMap<(EventKind, u16), Step>,
}

impl Upcasters {
    /// No steps: only current-version payloads decode.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::Upcasters;
    /// use batpak::EventKind;
    ///
    /// let upcasters = Upcasters::new();
    /// assert!(!upcasters.has_step(EventKind::custom(1, 1), 1));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the step from `from_version` to `from_version + 1` for
    /// `kind`: the stored bytes decode as `Old`, `convert` makes the newer
    /// shape, which is re-encoded. Registering the same (kind, version)
    /// again replaces the earlier step.
    ///
    /// # Examples
    ///
    /// See [`Upcasters`].
    pub fn step<Old, New, F>(&mut self, kind: EventKind, from_version: u16, convert: F) -> &mut Self
    where
        Old: DeserializeOwned,
        New: Serialize,
        F: Fn(Old) -> New + Send + Sync + 'static,
    {
        self.try_step(kind, from_version, move |old: Old| {
            Ok::<New, std::convert::Infallible>(convert(old))
        })
    }

    /// Like [`Upcasters::step`], for a conversion that can fail; its error
    /// becomes [`PayloadError::UpcastFailed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::{decode_versioned, encode_msgpack, Upcasters};
    /// use batpak::{EventKind, PayloadError};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct PriceV1 { text: String }
    /// #[derive(Serialize, Deserialize)]
    /// struct PriceV2 { cents: u64 }
    ///
    /// const PRICED: EventKind = EventKind::custom(3, 1);
    /// let mut upcasters = Upcasters::new();
    /// upcasters.try_step(PRICED, 1, |old: PriceV1| {
    ///     old.text.parse::<u64>().map(|cents| PriceV2 { cents })
    /// });
    /// assert!(upcasters.has_step(PRICED, 1));
    /// ```
    pub fn try_step<Old, New, E, F>(
        &mut self,
        kind: EventKind,
        from_version: u16,
        convert: F,
    ) -> &mut Self
    where
        Old: DeserializeOwned,
        New: Serialize,
        E: fmt::Display,
        F: Fn(Old) -> Result<New, E> + Send + Sync + 'static,
    {
        let step = move |bytes: &[u8]| -> Result<Vec<u8>, String> {
            let old: Old = rmp_serde::from_slice(bytes).map_err(|e| {
                format!(
                    "the stored bytes do not decode as `{}`: {e}",
                    std::any::type_name::<Old>()
                )
            })?;
            let new = convert(old).map_err(|e| e.to_string())?;
            rmp_serde::to_vec_named(&new).map_err(|e| {
                format!(
                    "`{}` does not encode as MessagePack: {e}",
                    std::any::type_name::<New>()
                )
            })
        };
        self.steps.insert((kind, from_version), Box::new(step));
        self
    }

    /// Registers a step that keeps the bytes as they are: for an enum whose
    /// version went up because of another variant, this variant's kind
    /// still needs a (do-nothing) step.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::Upcasters;
    /// use batpak::EventKind;
    ///
    /// let mut upcasters = Upcasters::new();
    /// upcasters.unchanged(EventKind::custom(1, 1), 1);
    /// assert!(upcasters.has_step(EventKind::custom(1, 1), 1));
    /// ```
    pub fn unchanged(&mut self, kind: EventKind, from_version: u16) -> &mut Self {
        self.steps.insert(
            (kind, from_version),
            Box::new(|bytes: &[u8]| Ok(bytes.to_vec())),
        );
        self
    }

    /// Whether a step from `from_version` is registered for `kind`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::Upcasters;
    /// use batpak::EventKind;
    ///
    /// let kind = EventKind::custom(1, 1);
    /// let mut upcasters = Upcasters::new();
    /// upcasters.step(kind, 1, |old: u32| u64::from(old) * 100);
    /// assert!(upcasters.has_step(kind, 1));
    /// assert!(!upcasters.has_step(kind, 2), "steps are per version");
    /// ```
    pub fn has_step(&self, kind: EventKind, from_version: u16) -> bool {
        self.steps.contains_key(&(kind, from_version))
    }
}

impl fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut steps: Vec<_> = self.steps.keys().copied().collect();
        steps.sort_unstable();
        f.debug_struct("Upcasters").field("steps", &steps).finish()
    }
}

/// Decodes a stored payload written at `stored_version` as `T`, first
/// applying the registered steps up to `T::VERSION`. This is what the
/// store's typed reads call with the header's `payload_version`.
///
/// # Examples
///
/// Upgrading is shown on [`Upcasters`]; here, the refusals:
///
/// ```
/// use batpak::event::{decode_versioned, Upcasters};
/// use batpak::{EventPayload, PayloadError, SingleKind};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 1, type_id = 5, version = 2)]
/// struct Renamed { name: String }
///
/// let none = Upcasters::new();
/// let too_new = decode_versioned::<Renamed>(Renamed::KIND, 3, &[0x80], &none);
/// assert!(matches!(too_new, Err(PayloadError::VersionTooNew { stored: 3, current: 2, .. })));
/// let no_step = decode_versioned::<Renamed>(Renamed::KIND, 1, &[0x80], &none);
/// assert!(matches!(no_step, Err(PayloadError::MissingUpcast { from: 1, .. })));
/// ```
///
/// # Errors
///
/// - [`PayloadError::UnknownKind`] if `kind` is not one of `T`'s kinds;
/// - [`PayloadError::VersionTooNew`] if `stored_version` is above
///   `T::VERSION` (a newer build wrote it);
/// - [`PayloadError::MissingUpcast`] naming the first version with no step;
/// - [`PayloadError::UpcastFailed`] if a step could not decode, convert or
///   encode;
/// - [`PayloadError::Decode`] if the upgraded bytes do not decode as `T`.
pub fn decode_versioned<T: EventPayload>(
    kind: EventKind,
    stored_version: u16,
    bytes: &[u8],
    upcasters: &Upcasters,
) -> Result<T, PayloadError> {
    check_kind::<T>(kind)?;
    if stored_version > T::VERSION {
        return Err(PayloadError::VersionTooNew {
            type_name: T::TYPE_NAME,
            kind,
            stored: stored_version,
            current: T::VERSION,
        });
    }
    let mut current: Cow<'_, [u8]> = Cow::Borrowed(bytes);
    for from in stored_version..T::VERSION {
        let step = upcasters
            .steps
            .get(&(kind, from))
            .ok_or(PayloadError::MissingUpcast {
                type_name: T::TYPE_NAME,
                kind,
                from,
            })?;
        let upgraded = step(&current).map_err(|reason| PayloadError::UpcastFailed {
            type_name: T::TYPE_NAME,
            kind,
            from,
            reason,
        })?;
        current = Cow::Owned(upgraded);
    }
    T::decode_payload(kind, &current)
}

impl<B: AsRef<[u8]>> StoredEvent<B> {
    /// This event with its payload bytes decoded as `T`, upgraded from the
    /// header's `payload_version` with `upcasters` (see
    /// [`decode_versioned`]). This is the typed read of one raw event.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::{EventHash, EventHeader, Upcasters};
    /// use batpak::{Coordinate, CorrelationId, Event, EventId, EventPayload, StoredEvent};
    ///
    /// #[derive(Debug, PartialEq, EventPayload)]
    /// #[batpak(category = 1)]
    /// enum AccountEvent {
    ///     #[batpak(type_id = 1)]
    ///     Deposited { cents: u64 },
    /// }
    ///
    /// let payload = AccountEvent::Deposited { cents: 5 };
    /// let raw = StoredEvent {
    ///     coordinate: Coordinate::new("account-1", "bank")?,
    ///     event: Event {
    ///         header: EventHeader {
    ///             event_id: EventId::now(),
    ///             global_sequence: 0,
    ///             entity_sequence: 0,
    ///             timestamp_micros: 0,
    ///             kind: payload.kind(),
    ///             payload_version: AccountEvent::VERSION,
    ///             correlation_id: CorrelationId::now(),
    ///             causation_id: None,
    ///         },
    ///         payload: payload.encode_payload()?,
    ///     },
    ///     prev_hash: EventHash::GENESIS,
    ///     hash: EventHash::GENESIS,
    /// };
    /// let typed = raw.decode::<AccountEvent>(&Upcasters::new())?;
    /// assert_eq!(typed.payload(), &AccountEvent::Deposited { cents: 5 });
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decode_versioned`].
    pub fn decode<T: EventPayload>(
        &self,
        upcasters: &Upcasters,
    ) -> Result<StoredEvent<T>, PayloadError> {
        let header = self.event.header;
        let payload = decode_versioned::<T>(
            header.kind,
            header.payload_version,
            self.event.payload.as_ref(),
            upcasters,
        )?;
        Ok(StoredEvent {
            coordinate: self.coordinate.clone(),
            event: Event { header, payload },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}
