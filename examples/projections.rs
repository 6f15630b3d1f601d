//! Projections: account balances folded from a derived enum of events.
//!
//! One entity's balance (`Store::project`, cached and incremental), every
//! account of a scope at once (`Store::project_region`), and a projection
//! kept in a file that survives a reopen (`Store::project_with_file`).
//!
//! Run from the workspace root: `cargo run --example projections`

use std::collections::BTreeMap;

use batpak::prelude::*;
use batpak::projection::CacheStatus;
use serde::{Deserialize, Serialize};

/// What can happen to an account. Each variant is its own event kind.
#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: String },
    #[batpak(type_id = 2)]
    Deposited { cents: u64 },
    #[batpak(type_id = 3)]
    Withdrawn { cents: u64 },
    #[batpak(type_id = 4)]
    Closed,
}

/// One account's read model.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Account {
    owner: String,
    balance_cents: u64,
    open: bool,
}

impl Projection for Account {
    type Event = AccountEvent;

    fn initial() -> Self {
        Account::default()
    }

    // One exhaustive match: a new variant does not compile until it is
    // handled here.
    fn apply(&mut self, event: &AccountEvent, _meta: &EventMeta<'_>) {
        match event {
            AccountEvent::Opened { owner } => {
                self.owner = owner.clone();
                self.open = true;
            }
            AccountEvent::Deposited { cents } => self.balance_cents += cents,
            AccountEvent::Withdrawn { cents } => {
                self.balance_cents = self.balance_cents.saturating_sub(*cents)
            }
            AccountEvent::Closed => self.open = false,
        }
    }
}

/// Every account's balance in a region, keyed by entity.
#[derive(Debug, Default)]
struct Balances(BTreeMap<String, u64>);

impl Projection for Balances {
    type Event = AccountEvent;

    fn initial() -> Self {
        Balances::default()
    }

    fn apply(&mut self, event: &AccountEvent, meta: &EventMeta<'_>) {
        let balance = self
            .0
            .entry(meta.coordinate.entity().to_owned())
            .or_default();
        match event {
            AccountEvent::Deposited { cents } => *balance += cents,
            AccountEvent::Withdrawn { cents } => *balance = balance.saturating_sub(*cents),
            AccountEvent::Opened { .. } | AccountEvent::Closed => {}
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store_dir = dir.path().join("store");
    let cache_file = dir.path().join("alice.account");
    let alice = Coordinate::new("alice", "bank")?;
    let bob = Coordinate::new("bob", "bank")?;

    {
        let store = Store::open(StoreConfig::new(&store_dir))?;
        store.append_typed(
            &alice,
            &AccountEvent::Opened {
                owner: "Alice".into(),
            },
        )?;
        store.append_typed(
            &bob,
            &AccountEvent::Opened {
                owner: "Bob".into(),
            },
        )?;
        store.append_typed(&alice, &AccountEvent::Deposited { cents: 10_000 })?;
        store.append_typed(&bob, &AccountEvent::Deposited { cents: 2_500 })?;
        store.append_typed(&alice, &AccountEvent::Withdrawn { cents: 1_200 })?;

        let account = store.project::<Account>(&alice)?;
        println!(
            "{}'s account: {} cents, open: {}",
            account.owner, account.balance_cents, account.open
        );

        // The next call applies only what was appended since.
        store.append_typed(&alice, &AccountEvent::Deposited { cents: 300 })?;
        println!(
            "after one more deposit: {} cents",
            store.project::<Account>(&alice)?.balance_cents
        );

        let all = store.project_region::<Balances>(&Region::scope("bank"))?;
        for (entity, cents) in &all.state().0 {
            println!("  balance of {entity:<5} {cents:>6} cents");
        }

        let cached = store.project_with_file::<Account>(&alice, &cache_file)?;
        println!(
            "wrote a cache file covering {} of alice's events",
            cached.position()
        );
    }

    // Reopen: the file cache matches this store, so only the new event is
    // applied.
    let store = Store::open(StoreConfig::new(&store_dir))?;
    store.append_typed(&alice, &AccountEvent::Closed)?;
    let again = store.project_with_file::<Account>(&alice, &cache_file)?;
    let reused = again.cache_status() == &CacheStatus::Reused;
    println!(
        "after reopen: cache reused: {reused}, events applied: {}, open: {}",
        again.applied(),
        again.state().open
    );
    Ok(())
}
