//! [`EncodedEvent`] and the exact list of events each commit writes.
//!
//! Everything up to the store call lives here, so what reaches the log is
//! decided (and tested) in one place:
//!
//! | commit | writes, in order, in one atomic append |
//! |---|---|
//! | a [`Receipt`] | the evaluated event |
//! | a [`BypassReceipt`] | the bypassed event, then its [`BypassAudit`](super::BypassAudit) (kind `SYSTEM_BYPASS_AUDIT`, same coordinate) |
//! | a denial | the [`Denial`] (kind `SYSTEM_DENIAL`) at the given coordinate |
//!
//! The store side lives in `store/gates.rs`: `Pipeline::commit_to(&store,
//! receipt)` appends [`receipt_writes`] with `Store::append_encoded`;
//! `Pipeline::commit_bypass_to(&store, receipt)` appends [`bypass_writes`]
//! with the store's crate-internal atomic multi-event append (which may write
//! system kinds); `Store::append_denial(&coord, &denial)` appends
//! [`denial_write`] through the same system path.

use crate::coordinate::Coordinate;
use crate::event::{EventKind, EventPayload, PayloadError};
use crate::guard::{Denial, Receipt};

use super::BypassReceipt;

/// An event ready to be appended: coordinate, kind, payload version and the
/// exact MessagePack payload bytes.
///
/// [`Pipeline::commit`](super::Pipeline::commit) hands one to its closure;
/// append the bytes as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncodedEvent {
    /// Where to write it.
    pub coordinate: Coordinate,
    /// Its kind.
    pub kind: EventKind,
    /// Its payload version.
    pub payload_version: u16,
    /// The payload bytes, exactly as evaluated.
    pub bytes: Vec<u8>,
}

/// The one event committing `receipt` writes: exactly the evaluated bytes.
pub(crate) fn receipt_writes<T>(receipt: Receipt<T>) -> EncodedEvent {
    EncodedEvent {
        coordinate: receipt.coordinate,
        kind: receipt.kind,
        payload_version: receipt.payload_version,
        bytes: receipt.bytes,
    }
}

/// The two events committing a bypass writes, in order, in one atomic
/// append: the bypassed event, then its audit at the same coordinate.
pub(crate) fn bypass_writes<T>(receipt: BypassReceipt<T>) -> Vec<EncodedEvent> {
    let audit = EncodedEvent {
        coordinate: receipt.event.coordinate.clone(),
        kind: EventKind::SYSTEM_BYPASS_AUDIT,
        payload_version: <super::BypassAudit as EventPayload>::VERSION,
        bytes: receipt.audit_bytes,
    };
    vec![receipt.event, audit]
}

/// The event `Store::append_denial(coordinate, denial)` writes.
///
/// # Errors
///
/// [`PayloadError::Encode`] if the denial cannot be encoded.
pub(crate) fn denial_write(
    coordinate: &Coordinate,
    denial: &Denial,
) -> Result<EncodedEvent, PayloadError> {
    Ok(EncodedEvent {
        coordinate: coordinate.clone(),
        kind: EventKind::SYSTEM_DENIAL,
        payload_version: Denial::VERSION,
        bytes: denial.encode_payload()?,
    })
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::event::{check_kind, decode_msgpack, encode_msgpack};
    use crate::guard::{GateSet, PayloadHash, Proposal};
    use crate::pipeline::{BypassAudit, Pipeline};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Withdrawn {
        cents: u64,
    }

    impl EventPayload for Withdrawn {
        const KINDS: &'static [EventKind] = &[EventKind::custom(1, 2)];
        const VERSION: u16 = 3;
        const TYPE_NAME: &'static str = "Withdrawn";
        fn kind(&self) -> EventKind {
            Self::KINDS[0]
        }
        fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
            encode_msgpack(Self::TYPE_NAME, self)
        }
        fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
            check_kind::<Self>(kind)?;
            decode_msgpack(Self::TYPE_NAME, kind, bytes)
        }
    }

    fn coord() -> Coordinate {
        Coordinate::new("acct-1", "bank").unwrap()
    }

    fn pipeline() -> Pipeline<(), Withdrawn> {
        Pipeline::new(
            GateSet::new()
                .with_fn("positive", |_, _| Ok(()))
                .with_fn("limit", |_, _| Ok(())),
        )
    }

    #[test]
    fn a_receipt_writes_exactly_the_evaluated_event() {
        let payload = Withdrawn { cents: 500 };
        let receipt = pipeline()
            .evaluate(&(), Proposal::new(coord(), payload.clone()))
            .unwrap();
        let hash = receipt.payload_hash();
        let write = receipt_writes(receipt);
        assert_eq!(
            write,
            EncodedEvent {
                coordinate: coord(),
                kind: EventKind::custom(1, 2),
                payload_version: 3,
                bytes: payload.encode_payload().unwrap(),
            }
        );
        assert_eq!(PayloadHash::of(&write.bytes), hash);
    }

    #[test]
    fn a_bypass_writes_the_event_then_its_audit_at_the_same_coordinate() {
        let payload = Withdrawn { cents: 900 };
        let receipt = pipeline()
            .bypass(Proposal::new(coord(), payload.clone()), "court order 17")
            .unwrap();
        let writes = bypass_writes(receipt);
        assert_eq!(writes.len(), 2);
        let (event, audit) = (&writes[0], &writes[1]);
        assert_eq!(event.kind, EventKind::custom(1, 2));
        assert_eq!(event.payload_version, 3);
        assert_eq!(event.bytes, payload.encode_payload().unwrap());
        assert_eq!(audit.coordinate, event.coordinate);
        assert_eq!(audit.kind, EventKind::SYSTEM_BYPASS_AUDIT);
        assert_eq!(audit.payload_version, BypassAudit::VERSION);
        let record = BypassAudit::decode_payload(audit.kind, &audit.bytes).unwrap();
        assert_eq!(record.reason, "court order 17");
        assert_eq!(record.gates_skipped, ["positive", "limit"]);
        assert_eq!(record.kind, event.kind);
        assert_eq!(record.payload_version, 3);
        assert_eq!(record.payload_hash, PayloadHash::of(&event.bytes));
    }

    #[test]
    fn a_denial_is_written_as_a_system_denial_event() {
        let denial = Denial::new("limit", "over the limit").with_context("limit", 100);
        let write = denial_write(&coord(), &denial).unwrap();
        assert_eq!(write.coordinate, coord());
        assert_eq!(write.kind, EventKind::SYSTEM_DENIAL);
        assert_eq!(write.payload_version, Denial::VERSION);
        assert_eq!(
            Denial::decode_payload(write.kind, &write.bytes).unwrap(),
            denial
        );
    }
}
