//! Unit tests of crate-internal seams: commit listeners, the system-kind
//! path, and the I/O seam (a failing sync poisons the writer).

use super::*;
use crate::coordinate::Coordinate;
use crate::event::EventKind;
use crate::id::CausationId;

#[test]
fn commit_listeners_see_whole_batches_in_commit_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let seen: Arc<Mutex<Vec<Vec<u64>>>> = Arc::default();
    let sink = Arc::clone(&seen);
    store.add_commit_listener(Arc::new(move |batch: &CommittedBatch| {
        let seqs = batch
            .events
            .iter()
            .map(|e| e.header().global_sequence)
            .collect();
        sink.lock().unwrap().push(seqs);
    }));
    let c = Coordinate::new("e", "s").unwrap();
    let k = EventKind::custom(1, 1);
    store.append(&c, k, &1).unwrap();
    store
        .append_batch(vec![
            BatchItem::new(&c, k, &2).unwrap(),
            BatchItem::new(&c, k, &3).unwrap(),
        ])
        .unwrap();
    // An idempotent repeat writes nothing and notifies nothing.
    let key = IdempotencyKey::from_content("once");
    let opts = AppendOptions::new().idempotency_key(key);
    store.append_with_options(&c, k, &4, opts).unwrap();
    store.append_with_options(&c, k, &4, opts).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![vec![0], vec![1, 2], vec![3]]);
}

#[test]
fn system_kinds_go_through_the_crate_path_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    let c = Coordinate::new("e", "s").unwrap();
    let items = vec![
        BatchItem::new(&c, EventKind::custom(1, 1), &"bypassed").unwrap(),
        BatchItem::new(&c, EventKind::SYSTEM_BYPASS_AUDIT, &"reason")
            .unwrap()
            .caused_by_item(0),
    ];
    assert!(matches!(
        store.append_batch(items.clone()),
        Err(BatchError::Item {
            index: 1,
            error: AppendError::SystemKind { .. }
        })
    ));
    let receipts = store.append_batch_system(items, Durability::Sync).unwrap();
    assert_eq!(receipts[1].kind, EventKind::SYSTEM_BYPASS_AUDIT);
    let audit = store.get(receipts[1].event_id).unwrap().unwrap();
    assert_eq!(
        audit.header().causation_id,
        Some(CausationId::from(receipts[0].event_id))
    );
}

/// Fails every `sync_data` after the first `ok_syncs`.
#[derive(Debug)]
struct FailingSyncs {
    ok_syncs: std::sync::atomic::AtomicUsize,
}

impl io::StoreIo for FailingSyncs {
    fn create(&self, path: &std::path::Path) -> std::io::Result<std::fs::File> {
        io::OsIo.create(path)
    }
    fn open_rw(&self, path: &std::path::Path) -> std::io::Result<std::fs::File> {
        io::OsIo.open_rw(path)
    }
    fn write_at(&self, file: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
        io::OsIo.write_at(file, bytes, offset)
    }
    fn sync_data(&self, file: &std::fs::File) -> std::io::Result<()> {
        let left = self.ok_syncs.load(Ordering::SeqCst);
        if left == 0 {
            return Err(std::io::Error::other("injected sync failure"));
        }
        self.ok_syncs.store(left - 1, Ordering::SeqCst);
        io::OsIo.sync_data(file)
    }
    fn set_len(&self, file: &std::fs::File, len: u64) -> std::io::Result<()> {
        io::OsIo.set_len(file, len)
    }
    fn rename(&self, from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
        io::OsIo.rename(from, to)
    }
    fn remove(&self, path: &std::path::Path) -> std::io::Result<()> {
        io::OsIo.remove(path)
    }
    fn sync_dir(&self, dir: &std::path::Path) -> std::io::Result<()> {
        io::OsIo.sync_dir(dir)
    }
}

#[test]
fn a_failed_sync_poisons_the_writer_until_reopen() {
    let dir = tempfile::tempdir().unwrap();
    // Creating the first segment syncs once; the first append's sync fails.
    let failing = Arc::new(FailingSyncs {
        ok_syncs: std::sync::atomic::AtomicUsize::new(1),
    });
    let store = Store::open(StoreConfig::new(dir.path()).with_io(failing)).unwrap();
    let c = Coordinate::new("e", "s").unwrap();
    let k = EventKind::custom(1, 1);
    let first = store.append(&c, k, &1).unwrap_err();
    assert!(
        matches!(
            first,
            AppendError::WriteFailed {
                operation: "sync a segment",
                ..
            }
        ),
        "{first}"
    );
    let later = store.append(&c, k, &2).unwrap_err();
    assert!(matches!(later, AppendError::Poisoned { .. }), "{later}");
    assert!(
        later.to_string().contains("injected sync failure"),
        "{later}"
    );
    assert!(matches!(store.sync(), Err(AppendError::Poisoned { .. })));
    assert!(store.is_empty(), "nothing unacknowledged is published");
    assert!(matches!(store.close(), Err(CloseError::Poisoned { .. })));
    // Reopening rescans the files and recovers (the written frame is intact).
    let store = Store::open(StoreConfig::new(dir.path())).unwrap();
    assert_eq!(store.len(), 1);
    store.append(&c, k, &3).unwrap();
}
