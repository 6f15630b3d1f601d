//! The batpak quickstart: open a store, append typed events for two
//! entities, read them back, query a region, verify the chain, close,
//! reopen, and show that everything survived.
//!
//! Run from the workspace root: `cargo run --example quickstart`

use batpak::prelude::*;
use serde::{Deserialize, Serialize};

/// Money moved into an account: one event kind (category 1, type id 1).
/// The derive writes the `EventPayload` impl: its kind, version, and
/// MessagePack encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 1)]
struct Deposited {
    cents: u64,
    memo: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    println!("opening a store in {}", dir.path().display());
    let store = Store::open(StoreConfig::new(dir.path()))?;

    let alice = Coordinate::new("alice", "bank")?;
    let bob = Coordinate::new("bob", "bank")?;
    let mut ids = Vec::new();
    for (who, cents, memo) in [
        (&alice, 2500, "salary"),
        (&bob, 700, "gift"),
        (&alice, 300, "refund"),
    ] {
        let receipt = store.append_typed(
            who,
            &Deposited {
                cents,
                memo: memo.into(),
            },
        )?;
        println!(
            "appended {memo:>7} for {:<5} -> global #{}, entity #{}, durable: {}",
            who.entity(),
            receipt.global_sequence,
            receipt.entity_sequence,
            receipt.durable
        );
        ids.push(receipt.event_id);
    }

    let first = store
        .get_typed::<Deposited>(ids[0])?
        .ok_or("the first event should be there")?;
    println!(
        "read back by id: {:?} (hash {})",
        first.payload(),
        first.hash
    );

    let total: u64 = store
        .stream_typed::<Deposited>(&alice)?
        .map(|e| e.map(|e| e.payload().cents))
        .sum::<Result<u64, _>>()?;
    println!("alice's balance from her stream: {total} cents");

    let in_bank = store.query(&Region::scope("bank")).count();
    println!("events in the 'bank' region: {in_bank}");

    let report = store.verify_chain()?;
    println!(
        "hash chain intact: {} ({} events, {} entities)",
        report.is_intact(),
        report.events_checked,
        report.entities_checked
    );

    let closed = store.close()?;
    println!("closed with {} events; reopening...", closed.events);

    let store = Store::open(StoreConfig::new(dir.path()))?;
    let again = store
        .get_typed::<Deposited>(ids[2])?
        .ok_or("the last event should survive a reopen")?;
    println!(
        "after reopen: {} events, last one is {:?} for {}",
        store.len(),
        again.payload(),
        again.coordinate.entity()
    );
    Ok(())
}
