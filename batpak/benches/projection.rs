//! Projection and cursor benchmarks (issue 8's figures).
//!
//! Run: `cargo bench -p batpak --bench projection`. The numbers go into
//! docs/PERFORMANCE.md, section "Projections and cursors".
//!
//! - `replay/alone`: project one entity of 100k events from scratch, in a
//!   store holding only it;
//! - `replay/among_1m`: the same entity (100k events) in a store of 1M
//!   events, each of its events followed by 9 of other entities (the worst
//!   physical interleaving); `replay/among_1m_runs`: the same 1M events with
//!   the entity's written in runs of 100 between runs of 900 others;
//!   `replay/among_1m_contiguous`: the entity's 100k events in one burst,
//!   followed by 900k of other entities (history that is not interleaved).
//!   Cost must not grow with unrelated history;
//! - `replay_sparse/*`: an entity of 10k events, alone (`alone`) and each
//!   of its events among 99 of others in a 1M-event store (`among_1m`), read
//!   with `pread` and with `mapped_reads` (`mapped/*`). `replay_mapped/*`:
//!   the `replay/` layouts with `mapped_reads`;
//! - `incremental/N`: after one new event, catch up a projection of an
//!   entity with N events (10k and 100k): cost must not grow with N;
//! - `cursor/poll_batch`: a guaranteed cursor reading 100k events.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use batpak::prelude::*;
use batpak::store::{Durability, Store, StoreConfig};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[derive(Debug, EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Deposited { cents: u64 },
    #[batpak(type_id = 2)]
    Withdrawn { cents: u64 },
}

#[derive(Debug, Clone, Default)]
struct Balance {
    cents: i64,
    events: u64,
}

impl Projection for Balance {
    type Event = AccountEvent;
    fn initial() -> Self {
        Balance::default()
    }
    fn apply(&mut self, event: &AccountEvent, _meta: &EventMeta<'_>) {
        match event {
            AccountEvent::Deposited { cents } => self.cents += *cents as i64,
            AccountEvent::Withdrawn { cents } => self.cents -= *cents as i64,
        }
        self.events += 1;
    }
}

const ENTITY_EVENTS: u64 = 100_000;
const BATCH: u64 = 1_000;

fn hot() -> Coordinate {
    Coordinate::new("account-hot", "bank").unwrap()
}

fn open(dir: &Path) -> Store {
    open_with(dir, false)
}

fn open_with(dir: &Path, mapped_reads: bool) -> Store {
    let config = StoreConfig::new(dir)
        .durability(Durability::Buffered)
        .mapped_reads(mapped_reads);
    Store::open(config).unwrap()
}

/// Benchmarks replaying the hot entity (`events` of them) in each store.
fn bench_replays(c: &mut Criterion, group: &str, events: u64, stores: &[(&str, &Store)]) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(events));
    for (name, store) in stores {
        g.bench_function(*name, |b| {
            b.iter(|| {
                let p = store.project_entity::<Balance>(&hot()).unwrap();
                assert_eq!(p.state().events, events);
                p
            })
        });
    }
    g.finish();
}

fn event(n: u64) -> AccountEvent {
    if n % 4 == 3 {
        AccountEvent::Withdrawn { cents: n % 100 }
    } else {
        AccountEvent::Deposited { cents: n % 1000 }
    }
}

/// Appends `hot_events` events of the hot entity and, after each run of
/// `run` of them, `others_per_run` events of other entities (1000 of them),
/// in batches (setup speed only).
fn fill(store: &Store, hot_events: u64, others_per_run: u64) {
    fill_runs(store, hot_events, 1, others_per_run);
}

fn fill_runs(store: &Store, hot_events: u64, run: u64, others_per_run: u64) {
    let hot = hot();
    let others: Vec<Coordinate> = (0..1000)
        .map(|i| Coordinate::new(format!("account-{i}"), "bank").unwrap())
        .collect();
    let mut items = Vec::with_capacity(BATCH as usize);
    let mut other = 0usize;
    for n in 0..hot_events {
        items.push(BatchItem::typed(&hot, &event(n)).unwrap());
        let others_now = if (n + 1) % run == 0 {
            others_per_run
        } else {
            0
        };
        for _ in 0..others_now {
            items.push(BatchItem::typed(&others[other % others.len()], &event(n)).unwrap());
            other += 1;
            if items.len() as u64 >= BATCH {
                store.append_batch(std::mem::take(&mut items)).unwrap();
            }
        }
        if items.len() as u64 >= BATCH {
            store.append_batch(std::mem::take(&mut items)).unwrap();
        }
    }
    if !items.is_empty() {
        store.append_batch(items).unwrap();
    }
    store.sync().unwrap();
}

fn replay(c: &mut Criterion) {
    let alone_dir = tempfile::tempdir().unwrap();
    let alone = open(alone_dir.path());
    fill(&alone, ENTITY_EVENTS, 0);
    let among_dir = tempfile::tempdir().unwrap();
    let among = open(among_dir.path());
    let started = Instant::now();
    fill(&among, ENTITY_EVENTS, 9);
    eprintln!(
        "setup: 1M-event store filled in {:.1?} ({} events)",
        started.elapsed(),
        among.len()
    );
    // The same 1M events, the hot entity's written in runs of 100 between
    // runs of 900 others (as an entity active in bursts).
    let runs_dir = tempfile::tempdir().unwrap();
    let runs = open(runs_dir.path());
    fill_runs(&runs, ENTITY_EVENTS, 100, 900);
    // The same 1M events, the hot entity's written in one burst, the 900k
    // others after it: unrelated history that is not interleaved.
    let contiguous_dir = tempfile::tempdir().unwrap();
    let contiguous = open(contiguous_dir.path());
    fill_runs(&contiguous, ENTITY_EVENTS, ENTITY_EVENTS, 9 * ENTITY_EVENTS);
    assert_eq!(contiguous.len(), 10 * ENTITY_EVENTS);
    bench_replays(
        c,
        "replay",
        ENTITY_EVENTS,
        &[
            ("alone", &alone),
            ("among_1m", &among),
            ("among_1m_runs", &runs),
            ("among_1m_contiguous", &contiguous),
        ],
    );
    // The read path alone (no decode, no apply): what limits the replay.
    c.bench_function("replay/stream_only/alone", |b| {
        b.iter(|| assert_eq!(alone.stream(&hot()).count() as u64, ENTITY_EVENTS))
    });
    // Closed first: a directory is open in one store at a time (its lock).
    for store in [alone, among, runs] {
        store.close().unwrap();
    }
    let alone = open_with(alone_dir.path(), true);
    let among = open_with(among_dir.path(), true);
    let runs = open_with(runs_dir.path(), true);
    bench_replays(
        c,
        "replay_mapped",
        ENTITY_EVENTS,
        &[
            ("alone", &alone),
            ("among_1m", &among),
            ("among_1m_runs", &runs),
        ],
    );
}

/// An entity whose events each lie among 99 others' (a store where ~100
/// entities are active at once), read with `pread` and through a map.
fn replay_sparse(c: &mut Criterion) {
    const EVENTS: u64 = ENTITY_EVENTS / 10;
    let alone_dir = tempfile::tempdir().unwrap();
    let alone = open(alone_dir.path());
    fill(&alone, EVENTS, 0);
    let among_dir = tempfile::tempdir().unwrap();
    let among = open(among_dir.path());
    fill(&among, EVENTS, 99);
    assert_eq!(among.len(), 100 * EVENTS);
    bench_replays(
        c,
        "replay_sparse",
        EVENTS,
        &[("alone", &alone), ("among_1m", &among)],
    );
    alone.close().unwrap();
    among.close().unwrap();
    let alone = open_with(alone_dir.path(), true);
    let among = open_with(among_dir.path(), true);
    bench_replays(
        c,
        "replay_sparse",
        EVENTS,
        &[("mapped/alone", &alone), ("mapped/among_1m", &among)],
    );
}

fn incremental(c: &mut Criterion) {
    let mut g = c.benchmark_group("incremental");
    g.throughput(Throughput::Elements(1));
    for history in [10_000u64, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        fill(&store, history, 0);
        let hot = hot();
        let mut held = Some(store.project_entity::<Balance>(&hot).unwrap());
        g.bench_function(format!("{history}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for n in 0..iters {
                    store.append_typed(&hot, &event(n)).unwrap();
                    let previous = held.take().unwrap();
                    let started = Instant::now();
                    let next = store.catch_up(previous).unwrap();
                    total += started.elapsed();
                    assert_eq!(next.applied(), 1);
                    held = Some(next);
                }
                total
            })
        });
        // The store's own cache behind `project`, same shape.
        store.project::<Balance>(&hot).unwrap();
        g.bench_function(format!("project_cached/{history}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for n in 0..iters {
                    store.append_typed(&hot, &event(n)).unwrap();
                    let started = Instant::now();
                    let state = store.project::<Balance>(&hot).unwrap();
                    total += started.elapsed();
                    std::hint::black_box(state);
                }
                total
            })
        });
    }
    g.finish();
}

fn cursor(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    fill(&store, ENTITY_EVENTS, 0);
    let mut g = c.benchmark_group("cursor");
    g.throughput(Throughput::Elements(ENTITY_EVENTS));
    g.bench_function("poll_batch", |b| {
        b.iter(|| {
            // Never committed: each iteration starts from the beginning.
            let mut cursor = store.cursor_guaranteed(&Region::all(), "bench").unwrap();
            let mut n = 0u64;
            loop {
                let batch = cursor.poll_batch(512).unwrap();
                if batch.is_empty() {
                    break;
                }
                n += batch.len() as u64;
            }
            assert_eq!(n, ENTITY_EVENTS);
        })
    });
    g.bench_function("typed_poll", |b| {
        b.iter(|| {
            let mut cursor = store
                .cursor_guaranteed_typed::<AccountEvent>(&Region::all(), "bench-typed")
                .unwrap();
            let mut n = 0u64;
            while cursor.poll().unwrap().is_some() {
                n += 1;
            }
            assert_eq!(n, ENTITY_EVENTS);
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = replay, replay_sparse, incremental, cursor
}
criterion_main!(benches);
