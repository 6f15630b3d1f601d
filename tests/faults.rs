//! Fault injection: every injection point x fault kind gives the caller a
//! clean error or success (never a panic, never a hang), poisons the store
//! after a failure, and after reopening the store holds exactly what was
//! acknowledged plus, at most, the failed write whole.

use batpak::store::fault::{Fault, FaultPlan, FaultPoint};
use batpak::store::{AppendError, BatchError, Durability, OpenError, Store, StoreConfig};
use batpak::Coordinate;
use batpak_tests::batch_support::{check_store, tagged_items, Acked};
use batpak_tests::coord;

/// Writes in the workload: every third one a batch of three.
const WRITES: u64 = 16;

fn config(dir: &std::path::Path) -> StoreConfig {
    StoreConfig::new(dir)
        .segment_size(4096)
        .buffered_sync_interval(None)
}

fn write_len(write: u64) -> u32 {
    if write.is_multiple_of(3) {
        3
    } else {
        1
    }
}

/// What one faulty run did.
struct Run {
    acked: Vec<Acked>,
    /// The number of events of the first failed write, if one failed.
    failed: Option<u32>,
}

/// Runs the workload against a store with `fault`, checking what each call
/// returns; `None` if the store did not even open.
fn run_with(dir: &std::path::Path, fault: Fault, durability: Durability) -> Option<Run> {
    let plan = FaultPlan::new(fault);
    let store = match Store::open(
        config(dir)
            .fault_injection(plan.clone())
            .durability(durability),
    ) {
        Ok(store) => store,
        Err(e) => {
            assert!(plan.fired(), "open failed without a fault: {e}");
            assert!(matches!(e, OpenError::Io { .. }), "{e:?}");
            return None;
        }
    };
    let coords: Vec<Coordinate> = ["a", "b", "c", "d"].into_iter().map(coord).collect();
    let mut run = Run {
        acked: Vec::new(),
        failed: None,
    };
    for write in 0..WRITES {
        let n = write_len(write);
        let result = store.append_batch(tagged_items(write, n, &coords, 150));
        match (result, run.failed) {
            (Ok(receipts), None) => {
                assert_eq!(receipts.len(), n as usize);
                if durability == Durability::Sync {
                    assert!(receipts.iter().all(|r| r.durable));
                }
                run.acked.extend(receipts.iter().map(Acked::from));
            }
            (Ok(_), Some(_)) => panic!("write {write} succeeded on a poisoned store"),
            (Err(BatchError::Batch(e)), None) => {
                assert!(
                    matches!(
                        e,
                        AppendError::WriteFailed { .. } | AppendError::Poisoned { .. }
                    ),
                    "{e:?}"
                );
                assert!(plan.fired(), "a write failed without a fault: {e}");
                run.failed = Some(n);
            }
            (Err(BatchError::Batch(AppendError::Poisoned { .. })), Some(_)) => {}
            (Err(e), _) => panic!("unexpected error for write {write}: {e:?}"),
        }
    }
    if run.failed.is_some() {
        assert!(
            store.sync().is_err(),
            "a poisoned store must refuse to sync"
        );
        assert!(
            store.close().is_err(),
            "a poisoned store reports it on close"
        );
    } else {
        store.close().unwrap();
    }
    Some(run)
}

/// Reopens without faults and checks the store against the run.
fn reopen_and_check(dir: &std::path::Path, run: Option<Run>, what: &str) {
    let store = Store::open(config(dir)).unwrap_or_else(|e| panic!("{what}: reopen: {e}"));
    let (acked, failed) = match run {
        Some(run) => (run.acked, run.failed),
        None => (Vec::new(), None),
    };
    let n = check_store(&store, &acked);
    let extra = n - acked.len() as u64;
    assert!(
        extra == 0 || Some(extra as u32) == failed,
        "{what}: {extra} events beyond the acknowledged ones (failed write: {failed:?})"
    );
    // Appending continues.
    let coords = [coord("after")];
    store
        .append_batch(tagged_items(1000, 2, &coords, 1))
        .unwrap();
    assert_eq!(check_store(&store, &acked), n + 2, "{what}");
}

fn trial(fault: Fault, durability: Durability) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let run = run_with(dir.path(), fault, durability);
    let plan_fired = run.as_ref().is_none_or(|r| r.failed.is_some());
    reopen_and_check(dir.path(), run, &format!("{fault:?} {durability:?}"));
    plan_fired
}

#[test]
fn every_write_failure_is_a_clean_error_and_recovers() {
    let mut failed = 0;
    for nth in 1..=24 {
        failed += u32::from(trial(Fault::FailWrite { nth }, Durability::Sync));
    }
    // The workload makes about 20 writes: most of these fire.
    assert!(failed >= 15, "only {failed} runs failed");
}

#[test]
fn every_torn_write_is_a_clean_error_and_recovers() {
    let mut failed = 0;
    for nth in 1..=24 {
        for keep in [5, 13, 400] {
            for durability in [Durability::Sync, Durability::Buffered] {
                failed += u32::from(trial(Fault::TearWrite { nth, keep }, durability));
            }
        }
    }
    assert!(failed >= 90, "only {failed} runs failed");
}

#[test]
fn every_sync_failure_is_a_clean_error_and_recovers() {
    let mut failed = 0;
    for nth in 1..=24 {
        failed += u32::from(trial(Fault::FailSync { nth }, Durability::Sync));
    }
    assert!(failed >= 15, "only {failed} runs failed");
}

#[test]
fn a_writer_panic_at_every_point_is_a_clean_error_and_recovers() {
    for point in FaultPoint::ALL {
        let mut fired = 0;
        for nth in 1..=3 {
            for durability in [Durability::Sync, Durability::Buffered] {
                fired += u32::from(trial(Fault::Panic { point, nth }, durability));
            }
        }
        assert!(fired >= 2, "{point:?} never fired");
    }
}

#[test]
fn concurrent_callers_all_get_an_answer_when_the_writer_fails() {
    for fault in [
        Fault::FailSync { nth: 6 },
        Fault::FailWrite { nth: 6 },
        Fault::Panic {
            point: FaultPoint::AfterWriteBeforeSync,
            nth: 6,
        },
    ] {
        let dir = tempfile::tempdir().unwrap();
        let plan = FaultPlan::new(fault);
        let store = Store::open(config(dir.path()).fault_injection(plan.clone())).unwrap();
        let acked: Vec<Acked> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4u64)
                .map(|t| {
                    let store = &store;
                    s.spawn(move || {
                        let coords = [coord(&format!("t{t}"))];
                        let mut acked = Vec::new();
                        let mut failed = false;
                        for i in 0..20u64 {
                            match store.append_batch(tagged_items(t * 100 + i, 2, &coords, 10)) {
                                Ok(r) => {
                                    assert!(!failed, "success after a failure");
                                    acked.extend(r.iter().map(Acked::from));
                                }
                                Err(_) => failed = true,
                            }
                        }
                        assert!(failed, "thread {t} never saw the failure");
                        acked
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        assert!(plan.fired());
        drop(store);
        let store = Store::open(config(dir.path())).unwrap();
        let n = check_store(&store, &acked);
        assert!(n >= acked.len() as u64);
    }
}
