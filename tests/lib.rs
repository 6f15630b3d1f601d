//! Shared helpers for batpak's integration tests; the tests themselves are
//! the other files in this folder, one per capability.

pub mod batch_support;
pub mod typestate_support;

use batpak::store::{Store, StoreConfig};
use batpak::{Coordinate, EventPayload};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Child;

/// A small typed payload (about 75 bytes of MessagePack with a typical
/// text), of kind (1, 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 1)]
pub struct Note {
    pub author: String,
    pub text: String,
    pub n: u64,
}

impl Note {
    pub fn new(n: u64) -> Note {
        Note {
            author: "tester".into(),
            text: format!("note number {n} with some words in it to pad"),
            n,
        }
    }
}

/// A coordinate in the "test" scope.
pub fn coord(entity: &str) -> Coordinate {
    Coordinate::new(entity, "test").unwrap()
}

/// Opens a store in `dir` with defaults.
pub fn open(dir: &Path) -> Store {
    Store::open(StoreConfig::new(dir)).unwrap()
}

/// The segment files of a store directory, in order.
pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    files.sort();
    files
}

/// Copies every file of `from` into `to` (a fresh directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// Reads a child's piped stdout line by line until `on_line` has counted
/// `lines` of them (it returns whether a line counts), kills the child
/// (SIGKILL on Unix: it dies wherever it is), then hands `on_line` the
/// whole lines already in the pipe, which were written before the kill.
pub fn kill_after_lines(child: &mut Child, lines: u64, mut on_line: impl FnMut(&str) -> bool) {
    let mut out = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut counted = 0;
    let mut line = String::new();
    while counted < lines {
        line.clear();
        let n = out.read_line(&mut line).unwrap();
        assert!(n > 0, "the child ended before {lines} lines");
        if on_line(&line) {
            counted += 1;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.ends_with('\n') {
            on_line(&line);
        }
    }
}

/// Opens a store with `config` (its segments small enough that 1200 notes
/// fill three or more), appends 1200 notes of one entity, cuts the second
/// segment file short behind the open store's back, and checks that the
/// entity's stream hands out the events read before the cut, then one
/// `ReadError::Io`, then nothing.
#[cfg(unix)]
pub fn a_cut_segment_ends_the_stream_with_one_error(config: StoreConfig, cut_to: u64) {
    let dir = config.dir().to_owned();
    let store = Store::open(config).unwrap();
    let c = coord("cut");
    for batch in 0..6u64 {
        let items = (0..200)
            .map(|i| batpak::store::BatchItem::typed(&c, &Note::new(batch * 200 + i)).unwrap())
            .collect();
        store.append_batch(items).unwrap();
    }
    store.sync().unwrap();
    let segments = segment_files(&dir);
    assert!(segments.len() >= 3);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segments[1])
        .unwrap()
        .set_len(cut_to)
        .unwrap();
    let mut stream = store.stream(&c);
    let mut read = 0u64;
    let error = loop {
        match stream.next().expect("the stream reports the error") {
            Ok(e) => {
                assert_eq!(e.header().entity_sequence, read);
                read += 1;
            }
            Err(e) => break e,
        }
    };
    assert!(read > 0, "the first segment's events come out first");
    assert!(
        matches!(error, batpak::store::ReadError::Io { .. }),
        "{error}"
    );
    assert!(stream.next().is_none(), "nothing after the error");
}
