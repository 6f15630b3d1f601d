//! Batch benchmarks: `append_batch` of 1000 small events, and a batch-size
//! sweep (1, 10, 100, 1000 items), buffered and durable.
//!
//! Run: `cargo bench -p batpak --bench batch`. Results go into the
//! "Batches" section of docs/PERFORMANCE.md.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use batpak::prelude::*;
use batpak::store::{Durability, Store, StoreConfig};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

mod common;
use common::{payload, KIND};

fn open(dir: &Path, durability: Durability) -> Store {
    Store::open(StoreConfig::new(dir).durability(durability)).unwrap()
}

/// `n` items over 100 entities; payloads encoded here, on the caller's
/// side, as a user's code would before calling `append_batch`.
fn items(coords: &[Coordinate], start: u64, n: u64) -> Vec<BatchItem> {
    (start..start + n)
        .map(|seq| BatchItem::new(&coords[(seq % 100) as usize], KIND, &payload(seq)).unwrap())
        .collect()
}

fn coords() -> Vec<Coordinate> {
    (0..100)
        .map(|i| Coordinate::new(format!("entity-{i}"), "bench").unwrap())
        .collect()
}

/// The target workload: one `append_batch` of 1000 items, buffered. The
/// items are built (and their payloads encoded) outside the timed part.
fn batch_1000(c: &mut Criterion) {
    let coords = coords();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(1000));
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), Durability::Buffered);
    let mut next = 0u64;
    g.bench_function("append_1000_buffered", |b| {
        b.iter_batched(
            || {
                next += 1000;
                items(&coords, next, 1000)
            },
            |batch| store.append_batch(batch).unwrap(),
            BatchSize::SmallInput,
        )
    });
    // The same, with building the items (encoding payloads) timed too.
    g.bench_function("encode_and_append_1000_buffered", |b| {
        b.iter(|| {
            next += 1000;
            store.append_batch(items(&coords, next, 1000)).unwrap()
        })
    });
    g.finish();
}

/// Events per second for batches of 1, 10, 100 and 1000 items.
fn batch_sweep(c: &mut Criterion) {
    let coords = coords();
    let mut g = c.benchmark_group("batch_sweep");
    for (name, durability) in [
        ("buffered", Durability::Buffered),
        ("durable", Durability::Sync),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), durability);
        let mut next = 0u64;
        for n in [1u64, 10, 100, 1000] {
            g.throughput(Throughput::Elements(n));
            g.bench_function(format!("{name}_{n}"), |b| {
                b.iter_batched(
                    || {
                        next += n;
                        items(&coords, next, n)
                    },
                    |batch| store.append_batch(batch).unwrap(),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group!(benches, batch_1000, batch_sweep);
criterion_main!(benches);
