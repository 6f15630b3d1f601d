//! Opening a store: the directory lock, the recovery scan of every segment,
//! torn-tail truncation or repair, and rebuilding the index and the writer
//! state (docs/FORMAT.md "Commit and recovery argument").

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::coordinate::Coordinate;

use super::config::MAX_SEGMENT_SIZE;
use super::core::{fingerprint, Core, IdemRecord};
use super::error::OpenError;
use super::frame::{FormatError, SegmentHeader, SEGMENT_HEADER_LEN};
use super::index::{Index, IndexEntry};
use super::segment::{self, ScanEnd, ScanLimits, SegmentFile, DAMAGED_EXT};
use super::{AppendReceipt, IdempotencyKey, RecoveryReport, Shared, StoreConfig, TruncatedTail};

/// Pre-sizes the index while scanning: no event is smaller than this on
/// disk (85-byte record + a little framing), so the guess never falls short
/// and the index never regrows during open; the slack is given back after.
const EXPECTED_BYTES_PER_EVENT: usize = 90;

/// The name of the lock file in a store directory.
pub(crate) const LOCK_FILE: &str = "LOCK";

fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> OpenError + 'a {
    move |source| OpenError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

fn take_lock(dir: &Path) -> Result<File, OpenError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_err("open the lock file", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(OpenError::Locked {
            dir: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(source)) => Err(OpenError::Io {
            action: "lock",
            path,
            source,
        }),
    }
}

/// The last scanned segment: where the writer continues.
struct Tail {
    coords: Vec<Coordinate>,
    valid_len: u64,
}

/// Opens the store in `config.dir`.
pub(crate) fn open(config: StoreConfig) -> Result<Shared, OpenError> {
    let dir = config.dir.clone();
    std::fs::create_dir_all(&dir).map_err(io_err("create the store directory", &dir))?;
    let lock = take_lock(&dir)?;
    let io = Arc::clone(&config.io);
    let listed = segment::list_segments(&dir).map_err(io_err("list", &dir))?;
    let limits = ScanLimits {
        max_frame_body: config.max_frame_bytes as u64,
        max_payload: config.max_payload_bytes as u64,
    };

    let mut index = Index::default();
    let mut idempotency: HashMap<IdempotencyKey, IdemRecord> = HashMap::new();
    let mut segments: Vec<Arc<SegmentFile>> = Vec::new();
    let mut report = RecoveryReport::default();
    let mut tail: Option<Tail> = None;
    let mut next_seq = 0u64;
    let count = listed.len();

    let mut buffer: Vec<u8> = Vec::new();
    let mut at = 0;
    while at < count {
        let (number, path) = &listed[at];
        let is_last = at + 1 == count;
        at += 1;
        let damage = |offset: u64, reason: FormatError| OpenError::Corrupt {
            file: path.clone(),
            offset,
            reason,
        };
        // One buffer for every segment: fresh 64 MiB allocations per segment
        // cost page faults and zeroing for each.
        buffer.clear();
        let mut file = File::open(path).map_err(io_err("read", path))?;
        // Offsets in a segment are 32-bit (docs/FORMAT.md), so a larger file
        // is not a segment: refuse it before reading any of it.
        let len = file.metadata().map_err(io_err("read", path))?.len();
        if len > MAX_SEGMENT_SIZE {
            return Err(OpenError::NotASegment {
                file: path.clone(),
                len,
                max: MAX_SEGMENT_SIZE,
            });
        }
        file.read_to_end(&mut buffer)
            .map_err(io_err("read", path))?;
        let bytes = buffer.as_slice();
        let expected_number = segments.len() as u32 + 1;
        let header = SegmentHeader::decode(bytes).and_then(|h| {
            if h.segment_number != *number || *number != expected_number {
                Err(FormatError::Invalid(format!(
                    "segment number {} (file name {number}) where segment {expected_number} was expected",
                    h.segment_number
                )))
            } else if h.first_global_sequence != next_seq {
                Err(FormatError::Invalid(format!(
                    "segment starts at global sequence {} but the previous segments end at {next_seq}",
                    h.first_global_sequence
                )))
            } else {
                Ok(h)
            }
        });
        let header = match header {
            Ok(h) => h,
            Err(FormatError::UnsupportedVersion { found, supported }) => {
                // An intact header of another version: neither damage nor
                // a torn tail, so neither removed nor moved aside.
                return Err(OpenError::UnsupportedFormat {
                    file: path.clone(),
                    found,
                    supported,
                });
            }
            Err(reason) if is_last && header_is_torn(bytes) => {
                // A crash while creating the segment: it holds no events.
                io.remove(path)
                    .map_err(io_err("remove the torn segment", path))?;
                io.sync_dir(&dir).map_err(io_err("sync", &dir))?;
                report.truncated.push(TruncatedTail {
                    file: path.clone(),
                    offset: 0,
                    bytes_dropped: bytes.len() as u64,
                    reason: format!("{reason} (segment removed)"),
                    torn_tail: true,
                });
                break;
            }
            Err(_) if config.repair_on_open => {
                move_aside(&config, &listed[at - 1..], &mut report)?;
                break;
            }
            Err(reason) => return Err(damage(0, reason)),
        };
        let file = io.open_rw(path).map_err(io_err("open", path))?;
        let seg_pos = segments.len() as u32;
        index.reserve(bytes.len() / EXPECTED_BYTES_PER_EVENT);
        // Segment-local coordinate number → entity id.
        let mut local_entities: Vec<u32> = Vec::new();
        let scan = segment::scan_frames(bytes, &header, limits, |events, coords| {
            for coord in &coords[local_entities.len()..] {
                local_entities.push(index.add_entity(coord.clone()));
            }
            for ev in events {
                let coord = &coords[ev.local_coord as usize];
                let entity = local_entities[ev.local_coord as usize];
                let f = &ev.fields;
                index.push(
                    IndexEntry {
                        event_id: f.event_id.to_bytes(),
                        segment: seg_pos,
                        offset: ev.offset,
                        len: ev.len,
                        entity,
                        kind: f.kind.to_raw(),
                    },
                    f.hash,
                );
                if let Some(key) = f.idempotency_key {
                    idempotency.insert(
                        key,
                        IdemRecord {
                            fingerprint: fingerprint(coord, f.kind, f.payload_version, ev.payload),
                            receipt: AppendReceipt {
                                event_id: f.event_id,
                                global_sequence: f.global_sequence,
                                entity_sequence: f.entity_sequence,
                                hash: f.hash,
                                durable: true,
                                timestamp_micros: f.timestamp_micros,
                                kind: f.kind,
                            },
                        },
                    );
                }
            }
        });
        next_seq = scan.next_global_sequence;
        let mut stop = false;
        match scan.end {
            ScanEnd::Clean => {}
            ScanEnd::Torn { offset, reason } if is_last => {
                truncate(
                    &config,
                    &file,
                    path,
                    offset,
                    bytes.len() as u64,
                    reason,
                    true,
                    &mut report,
                )?;
            }
            ScanEnd::OverLimit { offset, reason } => {
                // Never repaired: the data is fine, the configuration is not.
                return Err(OpenError::LimitTooLow {
                    file: path.clone(),
                    offset,
                    reason,
                });
            }
            ScanEnd::Torn { offset, reason } | ScanEnd::Damaged { offset, reason } => {
                if !config.repair_on_open {
                    return Err(damage(offset, reason));
                }
                truncate(
                    &config,
                    &file,
                    path,
                    offset,
                    bytes.len() as u64,
                    reason,
                    false,
                    &mut report,
                )?;
                move_aside(&config, &listed[at..], &mut report)?;
                stop = true;
            }
        }
        let seg = SegmentFile::new(path.clone(), *number, file, scan.valid_len);
        if let Some(previous) = segments.last() {
            previous.sealed.store(true, Ordering::Release);
        }
        segments.push(Arc::new(seg));
        tail = Some(Tail {
            coords: scan.coords,
            valid_len: scan.valid_len,
        });
        if stop {
            break;
        }
    }

    if segments.is_empty() {
        let seg = segment::create_segment(io.as_ref(), &dir, 1, 0)
            .map_err(io_err("create the first segment in", &dir))?;
        segments.push(Arc::new(seg));
        tail = None;
    }
    let active_pos = segments.len() - 1;
    let active = Arc::clone(&segments[active_pos]);
    let (coords, write_offset) = match tail {
        Some(t) => (t.coords, t.valid_len),
        None => (Vec::new(), SEGMENT_HEADER_LEN as u64),
    };
    let mut core = Core::new(active, active_pos as u32, write_offset);
    for (local, coord) in coords.into_iter().enumerate() {
        let entity = index.add_entity(coord);
        core.intern(entity, local as u32);
    }
    for entity in index.entities() {
        let id = core.restore_entity(entity.coordinate.clone());
        for _ in 0..entity.events.len() {
            core.restore_head(id, entity.head);
        }
    }
    index.shrink_to_fit();
    core.next_global = index.len();
    core.idempotency = idempotency;
    report.events = index.len();
    Ok(Shared::new_shared(
        config, lock, index, segments, core, report,
    ))
}

/// Whether a last segment's header looks like an interrupted creation:
/// shorter than a header, or all zero where the header should be.
fn header_is_torn(bytes: &[u8]) -> bool {
    bytes.len() < SEGMENT_HEADER_LEN || bytes[..SEGMENT_HEADER_LEN].iter().all(|&b| b == 0)
}

#[allow(clippy::too_many_arguments)]
fn truncate(
    config: &StoreConfig,
    file: &File,
    path: &Path,
    offset: u64,
    file_len: u64,
    reason: FormatError,
    torn_tail: bool,
    report: &mut RecoveryReport,
) -> Result<(), OpenError> {
    config
        .io
        .set_len(file, offset)
        .map_err(io_err("truncate", path))?;
    config.io.sync_data(file).map_err(io_err("sync", path))?;
    report.truncated.push(TruncatedTail {
        file: path.to_path_buf(),
        offset,
        bytes_dropped: file_len - offset,
        reason: reason.to_string(),
        torn_tail,
    });
    Ok(())
}

/// Moves segments aside as `*.seg.damaged` (a repair never deletes data).
fn move_aside(
    config: &StoreConfig,
    rest: &[(u32, PathBuf)],
    report: &mut RecoveryReport,
) -> Result<(), OpenError> {
    for (_, path) in rest {
        let aside = path.with_extension(DAMAGED_EXT);
        config
            .io
            .rename(path, &aside)
            .map_err(io_err("move aside", path))?;
        report.moved_aside.push(aside);
    }
    config
        .io
        .sync_dir(&config.dir)
        .map_err(io_err("sync", &config.dir))?;
    Ok(())
}
