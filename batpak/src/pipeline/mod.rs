//! COMMIT: propose → evaluate → commit.
//!
//! A [`Proposal`] goes through [`Pipeline::evaluate`]; if every gate agrees
//! the payload is encoded once and a [`Receipt`] holding those bytes comes
//! back; [`Pipeline::commit`] consumes the receipt and hands the exact bytes
//! on. [`Pipeline::bypass`] skips the gates, but only with a reason, and its
//! commit always carries a [`BypassAudit`] event beside the bypassed one.

mod audit;
pub(crate) mod writes;

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

pub use audit::{BypassAudit, BypassReceipt};
pub use writes::EncodedEvent;

use crate::event::{EventKind, EventPayload, PayloadError};
use crate::guard::{Denial, Denials, GateSet, PayloadHash, Proposal, Receipt};

/// Why a proposal did not get a receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A gate denied the proposal ([`Pipeline::evaluate`]).
    #[error("{0}")]
    Denied(Denial),
    /// One or more gates denied the proposal ([`Pipeline::evaluate_all`]).
    #[error("{0}")]
    DeniedAll(Denials),
    /// The payload could not be encoded.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The payload's kind is one of batpak's system kinds.
    #[error(
        "{type_name} proposes kind {kind}, which is a batpak system kind (category 0): \
         only batpak writes those; give the payload a kind in category 1 to 15"
    )]
    SystemKind {
        /// The payload type.
        type_name: &'static str,
        /// The kind it proposed.
        kind: EventKind,
    },
    /// [`Pipeline::bypass`] was called without a reason.
    #[error(
        "a bypass needs a reason: say why the gates are skipped (it is recorded \
         in the audit event beside the bypassed event)"
    )]
    EmptyBypassReason,
    /// A receipt was committed through a pipeline that did not issue it.
    #[error(
        "this receipt was issued by another pipeline (gates {receipt_gates:?}), not by the \
         one committing it (gates {pipeline_gates:?}): commit a receipt through the pipeline \
         that evaluated it"
    )]
    ForeignReceipt {
        /// The gates the receipt passed (or, for a bypass, skipped).
        receipt_gates: Vec<String>,
        /// The gates of the pipeline asked to commit it.
        pipeline_gates: Vec<String>,
    },
}

impl From<Denial> for PipelineError {
    fn from(denial: Denial) -> Self {
        PipelineError::Denied(denial)
    }
}

impl From<Denials> for PipelineError {
    fn from(denials: Denials) -> Self {
        PipelineError::DeniedAll(denials)
    }
}

/// The gates for one context type `Ctx` and payload type `T`, and the only
/// way to get a [`Receipt<T>`](Receipt) or a [`BypassReceipt<T>`].
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, GateSet, Proposal};
/// use batpak::pipeline::{Pipeline, PipelineError};
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
/// // Context: how many events this entity may still write.
/// let pipeline: Pipeline<u32, Note> = Pipeline::new(GateSet::new().with_fn("quota", |left, _| {
///     if *left > 0 { Ok(()) } else { Err(Denial::new("quota", "no quota left")) }
/// }));
/// let coord = Coordinate::new("e", "s")?;
///
/// let refused = pipeline.evaluate(&0, Proposal::new(coord.clone(), note("hello")));
/// assert!(matches!(refused, Err(PipelineError::Denied(d)) if d.gate() == "quota"));
///
/// let receipt = pipeline.evaluate(&1, Proposal::new(coord, note("hello")))?;
/// let written = pipeline.commit(receipt, |event| event)?;
/// assert_eq!(Note::decode_payload(written.kind, &written.bytes)?, note("hello"));
/// # Ok::<(), batpak::Error>(())
/// ```
pub struct Pipeline<Ctx: ?Sized, T> {
    /// Unique in the process: receipts carry it, so a receipt commits only
    /// through the pipeline (and so the gate set) that issued it.
    id: u64,
    gates: GateSet<Ctx, T>,
}

/// The next [`Pipeline`] id.
static NEXT_PIPELINE_ID: AtomicU64 = AtomicU64::new(1);

impl<Ctx: ?Sized, T: EventPayload> Pipeline<Ctx, T> {
    /// A pipeline running `gates` on every evaluation.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// // Context: the account balance in cents.
    /// let pipeline = Pipeline::new(GateSet::<u64, Withdraw>::new().with_fn(
    ///     "covered",
    ///     |balance, proposal| {
    ///         if proposal.payload().cents <= *balance { Ok(()) }
    ///         else { Err(Denial::new("overdraft", "the balance does not cover it")) }
    ///     },
    /// ));
    /// let account = Coordinate::new("account-1", "bank")?;
    /// assert!(pipeline.evaluate(&10_000, Proposal::new(account.clone(), Withdraw { cents: 5_000 })).is_ok());
    /// assert!(pipeline.evaluate(&1_000, Proposal::new(account, Withdraw { cents: 5_000 })).is_err());
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn new(gates: GateSet<Ctx, T>) -> Pipeline<Ctx, T> {
        Pipeline {
            id: NEXT_PIPELINE_ID.fetch_add(1, Ordering::Relaxed),
            gates,
        }
    }

    /// The gates, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// let pipeline: Pipeline<u64, Withdraw> = Pipeline::new(
    ///     GateSet::new().with_fn("positive", |_, _| Ok(())).with_fn("covered", |_, _| Ok(())),
    /// );
    /// assert_eq!(pipeline.gates().names().collect::<Vec<_>>(), ["positive", "covered"]);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn gates(&self) -> &GateSet<Ctx, T> {
        &self.gates
    }

    /// Runs the gates (stopping at the first denial), then encodes the
    /// payload once and returns a receipt holding those bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// let pipeline = Pipeline::new(
    ///     GateSet::<u64, Withdraw>::new()
    ///         .with_fn("positive", |_, p| {
    ///             if p.payload().cents > 0 { Ok(()) } else { Err(Denial::new("zero", "withdraw something")) }
    ///         })
    ///         .with_fn("covered", |balance, p| {
    ///             if p.payload().cents <= *balance { Ok(()) } else { Err(Denial::new("overdraft", "not covered")) }
    ///         }),
    /// );
    /// let account = Coordinate::new("account-1", "bank")?;
    ///
    /// let receipt = pipeline.evaluate(&100, Proposal::new(account.clone(), Withdraw { cents: 40 }))?;
    /// assert_eq!(receipt.gates_passed(), ["positive", "covered"]);
    ///
    /// // Both gates would deny this one; evaluation stops at the first.
    /// let refused = pipeline.evaluate(&0, Proposal::new(account, Withdraw { cents: 0 }));
    /// assert!(matches!(refused, Err(PipelineError::Denied(d)) if d.gate() == "positive"));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PipelineError::Denied`] with the first denial;
    /// [`PipelineError::SystemKind`] for a system kind;
    /// [`PipelineError::Payload`] if encoding fails.
    pub fn evaluate(&self, ctx: &Ctx, proposal: Proposal<T>) -> Result<Receipt<T>, PipelineError> {
        refuse_system_kind(&proposal)?;
        self.gates.evaluate(ctx, &proposal)?;
        self.receipt(proposal)
    }

    /// Runs every gate, collecting every denial, then encodes as
    /// [`Pipeline::evaluate`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// let pipeline = Pipeline::new(
    ///     GateSet::<u64, Withdraw>::new()
    ///         .with_fn("daily_limit", |_, p| {
    ///             if p.payload().cents <= 1_000 { Ok(()) } else { Err(Denial::new("limit", "over the daily limit")) }
    ///         })
    ///         .with_fn("open", |_, _| Ok(()))
    ///         .with_fn("covered", |balance, p| {
    ///             if p.payload().cents <= *balance { Ok(()) } else { Err(Denial::new("overdraft", "not covered")) }
    ///         }),
    /// );
    /// let proposal = Proposal::new(Coordinate::new("account-1", "bank")?, Withdraw { cents: 5_000 });
    ///
    /// // Every gate runs, so the user hears about every problem at once.
    /// let Err(PipelineError::DeniedAll(denials)) = pipeline.evaluate_all(&100, proposal) else {
    ///     panic!("two gates should deny");
    /// };
    /// let gates: Vec<&str> = denials.iter().map(|d| d.gate()).collect();
    /// assert_eq!(gates, ["daily_limit", "covered"]);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PipelineError::DeniedAll`] with every denial in gate order;
    /// otherwise as [`Pipeline::evaluate`].
    pub fn evaluate_all(
        &self,
        ctx: &Ctx,
        proposal: Proposal<T>,
    ) -> Result<Receipt<T>, PipelineError> {
        refuse_system_kind(&proposal)?;
        self.gates.evaluate_all(ctx, &proposal)?;
        self.receipt(proposal)
    }

    /// Consumes `receipt` and hands `write` the event to append: the
    /// evaluated coordinate, kind, payload version and exact bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// let strict = Pipeline::new(GateSet::<u64, Withdraw>::new().with_fn("covered", |balance, p| {
    ///     if p.payload().cents <= *balance { Ok(()) } else { Err(Denial::new("overdraft", "not covered")) }
    /// }));
    /// let account = Coordinate::new("account-1", "bank")?;
    ///
    /// let receipt = strict.evaluate(&100, Proposal::new(account.clone(), Withdraw { cents: 40 }))?;
    /// let hash = receipt.payload_hash();
    /// // `write` gets the evaluated bytes; here it hands them back instead of appending.
    /// let event = strict.commit(receipt, |event| event)?;
    /// assert_eq!(event.coordinate, account);
    /// assert_eq!(batpak::guard::PayloadHash::of(&event.bytes), hash);
    /// assert_eq!(Withdraw::decode_payload(event.kind, &event.bytes)?, Withdraw { cents: 40 });
    ///
    /// // A receipt from a pipeline with no gates cannot be slipped past `strict`.
    /// let lax: Pipeline<u64, Withdraw> = Pipeline::new(GateSet::new());
    /// let foreign = lax.evaluate(&0, Proposal::new(account, Withdraw { cents: 1_000_000 }))?;
    /// let mut written = false;
    /// let refused = strict.commit(foreign, |_| written = true);
    /// assert!(matches!(refused, Err(PipelineError::ForeignReceipt { .. })));
    /// assert!(!written);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PipelineError::ForeignReceipt`] if another pipeline issued the
    /// receipt (its gates are not this pipeline's); `write` is not called.
    pub fn commit<R>(
        &self,
        receipt: Receipt<T>,
        write: impl FnOnce(EncodedEvent) -> R,
    ) -> Result<R, PipelineError> {
        self.check_issuer(receipt.issuer, &receipt.gates_passed)?;
        Ok(write(writes::receipt_writes(receipt)))
    }

    /// Refuses a receipt this pipeline did not issue.
    fn check_issuer(&self, issuer: u64, gates: &[String]) -> Result<(), PipelineError> {
        if issuer == self.id {
            return Ok(());
        }
        Err(PipelineError::ForeignReceipt {
            receipt_gates: gates.to_vec(),
            pipeline_gates: self.gates.names().map(str::to_owned).collect(),
        })
    }

    /// Skips the gates for `proposal`, on the record: the receipt carries a
    /// [`BypassAudit`] naming `reason` and every gate skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// let pipeline = Pipeline::new(GateSet::<u64, Withdraw>::new().with_fn("covered", |balance, p| {
    ///     if p.payload().cents <= *balance { Ok(()) } else { Err(Denial::new("overdraft", "not covered")) }
    /// }));
    /// let account = Coordinate::new("account-1", "bank")?;
    ///
    /// let blank = pipeline.bypass(Proposal::new(account.clone(), Withdraw { cents: 500 }), "  ");
    /// assert!(matches!(blank, Err(PipelineError::EmptyBypassReason)));
    ///
    /// let receipt = pipeline.bypass(Proposal::new(account, Withdraw { cents: 500 }), "bank fee correction")?;
    /// assert_eq!(receipt.audit().reason, "bank fee correction");
    /// assert_eq!(receipt.audit().gates_skipped, ["covered"]);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PipelineError::EmptyBypassReason`] if `reason` is blank;
    /// [`PipelineError::SystemKind`] or [`PipelineError::Payload`] as for
    /// [`Pipeline::evaluate`].
    pub fn bypass(
        &self,
        proposal: Proposal<T>,
        reason: impl Into<String>,
    ) -> Result<BypassReceipt<T>, PipelineError> {
        let reason = reason.into();
        if reason.trim().is_empty() {
            return Err(PipelineError::EmptyBypassReason);
        }
        refuse_system_kind(&proposal)?;
        let (coordinate, kind, payload) = proposal.into_parts();
        let bytes = payload.encode_payload()?;
        let audit = BypassAudit {
            reason,
            gates_skipped: self.gates.names().map(str::to_owned).collect(),
            kind,
            payload_version: T::VERSION,
            payload_hash: PayloadHash::of(&bytes),
        };
        let audit_bytes = audit.encode_payload()?;
        Ok(BypassReceipt {
            event: EncodedEvent {
                coordinate,
                kind,
                payload_version: T::VERSION,
                bytes,
            },
            audit,
            audit_bytes,
            issuer: self.id,
            payload_type: PhantomData,
        })
    }

    /// Consumes a bypass receipt and hands `write` the events to append in
    /// ONE atomic write, in order: the bypassed event, then its audit event
    /// (kind [`EventKind::SYSTEM_BYPASS_AUDIT`], same coordinate).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::pipeline::PipelineError;
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, EventPayload)]
    /// # #[batpak(category = 1, type_id = 1)]
    /// # struct Withdraw { cents: u64 }
    /// use batpak::EventKind;
    ///
    /// let pipeline: Pipeline<u64, Withdraw> = Pipeline::new(GateSet::new().with_fn("covered", |_, _| {
    ///     Err(Denial::new("overdraft", "not covered"))
    /// }));
    /// let account = Coordinate::new("account-1", "bank")?;
    /// let receipt = pipeline.bypass(Proposal::new(account.clone(), Withdraw { cents: 500 }), "bank fee correction")?;
    ///
    /// let events = pipeline.commit_bypass(receipt, |events| events)?;
    /// let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    /// assert_eq!(kinds, [Withdraw::KIND, EventKind::SYSTEM_BYPASS_AUDIT]);
    /// assert!(events.iter().all(|e| e.coordinate == account));
    ///
    /// // As with `commit`, only the issuing pipeline commits it.
    /// let other: Pipeline<u64, Withdraw> = Pipeline::new(GateSet::new());
    /// let receipt = other.bypass(Proposal::new(account, Withdraw { cents: 1 }), "test")?;
    /// assert!(matches!(
    ///     pipeline.commit_bypass(receipt, |events| events.len()),
    ///     Err(PipelineError::ForeignReceipt { .. })
    /// ));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`PipelineError::ForeignReceipt`] if another pipeline issued the
    /// receipt; `write` is not called.
    pub fn commit_bypass<R>(
        &self,
        receipt: BypassReceipt<T>,
        write: impl FnOnce(Vec<EncodedEvent>) -> R,
    ) -> Result<R, PipelineError> {
        self.check_issuer(receipt.issuer, &receipt.audit.gates_skipped)?;
        Ok(write(writes::bypass_writes(receipt)))
    }

    fn receipt(&self, proposal: Proposal<T>) -> Result<Receipt<T>, PipelineError> {
        let (coordinate, kind, payload) = proposal.into_parts();
        let bytes = payload.encode_payload()?;
        Ok(Receipt {
            coordinate,
            kind,
            payload_version: T::VERSION,
            payload_hash: PayloadHash::of(&bytes),
            bytes,
            gates_passed: self.gates.names().map(str::to_owned).collect(),
            issuer: self.id,
            payload_type: PhantomData,
        })
    }
}

impl<Ctx: ?Sized, T> std::fmt::Debug for Pipeline<Ctx, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("gates", &self.gates)
            .finish()
    }
}

fn refuse_system_kind<T: EventPayload>(proposal: &Proposal<T>) -> Result<(), PipelineError> {
    if proposal.kind().is_system() {
        return Err(PipelineError::SystemKind {
            type_name: T::TYPE_NAME,
            kind: proposal.kind(),
        });
    }
    Ok(())
}
