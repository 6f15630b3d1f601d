//! # batpak
//!
//! An embedded, sync-first event-sourcing framework: a tamper-evident,
//! replayable record of what happened inside one process, with the domain's
//! rules checked by the compiler where possible and by gates where not.
//!
//! ## Reading order
//!
//! The crate is layered; each layer uses only the ones before it:
//!
//! | layer | question | module |
//! |---|---|---|
//! | coordinate | WHO and WHERE | [`coordinate`]: [`Coordinate`], [`Region`] |
//! | event | WHAT | [`event`]: [`EventKind`], [`EventHeader`], [`EventPayload`] |
//! | guard | MAY I? | [`guard`]: [`Gate`], [`GateSet`], [`Denial`], [`Receipt`] |
//! | pipeline | COMMIT | [`pipeline`]: [`Pipeline`], [`Proposal`] → [`Receipt`] → commit |
//! | store | PERSIST | the segment store |
//! | projection / subscription | READ MODELS / DELIVERY | [`projection`]: [`Projection`], `Store::project`; [`subscription`]: `Store::subscribe_lossy`, `Store::cursor_guaranteed` |
//!
//! [`outcome`], [`id`] and [`typestate`] are leaf utilities used throughout.
//!
//! Most programs need only the [`prelude`]:
//!
//! ```
//! use batpak::prelude::*;
//!
//! let coord = Coordinate::new("account-7", "bank")?;
//! let region = Region::scope("bank");
//! assert!(region.matches(&coord, EventKind::custom(1, 1), 0));
//! # Ok::<(), batpak::Error>(())
//! ```

// Denied, not forbidden: `store/map.rs` allows it at its two spots (mapped
// reads; the need is measured in docs/PERFORMANCE.md, the argument written
// at each `SAFETY:`). Anywhere else it does not compile.
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod coordinate;
pub mod error;
pub mod event;
pub mod guard;
pub mod id;
pub mod outcome;
pub mod pipeline;
pub mod projection;
pub mod store;
pub mod subscription;
pub mod typestate;

/// Turns a gate function into a type implementing [`Gate`].
///
/// The function takes the context by reference and the proposal by
/// reference and returns `Result<(), Denial>`. `#[gate]` keeps the function
/// and adds a unit struct (the function's name in UpperCamelCase) whose
/// [`Gate::name`] is the function's name and whose [`Gate::description`] is
/// its doc comment. Keys: `name = "..."` overrides the name, `type_name =
/// Ident` the generated type.
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, Gate, GateSet, Proposal};
/// use batpak::Coordinate;
/// # use batpak::{EventKind, EventPayload, PayloadError};
/// # #[derive(serde::Serialize, serde::Deserialize)]
/// # struct Withdrawn { cents: u64 }
/// # impl EventPayload for Withdrawn {
/// #     const KINDS: &'static [EventKind] = &[EventKind::custom(1, 2)];
/// #     const VERSION: u16 = 1;
/// #     const TYPE_NAME: &'static str = "Withdrawn";
/// #     fn kind(&self) -> EventKind { Self::KINDS[0] }
/// #     fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
/// #         batpak::event::encode_msgpack(Self::TYPE_NAME, self)
/// #     }
/// #     fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
/// #         batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
/// #     }
/// # }
///
/// struct Account { balance_cents: u64 }
///
/// /// Refuses a withdrawal larger than the balance.
/// #[batpak::gate]
/// fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
///     let wanted = proposal.payload().cents;
///     if wanted > account.balance_cents {
///         return Err(Denial::new("insufficient_funds", "the balance does not cover it")
///             .with_context("balance_cents", account.balance_cents)
///             .with_context("requested_cents", wanted));
///     }
///     Ok(())
/// }
///
/// assert_eq!(SufficientFunds.name(), "sufficient_funds");
/// assert_eq!(SufficientFunds.description(), "Refuses a withdrawal larger than the balance.");
///
/// let gates = GateSet::new().with(SufficientFunds);
/// let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Withdrawn { cents: 500 });
/// let denial = gates.evaluate(&Account { balance_cents: 100 }, &proposal).unwrap_err();
/// assert_eq!(denial.gate(), "sufficient_funds");
/// assert_eq!(denial.code(), "insufficient_funds");
/// # Ok::<(), batpak::Error>(())
/// ```
pub use batpak_derive::gate;
/// Derives [`EventPayload`] (and [`SingleKind`] for a struct): see the
/// trait's docs for structs, enums, attributes and what is stored.
pub use batpak_derive::EventPayload;
pub use coordinate::{Coordinate, CoordinateError, CoordinatePart, Region, MAX_NAME_LEN};
pub use error::Error;
pub use event::{
    Event, EventHash, EventHeader, EventKind, EventPayload, KindCollision, KindError, PayloadError,
    SingleKind, StoredEvent,
};
pub use guard::{Denial, Denials, Gate, GateSet, PayloadHash, Proposal, Receipt};
pub use id::{CausationId, CorrelationId, EventId, IdParseError};
pub use outcome::{Outcome, RetryHint, Unresolved};
pub use pipeline::{BypassAudit, BypassReceipt, EncodedEvent, Pipeline, PipelineError};
pub use projection::{EventMeta, Projected, Projection, ProjectionError};
pub use subscription::{CursorError, GuaranteedCursor, LossySubscription, TypedCursor};
pub use typestate::{ReplayError, StateMachine, TransitionError};

/// Declares an entity's lifecycle on an enum of states; see
/// [`typestate`] for what it generates and an example.
pub use batpak_derive::state_machine;
pub use store::{
    AppendError, AppendOptions, AppendReceipt, BatchError, BatchItem, CloseError, CommitError,
    Durability, OpenError, ReadError, Store, StoreConfig,
};
pub use store::{BypassCommit, LoadError, TypedQuery};

/// docs/GUIDE.md, compiled and run as doc tests so the guide stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/GUIDE.md")]
struct GuideDoctests;

/// The names most programs use, in one import: `use batpak::prelude::*;`.
pub mod prelude {
    pub use crate::coordinate::{Coordinate, Region};
    pub use crate::event::{EventKind, EventPayload, SingleKind, StoredEvent};
    pub use crate::gate;
    pub use crate::guard::{Denial, Gate, GateSet, Proposal, Receipt};
    pub use crate::id::{CausationId, CorrelationId, EventId};
    pub use crate::outcome::Outcome;
    pub use crate::pipeline::{Pipeline, PipelineError};
    pub use crate::projection::{EventMeta, Projection};
    pub use crate::store::{AppendOptions, BatchItem, Durability, Store, StoreConfig};
    pub use crate::typestate::{Handle, StateMachine};
    pub use crate::Error;
    pub use batpak_derive::EventPayload;
}

/// Entry points into the on-disk decoders for the fuzz targets in
/// `batpak/fuzz/` and the hostile-bytes property tests. Not part of the
/// public API: it may change in any release.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::store::fuzz::{
        decode_event, decode_frame, scan_segment, SegmentSummary, LIMITS,
    };
}

/// Paths that code generated by `batpak-derive` uses. Not part of the public
/// API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::coordinate::Coordinate;
    pub use crate::event::{
        check_kind, decode_msgpack, decode_struct, encode_msgpack, encode_struct, unknown_kind,
        EventKind, EventPayload, PayloadError, SingleKind,
    };
    pub use crate::guard::{Denial, Gate, Proposal};
    pub use serde;
    /// The typestate pieces `#[state_machine]` implements.
    pub mod typestate {
        pub use crate::typestate::private::*;
    }
}
