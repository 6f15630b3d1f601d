//! Mapped reads ([`StoreConfig::mapped_reads`](super::StoreConfig::mapped_reads)):
//! queries read the published bytes of a segment through a read-only
//! memory map instead of copying them with `pread`.
//!
//! Why: an entity whose events lie among many others' (a busy store) is
//! read either by copying the neighbours' bytes too or by one system call
//! per record. A map touches only the records' own cache lines, and a
//! prefetch a few records ahead overlaps their memory misses
//! (docs/PERFORMANCE.md, "Fourth pass: mapped reads").
//!
//! This module holds the crate's only `unsafe` code: creating the map, and
//! the prefetch hint. What the map relies on, and what happens when it does
//! not hold, is written at [`map_published`].

use std::fs::File;
use std::io;
use std::sync::{Arc, PoisonError, RwLock};

use memmap2::Mmap;

use super::segment::SegmentFile;

/// An active segment's map is remade only once this many published bytes
/// lie beyond it; until then the newest records are read with `pread`. A
/// cursor polling the newest events would otherwise remap (a system call
/// and fresh page faults) on every poll.
const REMAP_STEP: u64 = 1024 * 1024;

/// A segment's current map, if one was made: shared by the queries reading
/// through it, replaced (never changed) when the segment has grown.
#[derive(Debug, Default)]
pub(crate) struct SegmentMap {
    current: RwLock<Option<Arc<Mmap>>>,
}

impl SegmentMap {
    /// The segment's map, remade first if `end` lies beyond it and the
    /// segment has grown enough since (see [`REMAP_STEP`]). It may still
    /// end before `end`: bytes past it are read with `pread`. `None` if no
    /// map exists or can be made.
    pub(crate) fn reaching(&self, file: &SegmentFile, end: u64) -> Option<Arc<Mmap>> {
        let reaches = |m: &Arc<Mmap>| m.len() as u64 >= end;
        if let Some(map) = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|m| reaches(m))
        {
            return Some(Arc::clone(map));
        }
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        // Acquire: the published bytes were written before the length.
        let published = file
            .published_len
            .load(std::sync::atomic::Ordering::Acquire);
        let have = current.as_ref().map_or(0, |m| m.len() as u64);
        let sealed = file.sealed.load(std::sync::atomic::Ordering::Acquire);
        let worth_it = published > have && (sealed || published - have >= REMAP_STEP);
        if end > have && worth_it {
            // A map that cannot be made (address space, an unusual file
            // system) is not an error: the bytes are read with `pread`.
            if let Ok(map) = map_published(&file.file, published) {
                *current = Some(Arc::new(map));
            }
        }
        current.clone()
    }
}

/// Maps the first `len` bytes of a segment file, read-only.
///
/// Fails, rather than map past the end, if the file is shorter than `len`
/// (it was cut by something other than this store).
fn map_published(file: &File, len: u64) -> io::Result<Mmap> {
    if file.metadata()?.len() < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "segment file is shorter than its published bytes",
        ));
    }
    let len = usize::try_from(len).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    #[expect(
        unsafe_code,
        reason = "mapped reads: measured in docs/PERFORMANCE.md, off by default"
    )]
    // SAFETY: `Mmap` hands out `&[u8]` over the file's bytes, which is sound
    // only while nobody changes or shortens those bytes. This store never
    // does: the bytes mapped are published (complete frames, written before
    // `published_len` was raised), the store appends only after them, and it
    // truncates files only while opening, before any map exists. The
    // directory's `LOCK` keeps another batpak store (in this process or
    // another) from opening it meanwhile. What it cannot stop is another
    // program changing the files, or the disk failing under a mapped page:
    // then a read may see changed bytes (caught by the CRC and decoding
    // checks as for `pread`) or the process gets SIGBUS instead of a
    // `ReadError`. That is the trade users accept with `mapped_reads(true)`,
    // documented there.
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) };
    map
}

/// Hints the processor to fetch the cache lines of `record` (up to its
/// first 256 bytes) before they are read. A hint only: it never faults and
/// changes no result.
pub(crate) fn prefetch(record: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        const LINE: usize = 64;
        let start = record.as_ptr();
        // The lines the record touches: from its first byte's line to its
        // last byte's (a 94-byte record may span three).
        let last = record.len().min(256).saturating_sub(1);
        let lines = ((start as usize % LINE) + last) / LINE + 1;
        for line in 0..lines {
            let at = start.wrapping_add(line * LINE);
            #[expect(
                unsafe_code,
                reason = "a prefetch hint: measured in docs/PERFORMANCE.md"
            )]
            // SAFETY: `_mm_prefetch` needs SSE, which every x86_64
            // processor has (it is in the target's baseline). It never
            // dereferences the pointer as far as the program can tell: it
            // only hints the cache and is dropped for an address that is not
            // mapped. `wrapping_add` makes no claim that the address lies in
            // `record`.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(at.cast());
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = record;
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::atomic::Ordering;

    use super::*;

    /// A segment file of `len` bytes (each byte its offset mod 251) with
    /// `published` of them published.
    fn segment(dir: &std::path::Path, len: u64, published: u64) -> SegmentFile {
        let path = dir.join("0000000000.seg");
        let mut file = File::create(&path).unwrap();
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        file.write_all(&bytes).unwrap();
        let file = File::open(&path).unwrap();
        SegmentFile::new(path, 0, file, published)
    }

    #[test]
    fn an_active_segment_is_mapped_and_remapped_in_steps() {
        let dir = tempfile::tempdir().unwrap();
        let seg = segment(dir.path(), 4 * REMAP_STEP, REMAP_STEP / 2);
        // Too little published to be worth a map: read with pread.
        assert!(seg.map.reaching(&seg, 100).is_none());
        seg.published_len.store(REMAP_STEP + 10, Ordering::Release);
        let first = seg.map.reaching(&seg, 100).unwrap();
        assert_eq!(
            first.len() as u64,
            REMAP_STEP + 10,
            "maps what is published"
        );
        assert_eq!(first[300], (300 % 251) as u8);
        // Grown by less than a step: the same map, ending before `end`.
        seg.published_len.store(2 * REMAP_STEP, Ordering::Release);
        let same = seg.map.reaching(&seg, REMAP_STEP + 20).unwrap();
        assert!(Arc::ptr_eq(&first, &same));
        // A full step more: remapped, and queries holding the old map keep it.
        seg.published_len
            .store(2 * REMAP_STEP + 10, Ordering::Release);
        let second = seg.map.reaching(&seg, REMAP_STEP + 20).unwrap();
        assert_eq!(second.len() as u64, 2 * REMAP_STEP + 10);
        assert_eq!(first.len() as u64, REMAP_STEP + 10);
        // Never past what is published.
        let beyond = seg.map.reaching(&seg, 3 * REMAP_STEP).unwrap();
        assert_eq!(beyond.len() as u64, 2 * REMAP_STEP + 10);
    }

    #[test]
    fn a_sealed_segment_is_mapped_whole_however_little_it_grew() {
        let dir = tempfile::tempdir().unwrap();
        let seg = segment(dir.path(), 1000, 600);
        seg.sealed.store(true, Ordering::Release);
        assert_eq!(seg.map.reaching(&seg, 10).unwrap().len(), 600);
        // Its last frames published after it was sealed.
        seg.published_len.store(1000, Ordering::Release);
        let map = seg.map.reaching(&seg, 900).unwrap();
        assert_eq!(map.len(), 1000);
        assert_eq!(map[999], (999 % 251) as u8);
    }

    #[test]
    fn a_file_shorter_than_its_published_bytes_is_not_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let seg = segment(dir.path(), 1000, 600);
        seg.sealed.store(true, Ordering::Release);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&seg.path)
            .unwrap()
            .set_len(500)
            .unwrap();
        assert!(
            seg.map.reaching(&seg, 10).is_none(),
            "pread reports the cut"
        );
    }
}
