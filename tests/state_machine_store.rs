//! `#[state_machine]` handles against a real store: typed moves append with
//! compare-and-swap, entities load back after a reopen, and a stored
//! history that breaks the machine is refused naming the event.

use std::sync::Barrier;

use batpak::prelude::*;
use batpak::typestate::{ReplayError, Transition, TransitionError};
use batpak::{AppendError, LoadError};
use batpak_tests::open;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 1)]
struct PaymentReceived {
    cents: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 2)]
struct OrderShipped {
    carrier: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 3)]
struct OrderCancelled {
    reason: String,
}

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

/// Edges caused by variants of one enum payload.
#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 2)]
enum TicketEvent {
    #[batpak(type_id = 1)]
    Assigned { to: String },
    #[batpak(type_id = 2)]
    Resolved,
}

#[batpak::state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ticket {
    #[initial]
    #[transition(to = Working, on = TicketEvent::Assigned)]
    Open,
    #[transition(to = Done, on = TicketEvent::Resolved)]
    Working,
    #[terminal]
    Done,
}

fn order(id: &str) -> Coordinate {
    Coordinate::new(id, "shop").unwrap()
}

/// A store in `dir` holding "order-1", placed and paid; returns its
/// coordinate.
fn paid_order(dir: &std::path::Path) -> (Store, Coordinate) {
    let store = open(dir);
    let id = order("order-1");
    Order::new_entity(id.clone())
        .transition::<order::Paid, _>(&store, payment())
        .unwrap();
    (store, id)
}

fn payment() -> PaymentReceived {
    PaymentReceived { cents: 4200 }
}

fn shipped() -> OrderShipped {
    OrderShipped {
        carrier: "post".into(),
    }
}

#[test]
fn a_typed_flow_appends_each_move_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = order("order-1");
    let placed = Order::new_entity(id.clone());
    let paid: Handle<order::Paid> = placed.transition(&store, payment()).unwrap();
    assert_eq!(paid.next_sequence(), 1);
    let done = paid
        .transition::<order::Shipped, _>(&store, shipped())
        .unwrap();
    assert_eq!((done.state(), done.next_sequence()), (Order::Shipped, 2));

    let kinds: Vec<EventKind> = store
        .stream(&id)
        .map(|e| e.unwrap().header().kind)
        .collect();
    assert_eq!(kinds, [PaymentReceived::KIND, OrderShipped::KIND]);
    let first = store.stream_typed::<PaymentReceived>(&id).unwrap().next();
    assert_eq!(first.unwrap().unwrap().payload(), &payment());
    assert_eq!(store.replay_machine::<Order>(&id).unwrap(), Order::Shipped);
    // An entity with no events is in the initial state.
    assert_eq!(
        store.replay_machine::<Order>(&order("none")).unwrap(),
        Order::Placed
    );
}

#[test]
fn a_new_entity_handle_requires_the_entity_to_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = paid_order(dir.path());
    // A second "new" handle for the same entity is refused: it is not empty.
    let again = Order::new_entity(id.clone())
        .transition::<order::Cancelled, _>(
            &store,
            OrderCancelled {
                reason: "dup".into(),
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            again,
            TransitionError::Conflict {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{again}"
    );
    assert_eq!(store.stream(&id).count(), 1);
}

#[test]
fn two_handles_racing_on_one_entity_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    const ORDERS: usize = 16;
    for n in 0..ORDERS {
        let id = order(&format!("race-{n}"));
        let start = Barrier::new(2);
        let (pay, cancel) = std::thread::scope(|s| {
            let pay = s.spawn(|| {
                let handle = Order::new_entity(id.clone());
                start.wait();
                handle
                    .transition::<order::Paid, _>(&store, payment())
                    .map(|h| h.state())
            });
            let cancel = s.spawn(|| {
                let handle = Order::new_entity(id.clone());
                start.wait();
                handle
                    .transition::<order::Cancelled, _>(
                        &store,
                        OrderCancelled {
                            reason: "changed my mind".into(),
                        },
                    )
                    .map(|h| h.state())
            });
            (pay.join().unwrap(), cancel.join().unwrap())
        });
        let winner = match (&pay, &cancel) {
            (Ok(state), Err(TransitionError::Conflict { .. }))
            | (Err(TransitionError::Conflict { .. }), Ok(state)) => *state,
            other => panic!("expected exactly one winner, got {other:?}"),
        };
        assert_eq!(store.stream(&id).count(), 1);
        assert_eq!(store.replay_machine::<Order>(&id).unwrap(), winner);
    }
}

#[test]
fn a_stale_loaded_handle_is_refused_after_another_move() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = paid_order(dir.path());
    let (order::Loaded::Paid(first), order::Loaded::Paid(second)) = (
        store.load_machine::<Order>(&id).unwrap(),
        store.load_machine::<Order>(&id).unwrap(),
    ) else {
        panic!("the order was paid");
    };
    first
        .transition::<order::Shipped, _>(&store, shipped())
        .unwrap();
    let stale = second
        .transition::<order::Shipped, _>(&store, shipped())
        .unwrap_err();
    assert!(
        matches!(
            stale,
            TransitionError::Conflict {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{stale}"
    );
}

#[test]
fn reopening_and_loading_gives_the_right_state_and_a_working_handle() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (order("a"), order("b"), order("c"));
    {
        let store = open(dir.path());
        Order::new_entity(a.clone())
            .transition::<order::Paid, _>(&store, payment())
            .unwrap();
        Order::new_entity(b.clone())
            .transition::<order::Paid, _>(&store, payment())
            .unwrap()
            .transition::<order::Shipped, _>(&store, shipped())
            .unwrap();
        // A recorded denial on `a` does not move the machine.
        store
            .append_denial(&a, &Denial::new("fraud_check", "held for review"))
            .unwrap();
        store.close().unwrap();
    }
    let store = open(dir.path());
    match store.load_machine::<Order>(&a).unwrap() {
        order::Loaded::Paid(handle) => {
            assert_eq!(handle.next_sequence(), 2, "the denial counts");
            let shipped = handle
                .transition::<order::Shipped, _>(&store, shipped())
                .unwrap();
            assert_eq!(shipped.next_sequence(), 3);
        }
        other => panic!("expected a paid order, got {other:?}"),
    }
    assert!(matches!(
        store.load_machine::<Order>(&b).unwrap(),
        order::Loaded::Shipped(_)
    ));
    assert!(matches!(
        store.load_machine::<Order>(&c).unwrap(),
        order::Loaded::Placed(h) if h.next_sequence() == 0
    ));
    assert_eq!(store.replay_machine::<Order>(&a).unwrap(), Order::Shipped);
}

#[test]
fn a_stored_history_that_breaks_the_machine_is_rejected_naming_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = paid_order(dir.path());
    // Code that bypasses the machine: shipping twice.
    store.append_typed(&id, &shipped()).unwrap();
    let bad = store.append_typed(&id, &shipped()).unwrap();

    let err = store.load_machine::<Order>(&id).unwrap_err();
    let LoadError::Replay(ReplayError::UndeclaredTransition {
        state,
        terminal,
        kind,
        event,
        entity_sequence,
        event_id,
        ..
    }) = &err
    else {
        panic!("expected a replay error, got {err}");
    };
    assert_eq!(
        (
            *state,
            *terminal,
            *kind,
            *event,
            *entity_sequence,
            *event_id
        ),
        (
            "Shipped",
            true,
            OrderShipped::KIND,
            Some("OrderShipped"),
            2,
            Some(bad.event_id)
        )
    );
    assert!(err.to_string().contains(&bad.event_id.to_string()), "{err}");
    assert!(matches!(
        store.replay_machine::<Order>(&id),
        Err(LoadError::Replay(_))
    ));
    // It converts into the crate error.
    let crate_error: batpak::Error = err.into();
    assert!(matches!(crate_error, batpak::Error::Load(_)));
}

#[test]
fn enum_variant_edges_check_the_variant_before_anything_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let id = Coordinate::new("ticket-1", "desk").unwrap();
    let open_ticket = Ticket::new_entity(id.clone());
    let wrong = Transition::<ticket::Open, ticket::Working, _>::new(TicketEvent::Resolved);
    assert!(matches!(wrong, Err(TransitionError::WrongEvent { .. })));
    assert_eq!(store.stream(&id).count(), 0);

    let assign = Transition::<ticket::Open, ticket::Working, _>::new(TicketEvent::Assigned {
        to: "sam".into(),
    })
    .unwrap();
    let working = store.apply_transition(open_ticket, assign).unwrap();
    working
        .transition::<ticket::Done, _>(&store, TicketEvent::Resolved)
        .unwrap();
    let history: Vec<TicketEvent> = store
        .stream_typed::<TicketEvent>(&id)
        .unwrap()
        .map(|e| e.unwrap().event.payload)
        .collect();
    assert_eq!(
        history,
        [
            TicketEvent::Assigned { to: "sam".into() },
            TicketEvent::Resolved
        ]
    );
    assert_eq!(store.replay_machine::<Ticket>(&id).unwrap(), Ticket::Done);
}

#[test]
fn a_store_refusal_other_than_a_conflict_is_an_append_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).max_payload_bytes(16)).unwrap();
    let id = order("order-1");
    let err = Order::new_entity(id.clone())
        .transition::<order::Cancelled, _>(
            &store,
            OrderCancelled {
                reason: "a reason far longer than sixteen bytes".into(),
            },
        )
        .unwrap_err();
    let TransitionError::Append(inner) = &err else {
        panic!("expected an append error, got {err}");
    };
    assert!(
        matches!(
            **inner,
            batpak::Error::Append(AppendError::PayloadTooLarge { .. })
        ),
        "{err}"
    );
    assert_eq!(store.stream(&id).count(), 0);
}

/// Events for a door whose only declared edge is `Shut → Open`.
#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 4, type_id = 1)]
struct DoorOpened;

#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 4, type_id = 2)]
struct DoorClosed;

#[batpak::state_machine]
#[derive(Debug, PartialEq)]
enum Door {
    #[initial]
    #[transition(to = Open, on = DoorOpened)]
    Shut,
    #[terminal]
    Open,
}

// An edge the declaration does not have, forged through the hidden traits
// (what the sealing exists to prevent; code can still reach `__private`).
impl batpak::__private::typestate::SealedEdge<Door, door::Open, door::Shut> for DoorClosed {}
impl batpak::typestate::Causes<Door, door::Open, door::Shut> for DoorClosed {
    const KINDS: &'static [EventKind] = &[<DoorClosed as SingleKind>::KIND];
}

#[test]
fn a_forged_edge_is_refused_before_anything_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let door = Coordinate::new("front-door", "house").unwrap();
    let open: Handle<door::Open> = Door::new_entity(door.clone())
        .transition(&store, DoorOpened)
        .unwrap();
    let err = open
        .transition::<door::Shut, _>(&store, DoorClosed)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransitionError::Undeclared {
                machine: "Door",
                from: "Open",
                to: "Shut",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("declare it there"), "{err}");
    assert_eq!(store.len(), 1, "the forged transition wrote nothing");
    assert_eq!(store.replay_machine::<Door>(&door).unwrap(), Door::Open);
}
