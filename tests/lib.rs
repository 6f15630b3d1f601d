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
