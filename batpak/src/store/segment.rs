//! Segment files: naming, creation, and the recovery scan that walks a
//! segment's frames, checks their structure and hands every complete frame's
//! events to the caller (docs/FORMAT.md "Commit and recovery argument").

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64};

use crate::coordinate::Coordinate;

use super::frame::{
    self, EventFields, FormatError, FrameProblem, RecordTag, SegmentHeader, COMMIT_PREFIX_LEN,
    SEGMENT_HEADER_LEN,
};
use super::io::StoreIo;
use super::map::SegmentMap;

/// Extension of segment files.
pub(crate) const SEGMENT_EXT: &str = "seg";
/// Extension given to segments moved aside by a repair.
pub(crate) const DAMAGED_EXT: &str = "seg.damaged";

/// An open segment file shared by the writer and readers.
#[derive(Debug)]
pub(crate) struct SegmentFile {
    pub(crate) path: PathBuf,
    pub(crate) number: u32,
    pub(crate) file: File,
    /// Bytes that hold published frames; they never change again.
    pub(crate) published_len: AtomicU64,
    /// No more frames will be added (not the active segment).
    pub(crate) sealed: AtomicBool,
    /// The memory map queries read through (`StoreConfig::mapped_reads`),
    /// made on first use.
    pub(crate) map: SegmentMap,
}

impl SegmentFile {
    pub(crate) fn new(path: PathBuf, number: u32, file: File, published_len: u64) -> SegmentFile {
        SegmentFile {
            path,
            number,
            file,
            published_len: AtomicU64::new(published_len),
            sealed: AtomicBool::new(false),
            map: SegmentMap::default(),
        }
    }
}

/// The path of segment `number` in `dir`.
pub(crate) fn segment_path(dir: &Path, number: u32) -> PathBuf {
    dir.join(format!("{number:010}.{SEGMENT_EXT}"))
}

/// The segment files in `dir`, sorted by number. Other files are ignored.
pub(crate) fn list_segments(dir: &Path) -> io::Result<Vec<(u32, PathBuf)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name.strip_suffix(".seg") else {
            continue;
        };
        if stem.len() == 10 && stem.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(number) = stem.parse::<u32>() {
                found.push((number, entry.path()));
            }
        }
    }
    found.sort_unstable_by_key(|(n, _)| *n);
    Ok(found)
}

/// Creates segment `number` with its header, synced, and syncs the
/// directory so the new file survives a crash.
pub(crate) fn create_segment(
    io: &dyn StoreIo,
    dir: &Path,
    number: u32,
    first_global_sequence: u64,
) -> io::Result<SegmentFile> {
    let path = segment_path(dir, number);
    let file = io.create(&path)?;
    let header = SegmentHeader {
        segment_number: number,
        first_global_sequence,
    };
    io.write_at(&file, &header.encode(), 0)?;
    io.sync_data(&file)?;
    io.sync_dir(dir)?;
    Ok(SegmentFile::new(
        path,
        number,
        file,
        SEGMENT_HEADER_LEN as u64,
    ))
}

/// Limits a scan trusts lengths up to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanLimits {
    pub(crate) max_frame_body: u64,
    pub(crate) max_payload: u64,
}

/// One event of a scanned frame.
#[derive(Debug)]
pub(crate) struct ScannedEvent<'a> {
    pub(crate) fields: EventFields,
    pub(crate) payload: &'a [u8],
    /// Offset of the event record in the file.
    pub(crate) offset: u32,
    /// Length of the event record.
    pub(crate) len: u32,
    /// Position of its coordinate in the segment's table.
    pub(crate) local_coord: u32,
}

/// How a segment scan ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScanEnd {
    /// Every byte belongs to a valid frame.
    Clean,
    /// The bytes from `offset` to the end look like an interrupted write.
    Torn { offset: u64, reason: FormatError },
    /// Damage at `offset` that is not a torn tail.
    Damaged { offset: u64, reason: FormatError },
    /// An intact frame (or payload) longer than the configured limits: the
    /// store was written with larger limits.
    OverLimit { offset: u64, reason: FormatError },
}

/// The result of scanning one segment.
#[derive(Debug)]
pub(crate) struct Scan {
    /// Bytes up to the end of the last valid frame.
    pub(crate) valid_len: u64,
    /// The segment's coordinate table (local id = position).
    pub(crate) coords: Vec<Coordinate>,
    /// Global sequence after the last valid event.
    pub(crate) next_global_sequence: u64,
    pub(crate) end: ScanEnd,
}

/// Scans the frames of a segment whose whole content is `bytes` (header
/// already checked), calling `on_frame` with each complete, valid frame's
/// events and the segment's coordinate table so far.
pub(crate) fn scan_frames(
    bytes: &[u8],
    header: &SegmentHeader,
    limits: ScanLimits,
    mut on_frame: impl FnMut(&[ScannedEvent<'_>], &[Coordinate]),
) -> Scan {
    let mut at = SEGMENT_HEADER_LEN;
    let mut coords: Vec<Coordinate> = Vec::new();
    let mut next_seq = header.first_global_sequence;
    let mut events: Vec<ScannedEvent<'_>> = Vec::new();
    let end = loop {
        if at == bytes.len() {
            break ScanEnd::Clean;
        }
        let rest = &bytes[at..];
        let view = match frame::read_frame(rest, limits.max_frame_body) {
            Ok(view) => view,
            Err(FrameProblem::Incomplete(reason)) => {
                break ScanEnd::Torn {
                    offset: at as u64,
                    reason,
                };
            }
            Err(FrameProblem::Bad(reason)) => {
                break classify_bad_frame(rest, at as u64, reason);
            }
            Err(FrameProblem::OverLimit(reason)) => {
                break ScanEnd::OverLimit {
                    offset: at as u64,
                    reason,
                };
            }
        };
        events.clear();
        let defined_before = coords.len();
        match parse_commit(
            view.tag,
            view.body,
            at,
            &mut coords,
            next_seq,
            limits,
            &mut events,
        ) {
            Ok(next) => {
                next_seq = next;
                on_frame(&events, &coords);
                at += view.len;
            }
            Err(reason) => {
                coords.truncate(defined_before);
                let offset = at as u64;
                break match reason {
                    FormatError::TooLong {
                        what: "payload", ..
                    } => ScanEnd::OverLimit { offset, reason },
                    reason => ScanEnd::Damaged { offset, reason },
                };
            }
        }
    };
    Scan {
        valid_len: at as u64,
        coords,
        next_global_sequence: next_seq,
        end,
    }
}

/// A complete frame that fails its checks is a torn tail only if it reaches
/// the end of the file exactly or only zero bytes follow its start.
fn classify_bad_frame(rest: &[u8], offset: u64, reason: FormatError) -> ScanEnd {
    let declared_end =
        frame::checked_body_len(rest).map(|len| frame::FRAME_HEADER_LEN as u64 + u64::from(len));
    let reaches_end = declared_end == Some(rest.len() as u64);
    if reaches_end || rest.iter().all(|&b| b == 0) {
        ScanEnd::Torn { offset, reason }
    } else {
        ScanEnd::Damaged { offset, reason }
    }
}

/// Parses a frame body; returns the next global sequence.
fn parse_commit<'a>(
    tag: RecordTag,
    body: &'a [u8],
    frame_offset: usize,
    coords: &mut Vec<Coordinate>,
    mut next_seq: u64,
    limits: ScanLimits,
    events: &mut Vec<ScannedEvent<'a>>,
) -> Result<u64, FormatError> {
    match tag {
        RecordTag::Commit => {}
    }
    let (intern_count, event_count) = frame::read_commit_prefix(body)?;
    if event_count == 0 {
        return Err(FormatError::Invalid("commit frame holds no events".into()));
    }
    let mut at = COMMIT_PREFIX_LEN;
    for _ in 0..intern_count {
        let def = frame::read_coord_def(&body[at..])?;
        if def.local_id as usize != coords.len() {
            return Err(FormatError::Invalid(format!(
                "coordinate definition number {} out of order (expected {})",
                def.local_id,
                coords.len()
            )));
        }
        let coord = Coordinate::new(def.entity, def.scope)
            .map_err(|e| FormatError::Invalid(format!("bad stored coordinate: {e}")))?;
        coords.push(coord);
        at += def.len;
    }
    for _ in 0..event_count {
        let view = frame::read_event(&body[at..], limits.max_payload)?;
        let f = view.fields;
        if f.global_sequence != next_seq {
            return Err(FormatError::Invalid(format!(
                "global sequence {} where {next_seq} was expected",
                f.global_sequence
            )));
        }
        if f.coordinate_ref as usize >= coords.len() {
            return Err(FormatError::Invalid(format!(
                "event refers to coordinate {} but only {} are defined",
                f.coordinate_ref,
                coords.len()
            )));
        }
        let offset = frame_offset + frame::FRAME_HEADER_LEN + at;
        let offset = u32::try_from(offset)
            .map_err(|_| FormatError::Invalid("event offset beyond 4 GiB".into()))?;
        events.push(ScannedEvent {
            fields: f,
            payload: view.payload,
            offset,
            len: view.len as u32,
            local_coord: f.coordinate_ref,
        });
        next_seq += 1;
        at += view.len;
    }
    if at != body.len() {
        return Err(FormatError::Invalid(format!(
            "{} unexpected bytes after the last event of the frame",
            body.len() - at
        )));
    }
    Ok(next_seq)
}
