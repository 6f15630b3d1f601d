//! A bank withdrawal meets a gate: one passes, one is denied (and the
//! denial recorded), then the denied one goes through an audited bypass, and
//! the audit trail is read back from the store.
//!
//! Run from the workspace root: `cargo run --example gates`

use batpak::pipeline::BypassAudit;
use batpak::prelude::*;
use serde::{Deserialize, Serialize};

/// Money taken out of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 0x001)]
struct Withdrawn {
    cents: u64,
    memo: String,
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(StoreConfig::new(dir.path()))?;
    let pipeline = Pipeline::new(GateSet::new().with(SufficientFunds));
    let account = Account {
        balance_cents: 20_00,
    };
    let coord = Coordinate::new("account-7", "bank")?;

    // 1. A withdrawal the balance covers: the gate passes, the receipt is
    //    committed: exactly the bytes the gate saw are appended.
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
    pipeline.commit_to(&store, receipt)?;

    // 2. One it does not: the gate says no, and why; the denial goes on record.
    let overdraft = Withdrawn {
        cents: 50_00,
        memo: "rent".into(),
    };
    let proposal = Proposal::new(coord.clone(), overdraft);
    match pipeline.evaluate(&account, proposal.clone()) {
        Err(PipelineError::Denied(denial)) => {
            println!("{denial}");
            store.append_denial(&coord, &denial)?;
        }
        other => println!("unexpected: {other:?}"),
    }

    // 3. The manager approves an overdraft: a bypass, with its reason on the
    //    record, written together with the withdrawal in one atomic append.
    let bypass = pipeline.bypass(
        proposal,
        "overdraft approved by branch manager (ticket 881)",
    )?;
    let written = pipeline.commit_bypass_to(&store, bypass)?;
    println!(
        "bypass committed: withdrawal #{} and its audit #{}",
        written.event.global_sequence, written.audit.global_sequence
    );

    // 4. The trail, read back from the store: every event of the account.
    for event in store.stream(&coord) {
        let event = event?;
        let kind = event.header().kind;
        let at = event.header().global_sequence;
        if kind == EventKind::SYSTEM_BYPASS_AUDIT {
            let audit = BypassAudit::decode_payload(kind, event.payload())?;
            println!(
                "#{at} audit: skipped {:?} because {:?}",
                audit.gates_skipped, audit.reason
            );
        } else if kind == EventKind::SYSTEM_DENIAL {
            let denial = Denial::decode_payload(kind, event.payload())?;
            println!("#{at} denial by {}: {}", denial.gate(), denial.code());
        } else {
            let withdrawn = Withdrawn::decode_payload(kind, event.payload())?;
            println!(
                "#{at} withdrew {} ({})",
                cents(withdrawn.cents),
                withdrawn.memo
            );
        }
    }

    // Denials across the whole store, by kind.
    let denials = store
        .query(&Region::all().with_kind(EventKind::SYSTEM_DENIAL))
        .count();
    println!("denials on record: {denials}");
    Ok(())
}
