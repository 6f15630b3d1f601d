//! Entry points into the segment and frame decoders for fuzzing and
//! property tests (re-exported as the hidden `batpak::__fuzz`). Not part of
//! the public API.
//!
//! Every decoder bounds a length before using it: a frame's `body_len` by
//! its CRC'd length check, by the frame limit and by the bytes present; a
//! payload by the payload limit and the frame body; names by 256. So no
//! input makes them allocate more than the frame limit, and the only
//! allocations are the small per-coordinate and per-event records.
//! `tests/alloc_bound.rs` measures it: the peak heap while decoding
//! segments whose CRC-sealed lengths claim 4 GiB.

use super::config::{DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_PAYLOAD_BYTES};
use super::frame::{self, FormatError, FrameProblem, SegmentHeader, SEGMENT_HEADER_LEN};
use super::segment::{self, ScanEnd, ScanLimits};

/// The limits the entry points decode with (the store's defaults).
pub const LIMITS: (u64, u64) = (
    DEFAULT_MAX_FRAME_BYTES as u64,
    DEFAULT_MAX_PAYLOAD_BYTES as u64,
);

fn limits() -> ScanLimits {
    ScanLimits {
        max_frame_body: LIMITS.0,
        max_payload: LIMITS.1,
    }
}

/// What a scan of one segment's bytes found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSummary {
    /// Valid events decoded.
    pub events: u64,
    /// Bytes up to the end of the last valid frame.
    pub valid_len: u64,
    /// Where a torn tail starts, and why it is one.
    pub torn: Option<(u64, FormatError)>,
    /// Where damage was found, and what.
    pub damaged: Option<(u64, FormatError)>,
}

/// Scans `bytes` as a whole segment file: header, then frames.
///
/// # Errors
///
/// The header's [`FormatError`].
pub fn scan_segment(bytes: &[u8]) -> Result<SegmentSummary, FormatError> {
    let header = SegmentHeader::decode(bytes)?;
    let mut events = 0u64;
    let scan = segment::scan_frames(bytes, &header, limits(), |evs, _| {
        events += evs.len() as u64;
    });
    let (torn, damaged) = match scan.end {
        ScanEnd::Clean => (None, None),
        ScanEnd::Torn { offset, reason } => (Some((offset, reason)), None),
        // A frame over the configured limit is refused like damage.
        ScanEnd::Damaged { offset, reason } | ScanEnd::OverLimit { offset, reason } => {
            (None, Some((offset, reason)))
        }
    };
    Ok(SegmentSummary {
        events,
        valid_len: scan.valid_len,
        torn,
        damaged,
    })
}

/// Decodes `bytes` as one frame (and its commit body, as the first frame of
/// a segment whose first global sequence is the first event's); returns
/// the number of events.
///
/// # Errors
///
/// The [`FormatError`] that makes it invalid.
pub fn decode_frame(bytes: &[u8]) -> Result<u64, FormatError> {
    let view = match frame::read_frame(bytes, LIMITS.0) {
        Ok(view) => view,
        Err(FrameProblem::Incomplete(e) | FrameProblem::Bad(e) | FrameProblem::OverLimit(e)) => {
            return Err(e)
        }
    };
    // Start the segment at the first event's sequence, if one is readable,
    // so a well-formed frame decodes whole.
    let first_seq = frame::read_commit_prefix(view.body)
        .ok()
        .and_then(|_| {
            let mut at = frame::COMMIT_PREFIX_LEN;
            let (interns, _) = frame::read_commit_prefix(view.body).ok()?;
            for _ in 0..interns {
                at += frame::read_coord_def(view.body.get(at..)?).ok()?.len;
            }
            frame::read_event(view.body.get(at..)?, LIMITS.1)
                .ok()
                .map(|e| e.fields.global_sequence)
        })
        .unwrap_or(0);
    let header = SegmentHeader {
        segment_number: 1,
        first_global_sequence: first_seq,
    };
    let mut segment = Vec::with_capacity(SEGMENT_HEADER_LEN + view.len);
    segment.extend_from_slice(&header.encode());
    segment.extend_from_slice(&bytes[..view.len]);
    let summary = scan_segment(&segment)?;
    match (summary.torn, summary.damaged) {
        (Some((_, e)), _) | (_, Some((_, e))) => Err(e),
        (None, None) => Ok(summary.events),
    }
}

/// Decodes `bytes` as one event record; returns its length.
///
/// # Errors
///
/// The [`FormatError`] that makes it invalid.
pub fn decode_event(bytes: &[u8]) -> Result<usize, FormatError> {
    frame::read_event(bytes, LIMITS.1).map(|view| view.len)
}
