//! Gates, receipts, bypasses and denials, used as an application would.

use std::sync::atomic::{AtomicUsize, Ordering};

use batpak::guard::{Denial, Gate, GateSet, PayloadHash, Proposal};
use batpak::pipeline::{BypassAudit, Pipeline, PipelineError};
use batpak::{Coordinate, EventKind, EventPayload, PayloadError, SingleKind};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// Implements `EventPayload` + `SingleKind` for a struct, as the derive will.
macro_rules! payload {
    ($ty:ident, $kind:expr) => {
        impl EventPayload for $ty {
            const KINDS: &'static [EventKind] = &[$kind];
            const VERSION: u16 = 1;
            const TYPE_NAME: &'static str = stringify!($ty);
            fn kind(&self) -> EventKind {
                $kind
            }
            fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
                batpak::event::encode_msgpack(Self::TYPE_NAME, self)
            }
            fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
                batpak::event::check_kind::<Self>(kind)?;
                batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
            }
        }
        impl SingleKind for $ty {
            const KIND: EventKind = $kind;
        }
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Withdrawn {
    cents: u64,
    memo: String,
}
payload!(Withdrawn, EventKind::custom(1, 2));

/// A payload that (wrongly) claims a system kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sneaky;
payload!(Sneaky, EventKind::from_raw(0x0005));

/// The context gates read, with a counter to see which gates ran.
struct Account {
    balance_cents: u64,
    daily_limit_cents: u64,
    evaluations: AtomicUsize,
}

impl Account {
    fn new(balance_cents: u64) -> Account {
        Account {
            balance_cents,
            daily_limit_cents: 1_000,
            evaluations: AtomicUsize::new(0),
        }
    }
}

/// Refuses a withdrawal larger than the balance.
#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    account.evaluations.fetch_add(1, Ordering::SeqCst);
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

/// Refuses a withdrawal above the daily limit.
#[batpak::gate(name = "daily-limit", type_name = DailyLimitGate)]
fn daily_limit(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    account.evaluations.fetch_add(1, Ordering::SeqCst);
    if proposal.payload().cents > account.daily_limit_cents {
        return Err(Denial::new("over_daily_limit", "wait until tomorrow")
            .with_context("limit_cents", account.daily_limit_cents));
    }
    Ok(())
}

/// Refuses withdrawals without a memo.
#[batpak::gate]
fn memo_required(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    account.evaluations.fetch_add(1, Ordering::SeqCst);
    if proposal.payload().memo.is_empty() {
        return Err(Denial::new("memo_missing", "say what the money is for"));
    }
    Ok(())
}

/// A buggy gate: it panics on small withdrawals.
#[batpak::gate]
fn buggy(_account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    if proposal.payload().cents < 100 {
        panic!(
            "ledger lookup failed for {} cents",
            proposal.payload().cents
        );
    }
    Ok(())
}

fn coord() -> Coordinate {
    Coordinate::new("acct-7", "bank").unwrap()
}

fn withdraw(cents: u64, memo: &str) -> Proposal<Withdrawn> {
    Proposal::new(
        coord(),
        Withdrawn {
            cents,
            memo: memo.into(),
        },
    )
}

fn bank_pipeline() -> Pipeline<Account, Withdrawn> {
    Pipeline::new(
        GateSet::new()
            .with(SufficientFunds)
            .with(DailyLimitGate)
            .with(MemoRequired),
    )
}

#[test]
fn generated_gates_carry_name_and_description() {
    assert_eq!(SufficientFunds.name(), "sufficient_funds");
    assert_eq!(
        SufficientFunds.description(),
        "Refuses a withdrawal larger than the balance."
    );
    assert_eq!(DailyLimitGate.name(), "daily-limit");
    let gates = bank_pipeline();
    let names: Vec<&str> = gates.gates().names().collect();
    assert_eq!(names, ["sufficient_funds", "daily-limit", "memo_required"]);
}

#[test]
fn a_passing_proposal_gets_a_receipt_naming_every_gate() {
    let account = Account::new(5_000);
    let receipt = bank_pipeline()
        .evaluate(&account, withdraw(300, "rent"))
        .unwrap();
    assert_eq!(
        receipt.gates_passed(),
        ["sufficient_funds", "daily-limit", "memo_required"]
    );
    assert_eq!(receipt.coordinate(), &coord());
    assert_eq!(receipt.kind(), Withdrawn::KIND);
    assert_eq!(receipt.payload_version(), Withdrawn::VERSION);
}

#[test]
fn evaluate_stops_at_the_first_denial_and_names_its_gate() {
    let account = Account::new(100);
    let err = bank_pipeline()
        .evaluate(&account, withdraw(2_000, ""))
        .unwrap_err();
    let PipelineError::Denied(denial) = err else {
        panic!("expected a denial, got {err:?}");
    };
    assert_eq!(denial.gate(), "sufficient_funds");
    assert_eq!(denial.code(), "insufficient_funds");
    assert_eq!(denial.context_value("balance_cents"), Some("100"));
    assert_eq!(denial.context_value("requested_cents"), Some("2000"));
    assert_eq!(account.evaluations.load(Ordering::SeqCst), 1);
    assert_eq!(
        denial.to_string(),
        "gate `sufficient_funds` denied [insufficient_funds]: the balance does not cover it \
         (balance_cents=100, requested_cents=2000)"
    );
}

#[test]
fn evaluate_all_runs_every_gate_and_returns_every_denial_in_order() {
    let account = Account::new(100);
    let err = bank_pipeline()
        .evaluate_all(&account, withdraw(2_000, ""))
        .unwrap_err();
    let PipelineError::DeniedAll(denials) = err else {
        panic!("expected denials, got {err:?}");
    };
    let found: Vec<(&str, &str)> = denials.iter().map(|d| (d.gate(), d.code())).collect();
    assert_eq!(
        found,
        [
            ("sufficient_funds", "insufficient_funds"),
            ("daily-limit", "over_daily_limit"),
            ("memo_required", "memo_missing"),
        ]
    );
    assert_eq!(account.evaluations.load(Ordering::SeqCst), 3);

    // Only the failing gates are reported.
    let account = Account::new(5_000);
    let denials = GateSet::new()
        .with(SufficientFunds)
        .with(DailyLimitGate)
        .with(MemoRequired)
        .evaluate_all(&account, &withdraw(2_000, "ok"))
        .unwrap_err();
    assert_eq!(denials.len(), 1);
    assert_eq!(denials.first().map(Denial::gate), Some("daily-limit"));
}

#[test]
fn a_panicking_gate_becomes_a_denial_and_the_caller_carries_on() {
    let account = Account::new(5_000);
    let gates = GateSet::new()
        .with(Buggy)
        .with(MemoRequired)
        .with(SufficientFunds);

    let denial = gates.evaluate(&account, &withdraw(10, "")).unwrap_err();
    assert_eq!(denial.gate(), "buggy");
    assert_eq!(denial.code(), Denial::PANICKED);
    assert!(
        denial.message().contains("gate `buggy` panicked"),
        "{denial}"
    );
    assert_eq!(account.evaluations.load(Ordering::SeqCst), 0);

    // evaluate_all continues past the panic.
    let denials = gates.evaluate_all(&account, &withdraw(10, "")).unwrap_err();
    let codes: Vec<&str> = denials.iter().map(Denial::code).collect();
    assert_eq!(codes, [Denial::PANICKED, "memo_missing"]);
    assert_eq!(account.evaluations.load(Ordering::SeqCst), 2);
}

#[test]
fn commit_writes_exactly_the_evaluated_bytes_and_a_changed_payload_does_not_match() {
    let account = Account::new(5_000);
    let pipeline = bank_pipeline();
    let evaluated = Withdrawn {
        cents: 300,
        memo: "rent".into(),
    };
    let receipt = pipeline
        .evaluate(&account, Proposal::new(coord(), evaluated.clone()))
        .unwrap();

    // The caller still holds a copy and changes it after the gates ran.
    let mut changed = evaluated.clone();
    changed.cents = 300_000;
    assert!(receipt.matches_payload(&evaluated).unwrap());
    assert!(!receipt.matches_payload(&changed).unwrap());
    let hash = receipt.payload_hash();
    assert_eq!(hash, PayloadHash::of(&evaluated.encode_payload().unwrap()));

    // Committing hands over the evaluated bytes, not anything changed since.
    let written = pipeline.commit(receipt, |event| event).unwrap();
    assert_eq!(written.coordinate, coord());
    assert_eq!(written.kind, Withdrawn::KIND);
    assert_eq!(written.payload_version, Withdrawn::VERSION);
    assert_eq!(PayloadHash::of(&written.bytes), hash);
    assert_eq!(
        Withdrawn::decode_payload(written.kind, &written.bytes).unwrap(),
        evaluated
    );
}

#[test]
fn a_receipt_commits_only_through_the_pipeline_that_issued_it() {
    // Two pipelines for the same payload type: a lax one and the bank's.
    let lax: Pipeline<Account, Withdrawn> = Pipeline::new(GateSet::new());
    let strict = bank_pipeline();
    let account = Account::new(0);
    let receipt = lax.evaluate(&account, withdraw(5_000, "")).unwrap();
    let mut written = false;
    let err = strict.commit(receipt, |_| written = true).unwrap_err();
    assert!(!written, "a foreign receipt must not reach the writer");
    let PipelineError::ForeignReceipt {
        receipt_gates,
        pipeline_gates,
    } = &err
    else {
        panic!("expected a foreign receipt error, got {err}");
    };
    assert!(receipt_gates.is_empty());
    assert_eq!(
        pipeline_gates,
        &["sufficient_funds", "daily-limit", "memo_required"]
    );
    assert!(err
        .to_string()
        .contains("commit a receipt through the pipeline that evaluated it"));

    // The same for a bypass receipt: its audit names another gate set.
    let bypass = lax.bypass(withdraw(5_000, ""), "ops ticket 9").unwrap();
    assert!(matches!(
        strict.commit_bypass(bypass, |writes| writes.len()),
        Err(PipelineError::ForeignReceipt { .. })
    ));
}

#[test]
fn a_bypass_needs_a_reason() {
    let pipeline = bank_pipeline();
    for reason in ["", "   \n"] {
        let err = pipeline.bypass(withdraw(10, ""), reason).unwrap_err();
        assert_eq!(err, PipelineError::EmptyBypassReason);
        assert!(err.to_string().contains("a bypass needs a reason"));
    }
}

#[test]
fn a_bypass_writes_the_event_and_an_audit_naming_reason_and_gates_skipped() {
    let pipeline = bank_pipeline();
    let payload = Withdrawn {
        cents: 1_000_000,
        memo: "".into(),
    };
    let receipt = pipeline
        .bypass(
            Proposal::new(coord(), payload.clone()),
            "ticket 4411: refund approved by ops",
        )
        .unwrap();
    assert_eq!(
        receipt.audit().reason,
        "ticket 4411: refund approved by ops"
    );

    let writes = pipeline.commit_bypass(receipt, |writes| writes).unwrap();
    assert_eq!(writes.len(), 2, "the event and its audit, in one write");
    let (event, audit) = (&writes[0], &writes[1]);
    assert_eq!(event.kind, Withdrawn::KIND);
    assert_eq!(
        Withdrawn::decode_payload(event.kind, &event.bytes).unwrap(),
        payload
    );
    assert_eq!(audit.kind, EventKind::SYSTEM_BYPASS_AUDIT);
    assert_eq!(audit.coordinate, event.coordinate);
    let record = BypassAudit::decode_payload(audit.kind, &audit.bytes).unwrap();
    assert_eq!(record.reason, "ticket 4411: refund approved by ops");
    assert_eq!(
        record.gates_skipped,
        ["sufficient_funds", "daily-limit", "memo_required"]
    );
    assert_eq!(record.kind, Withdrawn::KIND);
    assert_eq!(record.payload_hash, PayloadHash::of(&event.bytes));
}

#[test]
fn a_system_kind_is_refused_before_any_gate_runs() {
    let pipeline: Pipeline<(), Sneaky> = Pipeline::new(
        GateSet::new().with_fn("g", |_, _| panic!("gates must not run for a system kind")),
    );
    for err in [
        pipeline
            .evaluate(&(), Proposal::new(coord(), Sneaky))
            .unwrap_err(),
        pipeline
            .bypass(Proposal::new(coord(), Sneaky), "why not")
            .unwrap_err(),
    ] {
        assert!(matches!(err, PipelineError::SystemKind { .. }), "{err:?}");
    }
}

#[test]
fn pipeline_errors_convert_into_the_crate_error() {
    fn withdraw_checked(account: &Account) -> Result<(), batpak::Error> {
        let _receipt = bank_pipeline().evaluate(account, withdraw(9_999, "car"))?;
        Ok(())
    }
    let err = withdraw_checked(&Account::new(0)).unwrap_err();
    assert!(matches!(
        err,
        batpak::Error::Pipeline(PipelineError::Denied(_))
    ));
    assert!(err.to_string().contains("insufficient_funds"));
}

fn arb_denial() -> impl Strategy<Value = Denial> {
    (
        "[a-z_]{1,12}",
        ".{0,40}",
        proptest::collection::vec(("[a-z]{1,8}", ".{0,16}"), 0..4),
    )
        .prop_map(|(code, message, context)| {
            context
                .into_iter()
                .fold(Denial::new(code, message), |denial, (k, v)| {
                    denial.with_context(k, v)
                })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_denial_roundtrips_through_its_stored_form(denial in arb_denial()) {
        let bytes = denial.encode_payload().unwrap();
        let back = Denial::decode_payload(EventKind::SYSTEM_DENIAL, &bytes).unwrap();
        prop_assert_eq!(&back, &denial);
        prop_assert_eq!(back.to_string(), denial.to_string());
    }
}

#[test]
fn a_stamped_denial_roundtrips_with_its_gate_name() {
    let denial = GateSet::new()
        .with(MemoRequired)
        .evaluate(&Account::new(1), &withdraw(1, ""))
        .unwrap_err();
    let bytes = denial.encode_payload().unwrap();
    let back = Denial::decode_payload(Denial::KIND, &bytes).unwrap();
    assert_eq!(back.gate(), "memo_required");
    assert_eq!(back, denial);
}
