//! A guaranteed cursor across SIGKILL: a child process (this test binary,
//! re-executed in child mode) appends durable events, consumes them with a
//! guaranteed cursor, prints each event it handled and each checkpoint it
//! committed; the parent kills it after a random number of lines, reopens,
//! resumes the cursor, and checks at-least-once delivery: every stored event
//! was handled before the kill or is delivered after it, in order and without
//! gaps, and no acknowledged checkpoint was lost.
//!
//! `BATPAK_CURSOR_CRASH_TRIALS` raises the number of trials (default 30).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use batpak::store::{Store, StoreConfig};
use batpak::{EventKind, Region};
use batpak_tests::{coord, kill_after_lines};

/// Set in the child: the store directory.
const CHILD_DIR: &str = "BATPAK_CURSOR_CRASH_CHILD_DIR";
/// Most loop rounds one child runs, so it never outlives a failed parent.
const CHILD_MAX_ROUNDS: u64 = 2000;
const CURSOR: &str = "consumer";
const KIND: EventKind = EventKind::custom(1, 1);

fn config(dir: &Path) -> StoreConfig {
    // Small segments, so trials cross segment rotations.
    StoreConfig::new(dir).segment_size(4096)
}

/// Child mode: a no-op in a normal test run.
#[test]
fn cursor_crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let store = Store::open(config(Path::new(&dir))).unwrap();
    let mut cursor = store.cursor_guaranteed(&Region::all(), CURSOR).unwrap();
    let stdout = std::io::stdout();
    let entities = [coord("a"), coord("b"), coord("c")];
    for round in 0..CHILD_MAX_ROUNDS {
        let target = &entities[(round % 3) as usize];
        store.append(target, KIND, &round).unwrap();
        let mut out = stdout.lock();
        // Handle what is there, printing each event before it counts as
        // handled; then, every third round, commit and say so.
        while let Some(event) = cursor.poll().unwrap() {
            writeln!(out, "GOT {}", event.header().global_sequence).unwrap();
        }
        out.flush().unwrap();
        if round % 3 == 2 {
            cursor.commit().unwrap();
            writeln!(out, "COMMIT {}", cursor.committed_position()).unwrap();
            out.flush().unwrap();
        }
    }
}

/// What the child said before it died.
#[derive(Default)]
struct Said {
    handled: BTreeSet<u64>,
    last_commit: u64,
}

fn run_child_and_kill(dir: &Path, lines: u64) -> Said {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "cursor_crash_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut said = Said::default();
    // The test harness prints `test cursor_crash_child ... ` without a
    // newline, so the first line may carry that prefix.
    kill_after_lines(&mut child, lines, |line| {
        if let Some((_, seq)) = line.split_once("GOT ") {
            said.handled.insert(seq.trim().parse().unwrap());
        } else if let Some((_, pos)) = line.split_once("COMMIT ") {
            said.last_commit = pos.trim().parse().unwrap();
        }
        true
    });
    said
}

#[test]
fn a_killed_consumer_resumes_at_least_once_and_never_skips() {
    let trials: u64 = std::env::var("BATPAK_CURSOR_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let mut seed = 0x5EED_u64;
    for trial in 0..trials {
        let dir = tempfile::tempdir().unwrap();
        // A few children in a row on one directory: recovery on recovery.
        let mut handled_ever = BTreeSet::new();
        for life in 0..3 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let lines = 1 + (seed >> 33) % 40;
            let said = run_child_and_kill(dir.path(), lines);
            handled_ever.extend(said.handled.iter().copied());

            let store = Store::open(config(dir.path()))
                .unwrap_or_else(|e| panic!("trial {trial}/{life}: reopen failed: {e}"));
            let stored = store.len();
            let mut cursor = store.cursor_guaranteed(&Region::all(), CURSOR).unwrap();
            let resumed_at = cursor.committed_position();
            // An acknowledged checkpoint is durable.
            assert!(
                resumed_at >= said.last_commit,
                "trial {trial}/{life}: resumed at {resumed_at}, but {} was committed",
                said.last_commit
            );
            // Everything from there is delivered, in order, without gaps.
            let mut next = resumed_at;
            while let Some(event) = cursor.poll().unwrap() {
                assert_eq!(event.header().global_sequence, next, "trial {trial}/{life}");
                next += 1;
            }
            assert_eq!(
                next, stored,
                "trial {trial}/{life}: the cursor stopped early"
            );
            // At least once: every event below the checkpoint was handled by
            // a child before its kill (a checkpoint never runs ahead of what
            // was handled); every event from it on is delivered now.
            for s in 0..resumed_at {
                assert!(
                    handled_ever.contains(&s),
                    "trial {trial}/{life}: event {s} was never delivered"
                );
            }
            assert!(store.verify_chain().unwrap().is_intact());
            // Leave the checkpoint where the child left it: the next child
            // resumes from it.
            drop(cursor);
            store.close().unwrap();
        }
    }
}
