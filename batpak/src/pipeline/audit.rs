//! [`BypassAudit`] and [`BypassReceipt`]: skipping the gates, on the record.

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::EncodedEvent;
use crate::event::{check_kind, decode_msgpack, encode_msgpack};
use crate::event::{EventKind, EventPayload, PayloadError, SingleKind};
use crate::guard::PayloadHash;

/// The audit record written beside every bypassed event, as an event of kind
/// [`EventKind::SYSTEM_BYPASS_AUDIT`] at the same coordinate and in the same
/// atomic write, so the entity's hash chain covers it: removing it breaks
/// verification.
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, GateSet, Proposal};
/// use batpak::pipeline::{BypassAudit, Pipeline};
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
/// let pipeline: Pipeline<(), Note> =
///     Pipeline::new(GateSet::new().with_fn("never", |_, _| Err(Denial::new("no", "no"))));
/// let proposal = Proposal::new(Coordinate::new("e", "s")?, note("fix the balance"));
/// let receipt = pipeline.bypass(proposal, "incident 42: manual correction")?;
/// let writes = pipeline.commit_bypass(receipt, |writes| writes)?;
/// assert_eq!(writes[1].kind, EventKind::SYSTEM_BYPASS_AUDIT);
/// let audit = BypassAudit::decode_payload(writes[1].kind, &writes[1].bytes)?;
/// assert_eq!(audit.reason, "incident 42: manual correction");
/// assert_eq!(audit.gates_skipped, ["never"]);
/// # Ok::<(), batpak::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BypassAudit {
    /// Why the gates were skipped, as given to
    /// [`Pipeline::bypass`](super::Pipeline::bypass).
    pub reason: String,
    /// The names of the gates that did not run, in order.
    pub gates_skipped: Vec<String>,
    /// The kind of the bypassed event.
    pub kind: EventKind,
    /// The payload version of the bypassed event.
    pub payload_version: u16,
    /// The hash of the bypassed event's payload bytes.
    pub payload_hash: PayloadHash,
}

impl EventPayload for BypassAudit {
    const KINDS: &'static [EventKind] = &[EventKind::SYSTEM_BYPASS_AUDIT];
    const VERSION: u16 = 1;
    const TYPE_NAME: &'static str = "batpak::pipeline::BypassAudit";

    fn kind(&self) -> EventKind {
        EventKind::SYSTEM_BYPASS_AUDIT
    }

    fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
        encode_msgpack(Self::TYPE_NAME, self)
    }

    fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
        check_kind::<Self>(kind)?;
        decode_msgpack(Self::TYPE_NAME, kind, bytes)
    }
}

impl SingleKind for BypassAudit {
    const KIND: EventKind = EventKind::SYSTEM_BYPASS_AUDIT;
}

/// Permission to write one proposal without running its gates, made only by
/// [`Pipeline::bypass`](super::Pipeline::bypass). Like a
/// [`Receipt`](crate::guard::Receipt) it cannot be forged, cloned or reused;
/// committing it writes the event and its [`BypassAudit`] together.
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
/// let pipeline: Pipeline<(), Note> = Pipeline::new(GateSet::new().with_fn("g", |_, _| Ok(())));
/// let proposal = Proposal::new(Coordinate::new("e", "s")?, note("imported"));
/// let receipt = pipeline.bypass(proposal, "backfill from the old system")?;
/// assert_eq!(receipt.audit().gates_skipped, ["g"]);
/// assert_eq!(pipeline.commit_bypass(receipt, |writes| writes.len())?, 2);
/// # Ok::<(), batpak::Error>(())
/// ```
#[must_use = "a bypass receipt does nothing until it is committed"]
pub struct BypassReceipt<T> {
    pub(crate) event: EncodedEvent,
    pub(crate) audit: BypassAudit,
    pub(crate) audit_bytes: Vec<u8>,
    /// The id of the pipeline that issued it.
    pub(crate) issuer: u64,
    pub(crate) payload_type: PhantomData<fn() -> T>,
}

impl<T> BypassReceipt<T> {
    /// The bypassed event as it will be written.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Imported { legacy_id: u64 }
    /// let pipeline: Pipeline<(), Imported> =
    ///     Pipeline::new(GateSet::new().with_fn("fresh_only", |_, _| Err(Denial::new("old", "too old"))));
    /// let proposal = Proposal::new(Coordinate::new("order-1", "shop")?, Imported { legacy_id: 7 });
    /// let receipt = pipeline.bypass(proposal, "backfill from the old system")?;
    /// let event = receipt.event();
    /// assert_eq!(event.kind, Imported::KIND);
    /// assert_eq!(event.coordinate.entity(), "order-1");
    /// assert_eq!(event.payload_version, 1);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn event(&self) -> &EncodedEvent {
        &self.event
    }

    /// The audit record that will be written with it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Imported { legacy_id: u64 }
    /// let pipeline: Pipeline<(), Imported> =
    ///     Pipeline::new(GateSet::new().with_fn("fresh_only", |_, _| Err(Denial::new("old", "too old"))));
    /// let proposal = Proposal::new(Coordinate::new("order-1", "shop")?, Imported { legacy_id: 7 });
    /// let receipt = pipeline.bypass(proposal, "backfill from the old system")?;
    /// use batpak::guard::PayloadHash;
    ///
    /// let audit = receipt.audit();
    /// assert_eq!(audit.reason, "backfill from the old system");
    /// assert_eq!(audit.gates_skipped, ["fresh_only"]);
    /// assert_eq!(audit.payload_hash, PayloadHash::of(&receipt.event().bytes));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn audit(&self) -> &BypassAudit {
        &self.audit
    }
}

impl<T> fmt::Debug for BypassReceipt<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BypassReceipt")
            .field("coordinate", &self.event.coordinate)
            .field("kind", &self.event.kind)
            .field("audit", &self.audit)
            .finish_non_exhaustive()
    }
}
