//! A property test: random appends, batches, CAS attempts, reopens and reads
//! against a simple in-memory model of what the store must hold.

use batpak::prelude::*;
use batpak::store::{AppendError, AppendOptions, BatchItem, Durability, Store, StoreConfig};
use proptest::prelude::*;

const KIND: EventKind = EventKind::custom(4, 1);

#[derive(Debug, Clone)]
enum Op {
    Append {
        entity: u8,
        value: u32,
    },
    Cas {
        entity: u8,
        value: u32,
        off_by: u8,
    },
    Batch {
        items: Vec<(u8, u32)>,
        fail_last: bool,
    },
    Reopen,
    Get {
        pick: usize,
    },
    Stream {
        entity: u8,
    },
    QueryAll,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, any::<u32>()).prop_map(|(entity, value)| Op::Append { entity, value }),
        2 => (0u8..4, any::<u32>(), 0u8..2).prop_map(|(entity, value, off_by)| Op::Cas { entity, value, off_by }),
        2 => (prop::collection::vec((0u8..4, any::<u32>()), 1..6), any::<bool>())
            .prop_map(|(items, fail_last)| Op::Batch { items, fail_last }),
        1 => Just(Op::Reopen),
        2 => any::<usize>().prop_map(|pick| Op::Get { pick }),
        1 => (0u8..4).prop_map(|entity| Op::Stream { entity }),
        1 => Just(Op::QueryAll),
    ]
}

/// What the model remembers per event: entity, value, id.
#[derive(Debug, Clone)]
struct Modeled {
    entity: u8,
    value: u32,
    id: EventId,
}

fn coordinate(entity: u8) -> Coordinate {
    Coordinate::new(format!("entity-{entity}"), "model").unwrap()
}

/// Small segments, so most reads are of sealed ones; with `mapped`, reads
/// go through memory maps.
fn config(dir: &std::path::Path, mapped: bool) -> StoreConfig {
    StoreConfig::new(dir)
        .segment_size(4096)
        .mapped_reads(mapped)
        .durability(Durability::Buffered)
        .buffered_sync_interval(None)
}

fn value_of(event: &StoredEvent<Vec<u8>>) -> u32 {
    batpak::event::decode_msgpack("u32", KIND, event.payload()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_model(ops in prop::collection::vec(op(), 1..40), mapped in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Some(Store::open(config(dir.path(), mapped)).unwrap());
        let mut model: Vec<Modeled> = Vec::new();
        let count = |model: &[Modeled], e: u8| model.iter().filter(|m| m.entity == e).count() as u64;
        for op in ops {
            let s = store.as_ref().unwrap();
            match op {
                Op::Append { entity, value } => {
                    let r = s.append(&coordinate(entity), KIND, &value).unwrap();
                    prop_assert_eq!(r.global_sequence, model.len() as u64);
                    prop_assert_eq!(r.entity_sequence, count(&model, entity));
                    model.push(Modeled { entity, value, id: r.event_id });
                }
                Op::Cas { entity, value, off_by } => {
                    let expected = count(&model, entity) + u64::from(off_by);
                    let opts = AppendOptions::new().expected_sequence(expected);
                    match s.append_with_options(&coordinate(entity), KIND, &value, opts) {
                        Ok(r) => {
                            prop_assert_eq!(off_by, 0);
                            model.push(Modeled { entity, value, id: r.event_id });
                        }
                        Err(AppendError::SequenceMismatch { actual, .. }) => {
                            prop_assert!(off_by > 0);
                            prop_assert_eq!(actual, count(&model, entity));
                        }
                        Err(e) => prop_assert!(false, "unexpected {}", e),
                    }
                }
                Op::Batch { items, fail_last } => {
                    let n = items.len();
                    let batch: Vec<BatchItem> = items.iter().enumerate().map(|(i, (e, v))| {
                        let item = BatchItem::new(&coordinate(*e), KIND, v).unwrap();
                        if fail_last && i + 1 == n {
                            item.options(AppendOptions::new().expected_sequence(u64::MAX))
                        } else {
                            item
                        }
                    }).collect();
                    match s.append_batch(batch) {
                        Ok(receipts) => {
                            prop_assert!(!fail_last);
                            for ((e, v), r) in items.iter().zip(receipts) {
                                model.push(Modeled { entity: *e, value: *v, id: r.event_id });
                            }
                        }
                        Err(_) => prop_assert!(fail_last),
                    }
                }
                Op::Reopen => {
                    drop(store.take());
                    store = Some(Store::open(config(dir.path(), mapped)).unwrap());
                    prop_assert!(store.as_ref().unwrap().recovery_report().is_clean());
                }
                Op::Get { pick } => {
                    if !model.is_empty() {
                        let m = &model[pick % model.len()];
                        let got = s.get(m.id).unwrap().unwrap();
                        prop_assert_eq!(value_of(&got), m.value);
                        prop_assert_eq!(got.coordinate, coordinate(m.entity));
                    }
                }
                Op::Stream { entity } => {
                    let got: Vec<u32> = s.stream(&coordinate(entity)).map(|e| value_of(&e.unwrap())).collect();
                    let want: Vec<u32> = model.iter().filter(|m| m.entity == entity).map(|m| m.value).collect();
                    prop_assert_eq!(got, want);
                }
                Op::QueryAll => {
                    let got: Vec<EventId> = s.query(&Region::all()).map(|e| e.unwrap().header().event_id).collect();
                    let want: Vec<EventId> = model.iter().map(|m| m.id).collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
        let s = store.take().unwrap();
        prop_assert_eq!(s.len(), model.len() as u64);
        prop_assert!(s.verify_chain().unwrap().is_intact());
    }
}
