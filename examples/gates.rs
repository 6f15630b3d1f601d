//! A bank withdrawal meets a gate: one passes, one is denied, then the
//! denied one goes through an audited bypass, and the audit trail is read
//! back.
//!
//! Run from the workspace root: `cargo run --example gates`

use batpak::pipeline::{BypassAudit, EncodedEvent};
use batpak::prelude::*;
use batpak::PayloadError;
use serde::{Deserialize, Serialize};

/// Money taken out of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Withdrawn {
    cents: u64,
    memo: String,
}

// Written by hand until `#[derive(EventPayload)]` is in this branch; the
// derive generates the same (kind 1:001, version 1).
impl EventPayload for Withdrawn {
    const KINDS: &'static [EventKind] = &[EventKind::custom(1, 0x001)];
    const VERSION: u16 = 1;
    const TYPE_NAME: &'static str = "Withdrawn";
    fn kind(&self) -> EventKind {
        Self::KINDS[0]
    }
    fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
        batpak::event::encode_msgpack(Self::TYPE_NAME, self)
    }
    fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
        batpak::event::check_kind::<Self>(kind)?;
        batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
    }
}

/// What the gates read: the account as the application knows it now.
struct Account {
    balance_cents: u64,
}

/// Refuses a withdrawal larger than the balance.
#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let wanted = proposal.payload().cents;
    if wanted > account.balance_cents {
        return Err(Denial::new(
            "insufficient_funds",
            "the balance does not cover this withdrawal; deposit first or ask for an overdraft",
        )
        .with_context("balance_cents", account.balance_cents)
        .with_context("requested_cents", wanted));
    }
    Ok(())
}

fn cents(amount: u64) -> String {
    format!("{}.{:02}", amount / 100, amount % 100)
}

fn main() -> Result<(), batpak::Error> {
    let pipeline = Pipeline::new(GateSet::new().with(SufficientFunds));
    let account = Account {
        balance_cents: 20_00,
    };
    let coord = Coordinate::new("account-7", "bank")?;
    // The events written, in order. With the store: `pipeline.commit_to(&store, receipt)`.
    let mut log: Vec<EncodedEvent> = Vec::new();

    // 1. A withdrawal the balance covers: the gate passes, the receipt is committed.
    let groceries = Withdrawn {
        cents: 15_00,
        memo: "groceries".into(),
    };
    let receipt = pipeline.evaluate(&account, Proposal::new(coord.clone(), groceries))?;
    println!(
        "passed {:?}: withdrawal of {} committed",
        receipt.gates_passed(),
        cents(15_00)
    );
    pipeline.commit(receipt, |event| log.push(event));

    // 2. One it does not: the gate says no, and why.
    let overdraft = Withdrawn {
        cents: 50_00,
        memo: "rent".into(),
    };
    let proposal = Proposal::new(coord.clone(), overdraft);
    match pipeline.evaluate(&account, proposal.clone()) {
        Err(PipelineError::Denied(denial)) => {
            // With the store: `store.append_denial(&coord, &denial)?` keeps it on record.
            println!("{denial}");
        }
        other => println!("unexpected: {other:?}"),
    }

    // 3. The manager approves an overdraft: a bypass, with its reason on the record.
    let bypass = pipeline.bypass(
        proposal,
        "overdraft approved by branch manager (ticket 881)",
    )?;
    pipeline.commit_bypass(bypass, |writes| log.extend(writes));

    // 4. The audit trail: every bypass is an event beside the one it let through.
    for event in &log {
        if event.kind == EventKind::SYSTEM_BYPASS_AUDIT {
            let audit = BypassAudit::decode_payload(event.kind, &event.bytes)?;
            println!(
                "audit at {}: skipped {:?} because {:?}",
                event.coordinate, audit.gates_skipped, audit.reason
            );
        } else {
            let withdrawn = Withdrawn::decode_payload(event.kind, &event.bytes)?;
            println!(
                "event at {}: withdrew {} ({})",
                event.coordinate,
                cents(withdrawn.cents),
                withdrawn.memo
            );
        }
    }
    Ok(())
}
