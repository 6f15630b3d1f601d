//! Recovery: torn tails at every byte, flipped bits, damage reports,
//! repair, and the one-writer lock.

use std::fs::OpenOptions;
use std::path::Path;

use batpak::prelude::*;
use batpak::store::{OpenError, Store, StoreConfig};
use batpak_tests::{coord, copy_dir, open, segment_files, Note};

/// Writes `n` events and returns (directory, length of the last segment
/// before the last event, length after it).
fn store_with_last_frame(n: u64) -> (tempfile::TempDir, u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 0..n - 1 {
        store
            .append_typed(&coord(&format!("e{}", i % 3)), &Note::new(i))
            .unwrap();
    }
    let seg = segment_files(dir.path()).pop().unwrap();
    let before = std::fs::metadata(&seg).unwrap().len();
    store.append_typed(&coord("e1"), &Note::new(n - 1)).unwrap();
    store.close().unwrap();
    let after = std::fs::metadata(&seg).unwrap().len();
    (dir, before, after)
}

fn set_len(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

#[test]
fn torn_tail_at_every_byte_of_the_last_frame_is_truncated_and_reported() {
    let (dir, before, after) = store_with_last_frame(5);
    assert!(after > before);
    for cut in before..after {
        let trial = tempfile::tempdir().unwrap();
        copy_dir(dir.path(), trial.path());
        let seg = segment_files(trial.path()).pop().unwrap();
        set_len(&seg, cut);
        let store = open(trial.path());
        assert_eq!(
            store.len(),
            4,
            "cut at {cut}: the torn event is dropped whole"
        );
        let report = store.recovery_report();
        if cut == before {
            assert!(
                report.is_clean(),
                "cut at a frame boundary leaves nothing torn"
            );
        } else {
            assert_eq!(report.truncated.len(), 1, "cut at {cut}");
            let t = &report.truncated[0];
            assert_eq!(t.file, seg);
            assert_eq!((t.offset, t.bytes_dropped), (before, cut - before));
            assert!(t.torn_tail);
        }
        assert_eq!(std::fs::metadata(&seg).unwrap().len(), before);
        assert!(store.verify_chain().unwrap().is_intact());
        // Appending continues where the intact log ends.
        let r = store.append_typed(&coord("e1"), &Note::new(99)).unwrap();
        assert_eq!(r.global_sequence, 4);
    }
}

#[test]
fn zero_filled_tail_is_a_torn_tail() {
    let (dir, _, after) = store_with_last_frame(3);
    let seg = segment_files(dir.path()).pop().unwrap();
    set_len(&seg, after + 4096);
    let store = open(dir.path());
    assert_eq!(store.len(), 3);
    assert_eq!(store.recovery_report().truncated[0].bytes_dropped, 4096);
}

#[test]
fn a_flipped_bit_anywhere_in_a_frame_is_detected() {
    let (dir, before, after) = store_with_last_frame(4);
    let seg_name = segment_files(dir.path()).pop().unwrap();
    let seg_name = seg_name.file_name().unwrap().to_owned();
    // The last frame: a torn write never damages a length and its check
    // (it leaves a prefix, or zeros), so a flip there is reported as damage;
    // a flip anywhere after them looks like a torn tail: dropped, reported.
    for at in before..after {
        for bit in [0u8, 5] {
            let trial = tempfile::tempdir().unwrap();
            copy_dir(dir.path(), trial.path());
            let seg = trial.path().join(&seg_name);
            let mut bytes = std::fs::read(&seg).unwrap();
            bytes[at as usize] ^= 1 << bit;
            std::fs::write(&seg, &bytes).unwrap();
            if at < before + 8 {
                let err = Store::open(StoreConfig::new(trial.path())).unwrap_err();
                assert!(
                    matches!(err, OpenError::Corrupt { offset, .. } if offset == before),
                    "flip at {at}: {err}"
                );
            } else {
                let store = open(trial.path());
                assert_eq!(store.len(), 3, "flip at {at} bit {bit}");
                assert!(!store.recovery_report().is_clean());
            }
        }
    }
    // A frame in the middle: open refuses, naming file and offset.
    let first_frame = 32u64;
    let frame_len = after - before;
    for at in first_frame..first_frame + frame_len {
        let trial = tempfile::tempdir().unwrap();
        copy_dir(dir.path(), trial.path());
        let seg = trial.path().join(&seg_name);
        let mut bytes = std::fs::read(&seg).unwrap();
        bytes[at as usize] ^= 0x10;
        std::fs::write(&seg, &bytes).unwrap();
        match Store::open(StoreConfig::new(trial.path())) {
            Err(OpenError::Corrupt { file, offset, .. }) => {
                assert_eq!(file, seg);
                assert_eq!(offset, first_frame, "flip at {at}");
            }
            other => panic!("flip at {at}: expected Corrupt, got {other:?}"),
        }
    }
}

#[test]
fn damage_is_refused_with_a_clear_message_unless_repair_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(StoreConfig::new(dir.path()).segment_size(4096)).unwrap();
        for i in 0..100u64 {
            store.append_typed(&coord("e"), &Note::new(i)).unwrap();
        }
    }
    let segs = segment_files(dir.path());
    assert!(segs.len() >= 3);
    let victim = &segs[1];
    let mut bytes = std::fs::read(victim).unwrap();
    bytes[200] ^= 0xFF;
    std::fs::write(victim, &bytes).unwrap();

    let err = Store::open(StoreConfig::new(dir.path())).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, OpenError::Corrupt { .. }));
    assert!(message.contains(&victim.display().to_string()), "{message}");
    assert!(message.contains("repair_on_open"), "{message}");
    assert_eq!(
        std::fs::read(victim).unwrap(),
        bytes,
        "a refused open changes nothing"
    );

    let store = Store::open(StoreConfig::new(dir.path()).repair_on_open(true)).unwrap();
    let report = store.recovery_report().clone();
    assert_eq!(report.truncated.len(), 1);
    assert!(!report.truncated[0].torn_tail);
    assert_eq!(report.moved_aside.len(), segs.len() - 2);
    assert!(
        report.moved_aside.iter().all(|p| p.exists()),
        "nothing is deleted"
    );
    let kept = store.len();
    assert!(kept > 0 && kept < 100);
    assert!(store.verify_chain().unwrap().is_intact());
    let r = store.append_typed(&coord("e"), &Note::new(1000)).unwrap();
    assert_eq!(r.global_sequence, kept);
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.len(), kept + 1);
}

#[test]
fn a_torn_segment_header_in_the_last_file_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store.append_typed(&coord("e"), &Note::new(0)).unwrap();
    }
    let next = dir.path().join("0000000002.seg");
    std::fs::write(&next, [0u8; 10]).unwrap();
    let store = open(dir.path());
    assert_eq!(store.len(), 1);
    assert!(!next.exists());
    assert_eq!(store.recovery_report().truncated[0].file, next);
}

#[test]
fn a_missing_segment_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(StoreConfig::new(dir.path()).segment_size(4096)).unwrap();
        for i in 0..100u64 {
            store.append_typed(&coord("e"), &Note::new(i)).unwrap();
        }
    }
    std::fs::remove_file(&segment_files(dir.path())[1]).unwrap();
    assert!(matches!(
        Store::open(StoreConfig::new(dir.path())),
        Err(OpenError::Corrupt { offset: 0, .. })
    ));
}

#[test]
fn a_second_open_is_locked_out_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path());
    let err = Store::open(StoreConfig::new(dir.path())).unwrap_err();
    assert!(matches!(err, OpenError::Locked { .. }));
    assert!(err.to_string().contains("locked"), "{err}");
    first
        .append(&coord("e"), EventKind::custom(1, 1), &1)
        .unwrap();
    first.close().unwrap();
    let second = open(dir.path());
    assert_eq!(second.len(), 1);
    drop(second);
    // Dropping releases the lock too.
    assert_eq!(open(dir.path()).len(), 1);
}

#[test]
fn lowering_a_limit_below_stored_data_is_refused_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        for i in 0..3u64 {
            store
                .append(&coord("big"), EventKind::custom(1, 1), &vec![i as u8; 500])
                .unwrap();
        }
    }
    let seg = segment_files(dir.path()).pop().unwrap();
    let before = std::fs::read(&seg).unwrap();
    for config in [
        StoreConfig::new(dir.path()).max_payload_bytes(100),
        // The last frame reaches the end of the file: it must not be taken
        // for a torn tail and cut off.
        StoreConfig::new(dir.path()).max_frame_bytes(100),
        StoreConfig::new(dir.path())
            .max_frame_bytes(100)
            .repair_on_open(true),
    ] {
        let err = Store::open(config).unwrap_err();
        assert!(matches!(err, OpenError::LimitTooLow { .. }), "{err}");
        assert!(err.to_string().contains("larger limits"), "{err}");
        assert_eq!(std::fs::read(&seg).unwrap(), before, "nothing changed");
    }
    assert_eq!(open(dir.path()).len(), 3);
}

#[test]
fn a_segment_of_another_format_version_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        store
            .append(&coord("versioned"), EventKind::custom(1, 1), &1u8)
            .unwrap();
    }
    let seg = segment_files(dir.path()).pop().unwrap();
    let current = std::fs::read(&seg).unwrap();
    // The header's format_version (offset 8), re-sealed with a valid CRC
    // (offset 28, over bytes 0..28): an intact header of another version.
    for version in [1u16, 3] {
        let mut bytes = current.clone();
        bytes[8..10].copy_from_slice(&version.to_le_bytes());
        let crc = crc32fast::hash(&bytes[..28]);
        bytes[28..32].copy_from_slice(&crc.to_le_bytes());
        std::fs::write(&seg, &bytes).unwrap();
        for repair in [false, true] {
            let err = Store::open(StoreConfig::new(dir.path()).repair_on_open(repair)).unwrap_err();
            match &err {
                OpenError::UnsupportedFormat {
                    file,
                    found,
                    supported,
                } => {
                    assert_eq!(file, &seg);
                    assert_eq!(*found, version);
                    assert_eq!(*supported, 2);
                }
                other => panic!("expected UnsupportedFormat, got {other}"),
            }
            assert!(
                err.to_string().contains("batpak version that wrote it"),
                "{err}"
            );
            assert_eq!(std::fs::read(&seg).unwrap(), bytes, "nothing was changed");
            assert_eq!(
                segment_files(dir.path()),
                vec![seg.clone()],
                "nothing moved aside"
            );
        }
    }
    std::fs::write(&seg, &current).unwrap();
    assert_eq!(open(dir.path()).len(), 1);
}

#[test]
fn a_file_larger_than_any_segment_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    // A sparse file: no disk space, and never read into memory.
    let oversized = dir.path().join("0000000001.seg");
    let file = std::fs::File::create(&oversized).unwrap();
    file.set_len(u64::from(u32::MAX) + 1).unwrap();
    drop(file);
    let err = Store::open(StoreConfig::new(dir.path())).unwrap_err();
    match &err {
        OpenError::NotASegment { file, len, max } => {
            assert_eq!(file, &oversized);
            assert_eq!(*len, u64::from(u32::MAX) + 1);
            assert_eq!(*max, u64::from(u32::MAX));
        }
        other => panic!("expected NotASegment, got {other}"),
    }
    assert!(err
        .to_string()
        .contains("Move it out of the store directory"));
    assert_eq!(
        std::fs::metadata(&oversized).unwrap().len(),
        u64::from(u32::MAX) + 1,
        "nothing was changed"
    );
}
