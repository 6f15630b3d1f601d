//! MAY I? Gates decide whether a proposed event may be written.
//!
//! A [`Gate`] sees the context and the whole [`Proposal`] and returns `Ok`
//! or a [`Denial`]; a [`GateSet`] runs gates in order and never lets a
//! panicking gate unwind into the caller; a [`Receipt`] is the unforgeable
//! proof, made only by the [`pipeline`](crate::pipeline), that a proposal
//! passed, holding the exact bytes that were evaluated.

mod denial;
mod gate;
mod proposal;
mod receipt;

pub use denial::{Denial, Denials};
pub use gate::{Gate, GateSet};
pub use proposal::Proposal;
pub use receipt::{PayloadHash, Receipt};
