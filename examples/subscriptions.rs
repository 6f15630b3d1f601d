//! Delivery: a live feed of new events and a resumable cursor.
//!
//! The live feed (`Store::subscribe_lossy`) is pushed every commit and
//! never slows the writer; a subscriber that does not keep up misses events
//! and can see how many. The guaranteed cursor (`Store::cursor_guaranteed`)
//! never misses one, and resumes after a restart from the checkpoint its
//! consumer committed (at-least-once).
//!
//! Run from the workspace root: `cargo run --example subscriptions`

use std::time::Duration;

use batpak::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, EventPayload, Serialize, Deserialize)]
#[batpak(category = 2, type_id = 1)]
struct OrderPlaced {
    order: u32,
    cents: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let shop = Region::scope("shop");

    {
        let store = Store::open(StoreConfig::new(dir.path()))?;
        let feed = store.subscribe_lossy(&shop);
        let mut mailer = store.cursor_guaranteed_typed::<OrderPlaced>(&shop, "mailer")?;

        std::thread::scope(|s| -> Result<(), batpak::Error> {
            // A producer on another thread; the cursor waits for its commits.
            s.spawn(|| {
                for order in 1..=4u32 {
                    let customer = Coordinate::new(format!("customer-{order}"), "shop").ok();
                    if let Some(customer) = customer {
                        let placed = OrderPlaced {
                            order,
                            cents: u64::from(order) * 1_000,
                        };
                        let _ = store.append_typed(&customer, &placed);
                    }
                }
            });
            let mut handled = 0;
            while handled < 2 {
                if let Some(event) = mailer.wait(Duration::from_secs(10))? {
                    println!("mailer: confirmation for order {}", event.payload().order);
                    handled += 1;
                }
            }
            // Orders 1 and 2 are handled: record that durably.
            mailer.commit()?;
            println!(
                "mailer: committed at global sequence {}",
                mailer.raw().position()
            );
            Ok(())
        })?;

        let mut live = 0;
        while let Some(batch) = feed.try_recv() {
            live += batch.len();
        }
        println!(
            "live feed: received {live} events, missed {}",
            feed.missed()
        );
        drop(mailer);
        store.close()?;
    }

    // A restart: the cursor resumes after its checkpoint, so orders 3 and 4
    // are delivered now (and nothing the mailer already confirmed).
    let store = Store::open(StoreConfig::new(dir.path()))?;
    let mut mailer = store.cursor_guaranteed_typed::<OrderPlaced>(&shop, "mailer")?;
    for event in mailer.poll_batch(100)? {
        println!(
            "after restart, mailer: confirmation for order {}",
            event.payload().order
        );
    }
    mailer.commit()?;
    Ok(())
}
