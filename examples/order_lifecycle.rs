//! An order's lifecycle, declared once with `#[state_machine]`: the order is
//! placed, paid and shipped through typed handles against a real store; a
//! stale handle is refused; the history is replayed and loaded back after a
//! reopen; and the machine is printed as a Mermaid diagram.
//!
//! Run from the workspace root: `cargo run --example order_lifecycle`

use batpak::prelude::*;
use batpak::typestate::TransitionError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 2, type_id = 1)]
struct PaymentReceived {
    cents: u64,
}

#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 2, type_id = 2)]
struct OrderShipped {
    carrier: String,
}

#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 2, type_id = 3)]
struct OrderCancelled {
    reason: String,
}

/// The lifecycle: which events move an order from which state to which.
/// Moving a handle along an edge that is not declared here does not compile.
#[batpak::state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    #[initial]
    #[transition(to = Paid, on = PaymentReceived)]
    #[transition(to = Cancelled, on = OrderCancelled)]
    Placed,
    #[transition(to = Shipped, on = OrderShipped)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let id = Coordinate::new("order-1001", "shop")?;
    {
        let store = Store::open(StoreConfig::new(dir.path()))?;

        // Placed -> Paid: a handle to a new entity, typed by its state.
        let placed = Order::new_entity(id.clone());
        println!("{id} is {:?}", placed.state());
        let paid: Handle<order::Paid> =
            placed.transition(&store, PaymentReceived { cents: 42_00 })?;
        println!("{id} is {:?} after the payment", paid.state());
        // paid.transition::<order::Placed, _>(..) would not compile:
        // `Order` declares no transition from `Paid` to `Placed`.

        // Someone else loads the paid order too...
        let order::Loaded::Paid(other_clerk) = store.load_machine::<Order>(&id)? else {
            return Err("the order should be paid".into());
        };

        // Paid -> Shipped.
        let shipped = paid.transition::<order::Shipped, _>(
            &store,
            OrderShipped {
                carrier: "post".into(),
            },
        )?;
        println!(
            "{id} is {:?}, {} events stored",
            shipped.state(),
            shipped.next_sequence()
        );

        // ...and tries to ship it again: the store refuses the stale handle.
        let again = other_clerk.transition::<order::Shipped, _>(
            &store,
            OrderShipped {
                carrier: "courier".into(),
            },
        );
        if let Err(TransitionError::Conflict { .. }) = &again {
            println!("a second shipment from a stale handle is refused");
        }
        store.close()?;
    }

    // Later, after a restart: replay the history and load the order back.
    let store = Store::open(StoreConfig::new(dir.path()))?;
    println!("history of {id}:");
    for event in store.stream(&id) {
        let header = *event?.header();
        // The declaration names each edge's event, so it can label the kinds.
        let name = Order::EDGES
            .iter()
            .find(|edge| edge.kind == header.kind)
            .map_or("?", |edge| edge.event);
        println!(
            "  #{} {name} (kind {})",
            header.entity_sequence, header.kind
        );
    }
    println!("replayed state: {:?}", store.replay_machine::<Order>(&id)?);
    match store.load_machine::<Order>(&id)? {
        order::Loaded::Shipped(_) | order::Loaded::Cancelled(_) => {
            println!("loaded: the order is finished, no handle can move it");
        }
        other => println!("loaded: {other:?}"),
    }

    println!("\n{}", Order::mermaid());
    Ok(())
}
