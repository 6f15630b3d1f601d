//! Typed-path benchmarks: what the kind registry claim and typed decoding
//! add to an append or a read, against the untyped calls.
//!
//! Run: `cargo bench -p batpak --bench typed`.
//!
//! Measured on the shared 2-core CI-class machine (noisy; medians), branch
//! `integ`: claiming an 8-kind enum again 54 ns (232 ns before the
//! registry's settled-type fast path); a buffered append 11.4 µs encoded vs
//! 11.3 µs typed; `get` 3.4 µs vs `get_typed` 4.9 µs; streaming 1,000
//! events 0.54 ms raw vs 0.83 ms typed (the difference is MessagePack
//! decoding).

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use batpak::event::KindRegistry;
use batpak::prelude::*;
use batpak::store::{Durability, Store, StoreConfig};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// An enum of eight kinds, the size of a typical domain's event enum.
#[derive(Debug, Clone, PartialEq, EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Opened { owner: String },
    #[batpak(type_id = 2)]
    Deposited { cents: u64, memo: String },
    #[batpak(type_id = 3)]
    Withdrawn { cents: u64, memo: String },
    #[batpak(type_id = 4)]
    Frozen,
    #[batpak(type_id = 5)]
    Unfrozen,
    #[batpak(type_id = 6)]
    LimitChanged { cents: u64 },
    #[batpak(type_id = 7)]
    Renamed { owner: String },
    #[batpak(type_id = 8)]
    Closed,
}

fn deposit() -> AccountEvent {
    AccountEvent::Deposited {
        cents: 12_345,
        memo: "monthly transfer to savings, ref 2026-11".into(),
    }
}

fn claim(c: &mut Criterion) {
    let registry = KindRegistry::new();
    registry.claim::<AccountEvent>().unwrap();
    let mut g = c.benchmark_group("kind_registry");
    g.bench_function("claim_again_enum_8_kinds", |b| {
        b.iter(|| registry.claim::<AccountEvent>().unwrap())
    });
    g.finish();
}

fn appends(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).durability(Durability::Buffered)).unwrap();
    let coord = Coordinate::new("account-1", "bench").unwrap();
    let event = deposit();
    let mut g = c.benchmark_group("append_buffered");
    g.throughput(Throughput::Elements(1));
    g.bench_function("encoded", |b| {
        b.iter(|| {
            let bytes = event.encode_payload().unwrap();
            store
                .append_encoded(&coord, event.kind(), 1, bytes, AppendOptions::new())
                .unwrap()
        })
    });
    g.bench_function("typed", |b| {
        b.iter(|| store.append_typed(&coord, &event).unwrap())
    });
    g.finish();
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path()).durability(Durability::Buffered)).unwrap();
    let coord = Coordinate::new("account-1", "bench").unwrap();
    let ids: Vec<EventId> = (0..1_000)
        .map(|_| store.append_typed(&coord, &deposit()).unwrap().event_id)
        .collect();
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function("get", |b| {
        b.iter(|| {
            i = (i + 7) % ids.len();
            store.get(ids[i]).unwrap().unwrap()
        })
    });
    g.bench_function("get_typed", |b| {
        b.iter(|| {
            i = (i + 7) % ids.len();
            store.get_typed::<AccountEvent>(ids[i]).unwrap().unwrap()
        })
    });
    g.throughput(Throughput::Elements(ids.len() as u64));
    g.bench_function("stream_1k", |b| {
        b.iter(|| store.stream(&coord).map(Result::unwrap).count())
    });
    g.bench_function("stream_typed_1k", |b| {
        b.iter(|| {
            store
                .stream_typed::<AccountEvent>(&coord)
                .unwrap()
                .map(Result::unwrap)
                .count()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = claim, appends, reads
}
criterion_main!(benches);
