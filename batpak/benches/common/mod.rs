//! The payload every store and batch bench appends, so their figures
//! describe the same events.

use batpak::EventKind;
use serde::Serialize;

/// About 75 bytes of MessagePack.
#[derive(Serialize)]
pub struct Payload {
    account: &'static str,
    memo: &'static str,
    cents: u64,
    seq: u64,
}

/// The bench payload numbered `seq`.
pub fn payload(seq: u64) -> Payload {
    Payload {
        account: "acct-00042",
        memo: "monthly transfer to savings, ref 2026-11",
        cents: 12_345,
        seq,
    }
}

/// The kind the benches append as.
pub const KIND: EventKind = EventKind::custom(1, 1);
