//! Runs every compile-fail and compile-pass case under `ui/`.
//!
//! Cases live in one folder per macro or rule family; each failing case has
//! its expected compiler output in a `.stderr` file beside it. To accept a
//! deliberate change to those messages, run with `TRYBUILD=overwrite` and
//! review the diff like documentation.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for family in [
        "event_payload",
        "state_machine",
        "gate",
        "typestate",
        "pipeline",
        "projection",
    ] {
        t.compile_fail(format!("ui/{family}/*.rs"));
        t.pass(format!("ui/{family}/pass/*.rs"));
    }
}
