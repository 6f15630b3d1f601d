//! The pipeline against a real store: receipts commit exactly the evaluated
//! bytes, a bypass and its audit land in one atomic write, denials are
//! recorded and queryable.

use std::sync::Barrier;

use batpak::event::Upcasters;
use batpak::guard::PayloadHash;
use batpak::pipeline::BypassAudit;
use batpak::prelude::*;
use batpak::{AppendError, BatchError, CommitError, ReadError};
use batpak_tests::open;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 2)]
struct Withdrawn {
    cents: u64,
    memo: String,
}

struct Account {
    balance_cents: u64,
}

/// Refuses a withdrawal larger than the balance.
#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let wanted = proposal.payload().cents;
    if wanted > account.balance_cents {
        return Err(
            Denial::new("insufficient_funds", "the balance does not cover it")
                .with_context("balance_cents", account.balance_cents)
                .with_context("requested_cents", wanted),
        );
    }
    Ok(())
}

/// Refuses withdrawals without a memo.
#[batpak::gate]
fn memo_required(_: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    if proposal.payload().memo.is_empty() {
        return Err(Denial::new("memo_missing", "say what the money is for"));
    }
    Ok(())
}

fn pipeline() -> Pipeline<Account, Withdrawn> {
    Pipeline::new(GateSet::new().with(SufficientFunds).with(MemoRequired))
}

fn account(entity: &str) -> Coordinate {
    Coordinate::new(entity, "bank").unwrap()
}

fn withdraw(entity: &str, cents: u64, memo: &str) -> Proposal<Withdrawn> {
    Proposal::new(
        account(entity),
        Withdrawn {
            cents,
            memo: memo.into(),
        },
    )
}

#[test]
fn commit_to_appends_exactly_the_evaluated_bytes() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let receipt = pipeline
        .evaluate(
            &Account { balance_cents: 900 },
            withdraw("a-1", 300, "rent"),
        )
        .unwrap();
    let evaluated = receipt.payload_hash();
    let appended = pipeline.commit_to(&store, receipt).unwrap();

    let stored = store.get(appended.event_id).unwrap().unwrap();
    assert_eq!(PayloadHash::of(stored.payload()), evaluated);
    assert_eq!(stored.header().kind, Withdrawn::KIND);
    assert_eq!(stored.header().payload_version, Withdrawn::VERSION);
    assert_eq!(stored.coordinate, account("a-1"));
    let typed = store
        .get_typed::<Withdrawn>(appended.event_id)
        .unwrap()
        .unwrap();
    assert_eq!(typed.payload().memo, "rent");
}

#[test]
fn commit_to_with_options_fails_if_the_entity_moved_after_the_gates_ran() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let ctx = Account { balance_cents: 900 };
    // Both receipts were evaluated against the empty account.
    let first = pipeline.evaluate(&ctx, withdraw("a-1", 600, "tv")).unwrap();
    let second = pipeline
        .evaluate(&ctx, withdraw("a-1", 600, "sofa"))
        .unwrap();
    let at_empty = AppendOptions::new().expected_sequence(0);
    pipeline
        .commit_to_with_options(&store, first, at_empty)
        .unwrap();
    let late = pipeline
        .commit_to_with_options(&store, second, at_empty)
        .unwrap_err();
    assert!(
        matches!(
            late,
            CommitError::Append(AppendError::SequenceMismatch {
                expected: 0,
                actual: 1,
                ..
            })
        ),
        "{late}"
    );
    assert_eq!(store.len(), 1);
}

#[test]
fn a_bypass_and_its_audit_are_adjacent_in_the_store_and_describe_each_other() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .append_typed(
            &account("a-1"),
            &Withdrawn {
                cents: 1,
                memo: "before".into(),
            },
        )
        .unwrap();
    let bypass = pipeline
        .bypass(
            withdraw("a-1", 5_000, ""),
            "overdraft approved (ticket 881)",
        )
        .unwrap();
    let written = pipeline.commit_bypass_to(&store, bypass).unwrap();

    assert_eq!(written.event.global_sequence, 1);
    assert_eq!(written.audit.global_sequence, 2);
    assert_eq!(
        (written.event.entity_sequence, written.audit.entity_sequence),
        (1, 2)
    );
    let event = store.get(written.event.event_id).unwrap().unwrap();
    let audit = store
        .get_typed::<BypassAudit>(written.audit.event_id)
        .unwrap()
        .unwrap();
    assert_eq!(audit.header().kind, EventKind::SYSTEM_BYPASS_AUDIT);
    assert_eq!(audit.coordinate, event.coordinate);
    assert_eq!(
        audit.header().causation_id,
        Some(CausationId::from(event.header().event_id))
    );
    let record = audit.payload();
    assert_eq!(record.reason, "overdraft approved (ticket 881)");
    assert_eq!(record.gates_skipped, ["sufficient_funds", "memo_required"]);
    assert_eq!(record.kind, Withdrawn::KIND);
    assert_eq!(record.payload_version, Withdrawn::VERSION);
    assert_eq!(record.payload_hash, PayloadHash::of(event.payload()));
    // The audit is in the entity's hash chain.
    assert!(store.verify_chain().unwrap().is_intact());
    // Typed reads of the entity see the withdrawals only.
    assert_eq!(
        store
            .stream_typed::<Withdrawn>(&account("a-1"))
            .unwrap()
            .count(),
        2
    );
}

#[test]
fn bypasses_stay_adjacent_to_their_audits_while_other_threads_append() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).durability(Durability::Buffered)).unwrap();
    const THREADS: usize = 4;
    const EACH: u64 = 40;
    let start = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (store, start, pipeline) = (&store, &start, &pipeline);
            s.spawn(move || {
                let entity = format!("t{t}");
                start.wait();
                for i in 0..EACH {
                    if t % 2 == 0 {
                        let bypass = pipeline
                            .bypass(withdraw(&entity, i, ""), "load test")
                            .unwrap();
                        pipeline.commit_bypass_to(store, bypass).unwrap();
                    } else {
                        let plain = Withdrawn {
                            cents: i,
                            memo: "plain".into(),
                        };
                        store.append_typed(&account(&entity), &plain).unwrap();
                    }
                }
            });
        }
    });

    let events: Vec<StoredEvent<Vec<u8>>> = store
        .query(&Region::all())
        .collect::<Result<_, _>>()
        .unwrap();
    let audits: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.header().kind == EventKind::SYSTEM_BYPASS_AUDIT)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(audits.len() as u64, EACH * (THREADS as u64 / 2));
    for i in audits {
        let (bypassed, audit) = (&events[i - 1], &events[i]);
        assert_eq!(bypassed.header().kind, Withdrawn::KIND);
        assert_eq!(bypassed.coordinate, audit.coordinate);
        assert_eq!(
            audit.header().causation_id,
            Some(CausationId::from(bypassed.header().event_id))
        );
    }
}

#[test]
fn a_bypass_that_cannot_be_written_writes_no_audit_either() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).max_payload_bytes(64)).unwrap();
    let bypass = pipeline
        .bypass(withdraw("a-1", 10, &"x".repeat(200)), "bulk import")
        .unwrap();
    let err = pipeline.commit_bypass_to(&store, bypass).unwrap_err();
    assert!(
        matches!(
            err,
            CommitError::Batch(BatchError::Item {
                index: 0,
                error: AppendError::PayloadTooLarge { .. }
            })
        ),
        "{err}"
    );
    assert_eq!(store.len(), 0);
}

#[test]
fn denials_are_persisted_queryable_by_kind_and_decodable_after_reopen() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let ctx = Account { balance_cents: 100 };
    let mut recorded = Vec::new();
    {
        let store = open(dir.path());
        // One denial from `evaluate`, two from `evaluate_all`.
        let Err(PipelineError::Denied(denial)) =
            pipeline.evaluate(&ctx, withdraw("a-1", 500, "tv"))
        else {
            panic!("expected a denial");
        };
        store.append_denial(&account("a-1"), &denial).unwrap();
        recorded.push(denial);
        let Err(PipelineError::DeniedAll(denials)) =
            pipeline.evaluate_all(&ctx, withdraw("a-2", 500, ""))
        else {
            panic!("expected denials");
        };
        for denial in denials.iter() {
            store.append_denial(&account("a-2"), denial).unwrap();
            recorded.push(denial.clone());
        }
        // Something else in between, which the denial query must not see.
        let ok = pipeline
            .evaluate(&ctx, withdraw("a-1", 50, "coffee"))
            .unwrap();
        pipeline.commit_to(&store, ok).unwrap();
        store.close().unwrap();
    }

    let store = open(dir.path());
    let raw: Vec<StoredEvent<Vec<u8>>> = store
        .query(&Region::all().with_kind(EventKind::SYSTEM_DENIAL))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(raw.len(), 3);
    let decoded: Vec<Denial> = raw
        .iter()
        .map(|e| Denial::decode_payload(e.header().kind, e.payload()).unwrap())
        .collect();
    assert_eq!(decoded, recorded);
    let gates: Vec<&str> = decoded.iter().map(Denial::gate).collect();
    assert_eq!(
        gates,
        ["sufficient_funds", "sufficient_funds", "memo_required"]
    );
    assert_eq!(decoded[0].context_value("requested_cents"), Some("500"));
    let entities: Vec<&str> = raw.iter().map(|e| e.coordinate.entity()).collect();
    assert_eq!(entities, ["a-1", "a-2", "a-2"]);
    // The same through the typed path, and one raw event at a time.
    let typed: Vec<Denial> = store
        .query_typed::<Denial>(&Region::entity("a-2"))
        .unwrap()
        .map(|e| e.unwrap().event.payload)
        .collect();
    assert_eq!(typed, recorded[1..]);
    let one = raw[0].decode::<Denial>(&Upcasters::new()).unwrap();
    assert_eq!(one.payload(), &recorded[0]);
}

/// Claims `Withdrawn`'s kind by mistake.
#[derive(Debug, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 2)]
struct Refunded {
    cents: u64,
}

#[test]
fn committing_a_type_whose_kind_another_type_owns_is_refused() {
    let pipeline = pipeline();
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let ok = pipeline
        .evaluate(&Account { balance_cents: 9 }, withdraw("a-1", 1, "gum"))
        .unwrap();
    pipeline.commit_to(&store, ok).unwrap();
    let refunds: Pipeline<(), Refunded> = Pipeline::new(GateSet::new());
    let receipt = refunds
        .evaluate(&(), Proposal::new(account("a-1"), Refunded { cents: 1 }))
        .unwrap();
    let err = refunds.commit_to(&store, receipt).unwrap_err();
    assert!(
        matches!(err, CommitError::Append(AppendError::KindCollision(_))),
        "{err}"
    );
    let bypass = refunds
        .bypass(Proposal::new(account("a-1"), Refunded { cents: 1 }), "why")
        .unwrap();
    assert!(matches!(
        refunds.commit_bypass_to(&store, bypass),
        Err(CommitError::Batch(BatchError::Item {
            index: 0,
            error: AppendError::KindCollision(_)
        }))
    ));
    assert_eq!(store.len(), 1);
    // Reading it as the other type is refused the same way.
    assert!(matches!(
        store.query_typed::<Refunded>(&Region::all()),
        Err(ReadError::KindCollision(_))
    ));
}
