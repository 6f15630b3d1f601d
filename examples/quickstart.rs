//! The batpak quickstart: open a store, append typed events for two
//! entities, read them back, query a region, verify the chain, close,
//! reopen, and show that everything survived.
//!
//! Run from the workspace root: `cargo run --example quickstart`

use batpak::event::{check_kind, decode_msgpack, encode_msgpack};
use batpak::prelude::*;
use batpak::PayloadError;
use serde::{Deserialize, Serialize};

/// Money moved into an account. (`#[derive(EventPayload)]` will write this
/// impl for you; here it is by hand.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Deposited {
    cents: u64,
    memo: String,
}

impl EventPayload for Deposited {
    const KINDS: &'static [EventKind] = &[EventKind::custom(1, 1)];
    const VERSION: u16 = 1;
    const TYPE_NAME: &'static str = "Deposited";

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
        .stream(&alice)
        .map(|e| Ok::<_, Box<dyn std::error::Error>>(decode::<Deposited>(e?)?.cents))
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

fn decode<T: EventPayload>(event: StoredEvent<Vec<u8>>) -> Result<T, PayloadError> {
    T::decode_payload(event.header().kind, event.payload())
}
