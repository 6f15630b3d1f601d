//! `#[state_machine]` and typed handles, with an in-memory sink standing in
//! for the store.

use batpak::typestate::{Handle, ReplayError, StateMachine, TransitionError};
use batpak::{Coordinate, EventKind, SingleKind};
use batpak_tests::typestate_support::MemorySink;
use batpak_tests::{enum_event, struct_event};
use proptest::prelude::*;

struct_event!(PaymentReceived { cents: u64 }, kind = (1, 1));
struct_event!(OrderCancelled, kind = (1, 2));
struct_event!(OrderShipped, kind = (1, 3));
struct_event!(NoteAdded, kind = (1, 9));

#[batpak::state_machine]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    #[initial]
    #[transition(to = Paid, on = PaymentReceived)]
    #[transition(to = Cancelled, on = OrderCancelled)]
    Placed,
    #[transition(to = Shipped, on = OrderShipped)]
    #[transition(to = Cancelled, on = OrderCancelled)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

enum_event!(TicketEvent, category = 2 {
    Assigned = 1,
    Escalated = 2,
    Resolved = 3,
});

/// Edges caused by variants of one enum payload; two variants lead from
/// `Open` to `InProgress`.
#[batpak::state_machine(module = ticket_states)]
#[derive(Debug, PartialEq)]
enum Ticket {
    #[initial]
    #[transition(to = InProgress, on = TicketEvent::Assigned)]
    #[transition(to = InProgress, on = TicketEvent::Escalated)]
    Open,
    #[transition(to = Done, on = TicketEvent::Resolved)]
    InProgress,
    #[terminal]
    Done,
}

fn order(id: &str) -> Coordinate {
    Coordinate::new(id, "shop").unwrap()
}

fn kinds(sink: &MemorySink, coordinate: &Coordinate) -> Vec<EventKind> {
    sink.stream(coordinate)
        .iter()
        .map(|e| e.header().kind)
        .collect()
}

#[test]
fn typed_transitions_append_each_event_and_track_the_sequence() {
    let sink = MemorySink::default();
    let coordinate = order("order-1");

    let placed = Order::new_entity(coordinate.clone());
    assert_eq!(placed.state(), Order::Placed);
    let paid: Handle<order::Paid> = placed
        .transition(&sink, PaymentReceived { cents: 1250 })
        .unwrap();
    assert_eq!((paid.state(), paid.next_sequence()), (Order::Paid, 1));
    let shipped = paid
        .transition::<order::Shipped, _>(&sink, OrderShipped)
        .unwrap();
    assert_eq!(
        (shipped.state(), shipped.next_sequence()),
        (Order::Shipped, 2)
    );
    assert_eq!(shipped.coordinate(), &coordinate);

    assert_eq!(
        kinds(&sink, &coordinate),
        [PaymentReceived::KIND, OrderShipped::KIND]
    );
    assert_eq!(
        Order::replay(sink.stream(&coordinate)).unwrap(),
        Order::Shipped
    );
}

#[test]
fn enum_variant_edges_check_the_variant_at_run_time() {
    let sink = MemorySink::default();
    let coordinate = Coordinate::new("ticket-1", "desk").unwrap();

    // Either declared variant moves Open to InProgress.
    let open = Ticket::new_entity(coordinate.clone());
    let in_progress: Handle<ticket_states::InProgress> =
        open.transition(&sink, TicketEvent::Escalated).unwrap();

    // The edge InProgress -> Done is declared on `Resolved` only.
    let err = in_progress
        .transition::<ticket_states::Done, _>(&sink, TicketEvent::Assigned)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransitionError::WrongEvent { from: "InProgress", to: "Done", kind, declared, .. }
                if kind == TicketEvent::ASSIGNED && declared == [TicketEvent::RESOLVED]
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("moves from `InProgress` to `Done`"),
        "{err}"
    );
    // Nothing was appended by the refused move.
    assert_eq!(kinds(&sink, &coordinate), [TicketEvent::ESCALATED]);

    let Ticket::InProgress = Ticket::replay(sink.stream(&coordinate)).unwrap() else {
        panic!("ticket should be in progress");
    };
}

#[test]
fn load_gives_a_handle_to_match_on_and_continue_typed() {
    let sink = MemorySink::default();
    let coordinate = order("order-2");
    Order::new_entity(coordinate.clone())
        .transition::<order::Paid, _>(&sink, PaymentReceived { cents: 5 })
        .unwrap();

    let loaded = Order::load(coordinate.clone(), sink.stream(&coordinate)).unwrap();
    let order::Loaded::Paid(paid) = loaded else {
        panic!("expected a paid order, got {loaded:?}");
    };
    assert_eq!(paid.next_sequence(), 1);
    let cancelled = paid
        .transition::<order::Cancelled, _>(&sink, OrderCancelled)
        .unwrap();
    assert_eq!(cancelled.next_sequence(), 2);

    let loaded = Order::load(coordinate.clone(), sink.stream(&coordinate)).unwrap();
    assert!(matches!(loaded, order::Loaded::Cancelled(h) if h.next_sequence() == 2));
    let empty = Order::load(order("order-new"), sink.stream(&order("order-new"))).unwrap();
    assert!(matches!(empty, order::Loaded::Placed(h) if h.next_sequence() == 0));
}

#[test]
fn two_handles_cannot_both_move_one_entity() {
    let sink = MemorySink::default();
    let coordinate = order("order-3");
    let load_placed = || match Order::load(coordinate.clone(), sink.stream(&coordinate)) {
        Ok(order::Loaded::Placed(handle)) => handle,
        other => panic!("expected a placed order, got {other:?}"),
    };
    let first = load_placed();
    let second = load_placed();

    first
        .transition::<order::Paid, _>(&sink, PaymentReceived { cents: 1 })
        .unwrap();
    let err = second
        .transition::<order::Cancelled, _>(&sink, OrderCancelled)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransitionError::Conflict {
                expected: 0,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("load the entity again"), "{err}");
    assert_eq!(kinds(&sink, &coordinate), [PaymentReceived::KIND]);

    // A "new" handle on an entity that already has events conflicts too.
    let err = Order::new_entity(coordinate.clone())
        .transition::<order::Cancelled, _>(&sink, OrderCancelled)
        .unwrap_err();
    let err = batpak::Error::from(err);
    assert!(matches!(
        err,
        batpak::Error::Transition(TransitionError::Conflict { .. })
    ));
}

#[test]
fn replay_rejects_a_history_that_breaks_the_machine_naming_the_event() {
    let sink = MemorySink::default();
    let coordinate = order("order-4");
    sink.append_unchecked(&coordinate, &PaymentReceived { cents: 9 });
    let bad = sink.append_unchecked(&coordinate, &PaymentReceived { cents: 9 });
    let history = sink.stream(&coordinate);
    let bad_id = history[1].header().event_id;
    assert_eq!(bad, 1);

    let err = Order::replay(&history).unwrap_err();
    assert_eq!(
        err,
        ReplayError::UndeclaredTransition {
            machine: "Order",
            state: "Paid",
            terminal: false,
            kind: PaymentReceived::KIND,
            event: Some("PaymentReceived"),
            entity_sequence: 1,
            event_id: Some(bad_id),
        }
    );
    let message = err.to_string();
    for part in [
        "`Order`",
        "entity sequence 1",
        &bad_id.to_string(),
        "`PaymentReceived`",
        "`Paid` has no transition",
    ] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    assert!(matches!(
        Order::load(coordinate, &history),
        Err(ReplayError::UndeclaredTransition { .. })
    ));
}

#[test]
fn replay_names_a_terminal_state_and_an_unknown_kind() {
    let err = Order::replay_kinds([OrderCancelled::KIND, NoteAdded::KIND]).unwrap_err();
    assert!(
        matches!(
            err,
            ReplayError::UndeclaredTransition {
                state: "Cancelled",
                terminal: true,
                event: None,
                entity_sequence: 1,
                event_id: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("`Cancelled` is terminal"), "{err}");
}

#[test]
fn replay_skips_system_events_but_counts_them() {
    let paid = [PaymentReceived::KIND, EventKind::SYSTEM_DENIAL];
    assert_eq!(Order::replay_kinds(paid), Ok(Order::Paid));

    let sink = MemorySink::default();
    let coordinate = order("order-6");
    sink.append_unchecked(&coordinate, &PaymentReceived { cents: 3 });
    let mut history = sink.stream(&coordinate);
    let mut denial = history[0].clone();
    denial.event.header.entity_sequence = 1;
    denial.event.header.kind = EventKind::SYSTEM_DENIAL;
    history.push(denial);
    let loaded = Order::load(coordinate, &history).unwrap();
    assert!(matches!(loaded, order::Loaded::Paid(h) if h.next_sequence() == 2));
}

#[test]
fn replay_needs_the_whole_history() {
    let sink = MemorySink::default();
    let coordinate = order("order-5");
    sink.append_unchecked(&coordinate, &PaymentReceived { cents: 1 });
    sink.append_unchecked(&coordinate, &OrderShipped);
    let history = sink.stream(&coordinate);

    let err = Order::replay(&history[1..]).unwrap_err();
    assert!(
        matches!(err, ReplayError::SequenceGap { expected: 0, found: 1, event_id, .. } if event_id == history[1].header().event_id),
        "{err:?}"
    );
    assert!(matches!(batpak::Error::from(err), batpak::Error::Replay(_)));
}

#[test]
fn mermaid_is_drawn_from_the_declaration() {
    assert_eq!(
        Order::mermaid(),
        "stateDiagram-v2
    [*] --> Placed
    Placed --> Paid: PaymentReceived
    Placed --> Cancelled: OrderCancelled
    Paid --> Shipped: OrderShipped
    Paid --> Cancelled: OrderCancelled
    Shipped --> [*]
    Cancelled --> [*]
"
    );
    assert!(Ticket::mermaid().contains("    Open --> InProgress: Escalated\n"));
}

#[test]
fn the_tables_describe_the_declaration() {
    assert_eq!(Order::NAME, "Order");
    assert_eq!(Order::INITIAL, Order::Placed);
    let names: Vec<_> = Order::STATES.iter().map(|s| s.name).collect();
    assert_eq!(names, ["Placed", "Paid", "Shipped", "Cancelled"]);
    assert!(Order::Shipped.is_terminal() && !Order::Paid.is_terminal());
    assert_eq!(Order::Paid.next(OrderShipped::KIND), Some(Order::Shipped));
    assert_eq!(Order::Shipped.next(OrderShipped::KIND), None);
    assert_eq!(
        Order::from_index(Order::Cancelled.index()),
        Some(Order::Cancelled)
    );
    assert_eq!(Ticket::EDGES.len(), 3);
}

/// Every declared edge, as (from, kind, to).
fn order_edges() -> Vec<(Order, EventKind, Order)> {
    Order::EDGES
        .iter()
        .map(|e| {
            (
                Order::from_index(e.from).unwrap(),
                e.kind,
                Order::from_index(e.to).unwrap(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A walk along declared edges replays to where it ended; appending a
    /// kind the end state has no edge on fails at exactly that position.
    #[test]
    fn replay_follows_any_walk_and_stops_at_the_first_bad_event(
        choices in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        stray in prop::sample::select(vec![PaymentReceived::KIND, OrderCancelled::KIND, OrderShipped::KIND, NoteAdded::KIND]),
    ) {
        let edges = order_edges();
        let mut state = Order::Placed;
        let mut walk = Vec::new();
        for choice in choices {
            let out: Vec<_> = edges.iter().filter(|e| e.0 == state).collect();
            if out.is_empty() {
                break;
            }
            let edge = choice.get(&out);
            walk.push(edge.1);
            state = edge.2;
        }
        prop_assert_eq!(Order::replay_kinds(walk.iter().copied()), Ok(state));

        if state.next(stray).is_none() {
            walk.push(stray);
            let err = Order::replay_kinds(walk.iter().copied()).unwrap_err();
            let is_expected = matches!(
                err,
                ReplayError::UndeclaredTransition { entity_sequence, kind, .. }
                    if entity_sequence == walk.len() as u64 - 1 && kind == stray
            );
            prop_assert!(is_expected, "{:?}", err);
        }
    }
}
