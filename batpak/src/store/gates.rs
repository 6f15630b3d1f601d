//! The pipeline meets the store: committing a [`Receipt`] appends exactly
//! the evaluated bytes, committing a [`BypassReceipt`] appends the event and
//! its [`BypassAudit`](crate::pipeline::BypassAudit) in one atomic write, and
//! a [`Denial`] can be recorded as an event.
//!
//! What each commit writes is decided in `pipeline/writes.rs`; this file
//! only hands it to the store.

use super::{AppendError, AppendOptions, AppendReceipt, BatchError, BatchItem, Store};
use crate::coordinate::Coordinate;
use crate::event::EventPayload;
use crate::guard::{Denial, Receipt};
use crate::pipeline::{writes, BypassReceipt, EncodedEvent, Pipeline, PipelineError};

/// Why [`Pipeline::commit_to`] or [`Pipeline::commit_bypass_to`] wrote
/// nothing: the pipeline refused the receipt, or the store refused the
/// append.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// The receipt was issued by another pipeline
    /// ([`PipelineError::ForeignReceipt`]).
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The store refused the event (compare-and-swap, size, a kind
    /// collision, a poisoned store, ...).
    #[error(transparent)]
    Append(#[from] AppendError),
    /// The store refused the bypassed event and its audit (one atomic
    /// write).
    #[error(transparent)]
    Batch(#[from] BatchError),
}

/// What [`Pipeline::commit_bypass_to`] wrote: the bypassed event and its
/// audit event, adjacent in the log (one atomic write).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BypassCommit {
    /// The bypassed event.
    pub event: AppendReceipt,
    /// Its audit event (kind `SYSTEM_BYPASS_AUDIT`, same coordinate, caused
    /// by the bypassed event).
    pub audit: AppendReceipt,
}

impl<Ctx: ?Sized, T: EventPayload + 'static> Pipeline<Ctx, T> {
    /// Consumes `receipt` and appends exactly the evaluated event to `store`
    /// (the bytes the gates saw, byte for byte).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 2)]
    /// struct Withdrawn { cents: u64 }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let pipeline = Pipeline::new(GateSet::new().with_fn("limit", |limit: &u64, p: &Proposal<Withdrawn>| {
    ///     if p.payload().cents <= *limit { Ok(()) } else { Err(Denial::new("over_limit", "too much")) }
    /// }));
    /// let account = Coordinate::new("account-1", "bank")?;
    /// let receipt = pipeline.evaluate(&1_000, Proposal::new(account, Withdrawn { cents: 300 }))?;
    /// let appended = pipeline.commit_to(&store, receipt)?;
    /// let back = store.get_typed::<Withdrawn>(appended.event_id)?.expect("just written");
    /// assert_eq!(back.payload(), &Withdrawn { cents: 300 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CommitError::Pipeline`] if another pipeline issued the receipt;
    /// [`CommitError::Append`] as for [`Store::append_typed`].
    pub fn commit_to(
        &self,
        store: &Store,
        receipt: Receipt<T>,
    ) -> Result<AppendReceipt, CommitError> {
        self.commit_to_with_options(store, receipt, AppendOptions::new())
    }

    /// [`Pipeline::commit_to`] with [`AppendOptions`]: for example
    /// compare-and-swap on the entity sequence the gates' context was read
    /// at, so the commit fails if the entity changed after the gates ran.
    /// `options.payload_version` is ignored: the receipt fixes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::AppendError;
    /// use batpak::store::CommitError;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 2)]
    /// struct Withdrawn { cents: u64 }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let pipeline: Pipeline<(), Withdrawn> = Pipeline::new(GateSet::new());
    /// let account = Coordinate::new("account-1", "bank")?;
    /// // The gates saw an empty account; someone appends before the commit.
    /// let receipt = pipeline.evaluate(&(), Proposal::new(account.clone(), Withdrawn { cents: 1 }))?;
    /// store.append_typed(&account, &Withdrawn { cents: 2 })?;
    /// let late = pipeline.commit_to_with_options(&store, receipt, AppendOptions::new().expected_sequence(0));
    /// assert!(matches!(late, Err(CommitError::Append(AppendError::SequenceMismatch { actual: 1, .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Pipeline::commit_to`], plus [`AppendError::SequenceMismatch`] and
    /// [`AppendError::IdempotencyConflict`] (as [`CommitError::Append`]).
    pub fn commit_to_with_options(
        &self,
        store: &Store,
        receipt: Receipt<T>,
        options: AppendOptions,
    ) -> Result<AppendReceipt, CommitError> {
        store.claim::<T>().map_err(AppendError::from)?;
        let appended = self.commit(receipt, |event| {
            store.append_encoded(
                &event.coordinate,
                event.kind,
                event.payload_version,
                event.bytes,
                options,
            )
        })?;
        Ok(appended?)
    }

    /// Consumes a bypass receipt and appends the bypassed event and its
    /// audit event to `store` in ONE atomic write: both are in the log,
    /// adjacent (global sequences `n` and `n + 1`), or neither is. The audit
    /// event names the reason and the gates skipped, and is caused by the
    /// bypassed event.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::pipeline::BypassAudit;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 2)]
    /// struct Withdrawn { cents: u64 }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let pipeline = Pipeline::new(GateSet::new().with_fn("never", |_: &(), _: &Proposal<Withdrawn>| {
    ///     Err(Denial::new("no", "never"))
    /// }));
    /// let account = Coordinate::new("account-1", "bank")?;
    /// let bypass = pipeline.bypass(Proposal::new(account, Withdrawn { cents: 9 }), "incident 7")?;
    /// let written = pipeline.commit_bypass_to(&store, bypass)?;
    /// assert_eq!(written.audit.global_sequence, written.event.global_sequence + 1);
    /// let audit = store.get_typed::<BypassAudit>(written.audit.event_id)?.expect("written");
    /// assert_eq!((audit.payload().reason.as_str(), &audit.payload().gates_skipped[..]), ("incident 7", &["never".to_owned()][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CommitError::Pipeline`] if another pipeline issued the receipt;
    /// as [`CommitError::Batch`]: [`BatchError::Item`] (index 0: the
    /// bypassed event) if it is refused, for example too large;
    /// [`BatchError::Batch`] if the write fails or the store is poisoned or
    /// closed; [`AppendError::KindCollision`] (wrapped in
    /// [`BatchError::Item`]) if another Rust type already used one of `T`'s
    /// kinds in this store.
    pub fn commit_bypass_to(
        &self,
        store: &Store,
        receipt: BypassReceipt<T>,
    ) -> Result<BypassCommit, CommitError> {
        store.claim::<T>().map_err(|collision| BatchError::Item {
            index: 0,
            error: collision.into(),
        })?;
        let items = self.commit_bypass(receipt, |writes| {
            writes
                .into_iter()
                .enumerate()
                .map(|(i, event)| {
                    let item = batch_item(event);
                    // The audit (and anything after the event) is caused
                    // by the bypassed event.
                    if i == 0 {
                        item
                    } else {
                        item.caused_by_item(0)
                    }
                })
                .collect()
        })?;
        let durability = store.shared.config.durability;
        let mut receipts = store.append_batch_system(items, durability)?.into_iter();
        match (receipts.next(), receipts.next()) {
            (Some(event), Some(audit)) => Ok(BypassCommit { event, audit }),
            // The writer returns one receipt per item; like `append_encoded`,
            // treat a missing one as the store having gone away.
            _ => Err(BatchError::Batch(AppendError::Closed).into()),
        }
    }
}

impl Store {
    /// Records a gate's denial as an event (kind
    /// [`EventKind::SYSTEM_DENIAL`](crate::EventKind::SYSTEM_DENIAL)) at
    /// `coordinate`, so refusals are part of the record. Query them with
    /// `Region::all().with_kind(EventKind::SYSTEM_DENIAL)` and read them
    /// back as [`Denial`]. Typed streams and state machine replay skip
    /// them, but a denial takes the entity's next sequence like any event:
    /// a handle from `new_entity` for an entity that holds only denials
    /// conflicts, so load such an entity with
    /// [`Store::load_machine`] instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let account = Coordinate::new("account-1", "bank")?;
    /// let denial = Denial::new("insufficient_funds", "the balance does not cover it")
    ///     .with_context("balance_cents", 100);
    /// store.append_denial(&account, &denial)?;
    ///
    /// let denials: Vec<Denial> = store
    ///     .query_typed::<Denial>(&Region::all())?
    ///     .map(|e| e.map(|e| e.event.payload))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(denials, [denial]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::append`].
    pub fn append_denial(
        &self,
        coordinate: &Coordinate,
        denial: &Denial,
    ) -> Result<AppendReceipt, AppendError> {
        let item = batch_item(writes::denial_write(coordinate, denial)?);
        let durability = self.shared.config.durability;
        let mut receipts = self
            .write_items(vec![item], durability, true)
            .map_err(|failure| failure.error)?;
        receipts.pop().ok_or(AppendError::Closed)
    }
}

fn batch_item(event: EncodedEvent) -> BatchItem {
    BatchItem::encoded(
        &event.coordinate,
        event.kind,
        event.payload_version,
        event.bytes,
    )
}
