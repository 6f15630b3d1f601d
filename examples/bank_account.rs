//! An `AccountEvent` enum, one event kind per variant, appended to a store
//! and read back typed: by id, as one account's stream folded into a
//! balance, and as a query over every account.
//!
//! Run from the workspace root: `cargo run --example bank_account`

use batpak::prelude::*;

/// Everything that can happen to an account. Each variant is its own stored
/// kind (`AccountEvent::DEPOSITED` is kind 1:002); renaming or reordering
/// variants never changes what is stored.
#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: String },
    #[batpak(type_id = 2)]
    Deposited { cents: u64 },
    #[batpak(type_id = 3)]
    Withdrawn { cents: u64, memo: String },
    #[batpak(type_id = 4)]
    Frozen,
}

/// The balance, folded from an account's events. The `match` is exhaustive:
/// a new variant is a compile error here until it is handled.
fn balance(events: &[AccountEvent]) -> i64 {
    events.iter().fold(0, |cents, event| match event {
        AccountEvent::Opened { .. } | AccountEvent::Frozen => cents,
        AccountEvent::Deposited { cents: c } => cents + *c as i64,
        AccountEvent::Withdrawn { cents: c, .. } => cents - *c as i64,
    })
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents.abs() % 100)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(StoreConfig::new(dir.path()))?;
    let alice = Coordinate::new("alice", "bank")?;
    let bob = Coordinate::new("bob", "bank")?;

    let opened = store.append_typed(
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
    store.append_typed(&alice, &AccountEvent::Deposited { cents: 95_00 })?;
    store.append_typed(&bob, &AccountEvent::Deposited { cents: 40_00 })?;
    store.append_typed(
        &alice,
        &AccountEvent::Withdrawn {
            cents: 35_50,
            memo: "groceries".into(),
        },
    )?;
    store.append_typed(
        &bob,
        &AccountEvent::Withdrawn {
            cents: 12_00,
            memo: "books".into(),
        },
    )?;
    store.append_typed(&bob, &AccountEvent::Frozen)?;
    println!("appended {} events for two accounts", store.len());

    // By id: the variant comes back from the stored kind.
    let first = store
        .get_typed::<AccountEvent>(opened.event_id)?
        .ok_or("the first event is there")?;
    println!(
        "event {} is {:?} (kind {})",
        first.header().global_sequence,
        first.payload(),
        first.header().kind
    );

    // One account's stream, folded into a balance.
    for account in [&alice, &bob] {
        let events: Vec<AccountEvent> = store
            .stream_typed::<AccountEvent>(account)?
            .map(|e| e.map(|e| e.event.payload))
            .collect::<Result<_, _>>()?;
        let frozen = events.contains(&AccountEvent::Frozen);
        println!(
            "{:<5}: {} events, balance {}{}",
            account.entity(),
            events.len(),
            money(balance(&events)),
            if frozen { " (frozen)" } else { "" }
        );
    }

    // Every withdrawal in the bank: the region narrowed to one variant's kind.
    let withdrawals = Region::scope("bank").with_kind(AccountEvent::WITHDRAWN);
    for event in store.query_typed::<AccountEvent>(&withdrawals)? {
        let event = event?;
        if let AccountEvent::Withdrawn { cents, memo } = event.payload() {
            println!(
                "withdrawal by {}: {} for {memo}",
                event.coordinate.entity(),
                money(*cents as i64)
            );
        }
    }
    Ok(())
}
