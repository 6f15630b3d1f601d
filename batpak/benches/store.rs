//! Store benchmarks: every workload of the store's performance targets.
//!
//! Run: `cargo bench -p batpak --bench store` (add a criterion filter such
//! as `-- append` to run some). Results and the figures printed to stderr
//! (bytes on disk and index memory per event) go into docs/PERFORMANCE.md.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use batpak::prelude::*;
use batpak::store::{Durability, Store, StoreConfig};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

mod common;
use common::{payload, KIND};

fn coord(i: u64) -> Coordinate {
    Coordinate::new(format!("entity-{i}"), "bench").unwrap()
}

fn config(dir: &Path, durability: Durability) -> StoreConfig {
    StoreConfig::new(dir).durability(durability)
}

/// The disk's raw rate: a 181-byte write then fdatasync, the same work a
/// durable single append does at the file level.
fn raw_fdatasync(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut file = std::fs::File::create(dir.path().join("raw")).unwrap();
    let bytes = [7u8; 181];
    let mut g = c.benchmark_group("raw");
    g.throughput(Throughput::Elements(1));
    g.bench_function("write_fdatasync", |b| {
        b.iter(|| {
            file.write_all(&bytes).unwrap();
            file.sync_data().unwrap();
        })
    });
    g.finish();
}

/// The writer design choice (DESIGN.md decision 1): the cost of handing one
/// request to a dedicated writer thread over flume and waiting for its
/// reply, with no work done. A thread-fed writer pays this on every append;
/// the leader/follower group does not (the caller writes itself when no one
/// else is writing).
fn thread_handoff(c: &mut Criterion) {
    let (to_writer, requests) = flume::bounded::<(u64, flume::Sender<u64>)>(1024);
    let worker = std::thread::spawn(move || {
        for (n, reply) in requests {
            let _ = reply.send(n + 1);
        }
    });
    let mut g = c.benchmark_group("writer_design");
    g.throughput(Throughput::Elements(1));
    g.bench_function("flume_thread_roundtrip_no_work", |b| {
        let mut n = 0u64;
        b.iter(|| {
            let (reply, answer) = flume::bounded(1);
            to_writer.send((n, reply)).unwrap();
            n = answer.recv().unwrap();
        })
    });
    g.finish();
    drop(to_writer);
    worker.join().unwrap();
}

fn append_single(c: &mut Criterion) {
    let mut g = c.benchmark_group("append_single");
    g.throughput(Throughput::Elements(1));
    for (name, durability) in [
        ("buffered", Durability::Buffered),
        ("durable", Durability::Sync),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(config(dir.path(), durability)).unwrap();
        let mut n = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                store.append(&coord(n % 100), KIND, &payload(n)).unwrap()
            })
        });
    }
    g.finish();
}

/// `threads` callers appending concurrently; reports events per second in
/// total.
fn append_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("append_threads");
    for (name, durability, threads) in [
        ("buffered_2", Durability::Buffered, 2u64),
        ("durable_2", Durability::Sync, 2),
        ("durable_8", Durability::Sync, 8),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(config(dir.path(), durability)).unwrap();
        g.throughput(Throughput::Elements(threads));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for t in 0..threads {
                        let store = &store;
                        s.spawn(move || {
                            let c = coord(t);
                            for i in 0..iters {
                                store.append(&c, KIND, &payload(i)).unwrap();
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    g.finish();
}

/// A store with `n` events over 1000 entities (buffered, then synced).
fn fill(dir: &Path, n: u64, entities: u64) -> Vec<EventId> {
    let store = Store::open(config(dir, Durability::Buffered)).unwrap();
    let mut ids = Vec::with_capacity(n as usize);
    let chunk = 1000;
    let mut i = 0;
    while i < n {
        let items = (i..(i + chunk).min(n))
            .map(|j| {
                batpak::store::BatchItem::new(&coord(j % entities), KIND, &payload(j)).unwrap()
            })
            .collect();
        for r in store.append_batch(items).unwrap() {
            ids.push(r.event_id);
        }
        i += chunk;
    }
    store.close().unwrap();
    ids
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let ids = fill(dir.path(), 100_000, 1000);
    let store = Store::open(config(dir.path(), Durability::Sync)).unwrap();
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Elements(1));
    let mut k = 0usize;
    g.bench_function("get_by_id", |b| {
        b.iter(|| {
            k = (k + 7919) % ids.len();
            store.get(ids[k]).unwrap().unwrap()
        })
    });
    g.finish();

    // One entity with 100k events, read whole with payloads.
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 100_000, 1);
    let store = Store::open(config(dir.path(), Durability::Sync)).unwrap();
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("stream_one_entity_100k", |b| {
        b.iter(|| {
            let mut n = 0usize;
            let mut bytes = 0usize;
            for e in store.stream(&coord(0)) {
                bytes += e.unwrap().payload().len();
                n += 1;
            }
            assert!(bytes > 0);
            assert_eq!(n, 100_000);
        })
    });
    g.finish();
}

fn reopen(c: &mut Criterion) {
    let mut g = c.benchmark_group("reopen");
    for n in [100_000u64, 1_000_000] {
        let dir = tempfile::tempdir().unwrap();
        fill(dir.path(), n, 1000);
        let disk: u64 = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        let store = Store::open(config(dir.path(), Durability::Sync)).unwrap();
        let mem = store.index_memory();
        eprintln!(
            "figures n={n}: {:.1} bytes on disk per event; index heap {:.1} bytes per event \
             (+ {} bytes for {} entities)",
            disk as f64 / n as f64,
            mem.event_bytes as f64 / n as f64,
            mem.entity_bytes,
            1000
        );
        drop(store);
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("open_{n}"), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let store = Store::open(config(dir.path(), Durability::Sync)).unwrap();
                    assert_eq!(store.len(), n);
                    store
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = raw_fdatasync, thread_handoff, append_single, append_threads, reads, reopen
}
criterion_main!(benches);
