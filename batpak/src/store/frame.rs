//! Bytes on disk: the segment header, frames, coordinate definitions, event
//! records and (in `frame/hash.rs`) the chain-hash input, exactly as
//! docs/FORMAT.md tables them.
//!
//! Everything here is pure encode/decode over byte slices; no file I/O.

use crate::event::{EventHash, EventHeader, EventKind};
use crate::id::{CausationId, CorrelationId, EventId};

use super::IdempotencyKey;

mod hash;

pub(crate) use hash::chain_hash;
#[cfg(test)]
use hash::CHAIN_KEY;

// ---- segment header (FORMAT.md "Segment header") ----
/// The segment magic.
pub(crate) const SEGMENT_MAGIC: [u8; 8] = *b"BATPAKSG";
/// The format version this build writes and reads.
pub(crate) const FORMAT_VERSION: u16 = 2;
const SH_MAGIC: usize = 0;
const SH_VERSION: usize = SH_MAGIC + 8;
const SH_HEADER_LEN: usize = SH_VERSION + 2;
const SH_NUMBER: usize = SH_HEADER_LEN + 2;
const SH_FIRST_SEQ: usize = SH_NUMBER + 4;
const SH_RESERVED: usize = SH_FIRST_SEQ + 8;
const SH_CRC: usize = SH_RESERVED + 4;
/// Size of the segment header.
pub(crate) const SEGMENT_HEADER_LEN: usize = SH_CRC + 4;

// ---- frame (FORMAT.md "Frame") ----
const FR_BODY_LEN: usize = 0;
const FR_LEN_CHECK: usize = FR_BODY_LEN + 4;
const FR_CRC: usize = FR_LEN_CHECK + 4;
const FR_TAG: usize = FR_CRC + 4;
/// Size of a frame's header (length, length check, CRC, tag).
pub(crate) const FRAME_HEADER_LEN: usize = FR_TAG + 1;

// ---- commit body ----
const CB_INTERN_COUNT: usize = 0;
const CB_EVENT_COUNT: usize = CB_INTERN_COUNT + 4;
/// Size of the fixed start of a commit body.
pub(crate) const COMMIT_PREFIX_LEN: usize = CB_EVENT_COUNT + 4;

// ---- event record ----
const EV_ID: usize = 0;
const EV_GLOBAL_SEQ: usize = EV_ID + 16;
const EV_ENTITY_SEQ: usize = EV_GLOBAL_SEQ + 8;
const EV_TIMESTAMP: usize = EV_ENTITY_SEQ + 8;
const EV_KIND: usize = EV_TIMESTAMP + 8;
const EV_VERSION: usize = EV_KIND + 2;
const EV_COORD_REF: usize = EV_VERSION + 2;
const EV_FLAGS: usize = EV_COORD_REF + 4;
const EV_PAYLOAD_LEN: usize = EV_FLAGS + 1;
const EV_HASH: usize = EV_PAYLOAD_LEN + 4;
/// Offset of the hash inside an event record.
pub(crate) const EVENT_HASH_OFFSET: usize = EV_HASH;
/// Size of an event record's fixed part (before optional ids and payload).
pub(crate) const EVENT_FIXED_LEN: usize = EV_HASH + 32;

/// Flag: a correlation id follows the fixed part.
pub(crate) const FLAG_CORRELATION: u8 = 1 << 0;
/// Flag: a causation id follows.
pub(crate) const FLAG_CAUSATION: u8 = 1 << 1;
/// Flag: an idempotency key follows.
pub(crate) const FLAG_IDEMPOTENCY: u8 = 1 << 2;
const KNOWN_FLAGS: u8 = FLAG_CORRELATION | FLAG_CAUSATION | FLAG_IDEMPOTENCY;

/// A record tag: the byte after a frame's CRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum RecordTag {
    /// One commit unit: interned coordinates and 1..N events.
    Commit = 0x01,
}

impl TryFrom<u8> for RecordTag {
    type Error = FormatError;

    fn try_from(byte: u8) -> Result<Self, FormatError> {
        match byte {
            0x01 => Ok(RecordTag::Commit),
            other => Err(FormatError::UnknownTag { tag: other }),
        }
    }
}

/// Why bytes are not a valid record of the documented format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Fewer bytes than the structure needs.
    #[error("record is cut short: needs {needed} bytes, {available} present")]
    Truncated {
        /// Bytes the structure needs.
        needed: u64,
        /// Bytes present.
        available: u64,
    },
    /// The segment header does not start with the magic bytes.
    #[error("not a batpak segment (bad magic bytes)")]
    BadMagic,
    /// The segment was written by a newer (or unknown) format version.
    #[error(
        "segment format version {found} is not supported (this build reads version {supported})"
    )]
    UnsupportedVersion {
        /// Version on disk.
        found: u16,
        /// Version this build reads.
        supported: u16,
    },
    /// A checksum did not match.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    BadChecksum {
        /// CRC on disk.
        stored: u32,
        /// CRC of the bytes.
        computed: u32,
    },
    /// A frame's length does not match its length check.
    #[error("frame length check mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    BadLengthCheck {
        /// Check on disk.
        stored: u32,
        /// Check of the stored length.
        computed: u32,
    },
    /// A length field is larger than the configured limit.
    #[error("{what} length {len} is over the limit of {limit} bytes")]
    TooLong {
        /// Which length.
        what: &'static str,
        /// The length on disk.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// An unknown record tag.
    #[error("unknown record tag {tag:#04x}")]
    UnknownTag {
        /// The tag byte.
        tag: u8,
    },
    /// Any other structural rule of FORMAT.md was broken.
    #[error("invalid record: {0}")]
    Invalid(String),
}

fn need(bytes: &[u8], len: usize) -> Result<(), FormatError> {
    if bytes.len() < len {
        return Err(FormatError::Truncated {
            needed: len as u64,
            available: bytes.len() as u64,
        });
    }
    Ok(())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(raw)
}

fn array_at<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut raw = [0u8; N];
    raw.copy_from_slice(&b[at..at + N]);
    raw
}

// ---------------------------------------------------------------------------
// Segment header

/// The decoded segment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentHeader {
    pub(crate) segment_number: u32,
    pub(crate) first_global_sequence: u64,
}

impl SegmentHeader {
    pub(crate) fn encode(&self) -> [u8; SEGMENT_HEADER_LEN] {
        let mut b = [0u8; SEGMENT_HEADER_LEN];
        b[SH_MAGIC..SH_VERSION].copy_from_slice(&SEGMENT_MAGIC);
        b[SH_VERSION..SH_HEADER_LEN].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        b[SH_HEADER_LEN..SH_NUMBER].copy_from_slice(&(SEGMENT_HEADER_LEN as u16).to_le_bytes());
        b[SH_NUMBER..SH_FIRST_SEQ].copy_from_slice(&self.segment_number.to_le_bytes());
        b[SH_FIRST_SEQ..SH_RESERVED].copy_from_slice(&self.first_global_sequence.to_le_bytes());
        let crc = crc32fast::hash(&b[..SH_CRC]);
        b[SH_CRC..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    pub(crate) fn decode(b: &[u8]) -> Result<SegmentHeader, FormatError> {
        need(b, SEGMENT_HEADER_LEN)?;
        if b[SH_MAGIC..SH_VERSION] != SEGMENT_MAGIC {
            return Err(FormatError::BadMagic);
        }
        let stored = u32_at(b, SH_CRC);
        let computed = crc32fast::hash(&b[..SH_CRC]);
        if stored != computed {
            return Err(FormatError::BadChecksum { stored, computed });
        }
        let version = u16_at(b, SH_VERSION);
        if version != FORMAT_VERSION {
            return Err(FormatError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if usize::from(u16_at(b, SH_HEADER_LEN)) != SEGMENT_HEADER_LEN {
            return Err(FormatError::Invalid(format!(
                "segment header length {} is not {SEGMENT_HEADER_LEN}",
                u16_at(b, SH_HEADER_LEN)
            )));
        }
        Ok(SegmentHeader {
            segment_number: u32_at(b, SH_NUMBER),
            first_global_sequence: u64_at(b, SH_FIRST_SEQ),
        })
    }
}

// ---------------------------------------------------------------------------
// Frames

/// Starts a frame at the end of `buf`; returns where it starts. Finish it
/// with [`finish_frame`] once the body is written.
pub(crate) fn begin_frame(buf: &mut Vec<u8>, tag: RecordTag) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&[0u8; FRAME_HEADER_LEN]);
    buf[start + FR_TAG] = tag as u8;
    start
}

/// Fills in the length and CRC of the frame begun at `start`.
pub(crate) fn finish_frame(buf: &mut [u8], start: usize) -> Result<(), FormatError> {
    let body_len = buf.len() - start - FRAME_HEADER_LEN;
    let body_len = u32::try_from(body_len).map_err(|_| FormatError::TooLong {
        what: "frame body",
        len: body_len as u64,
        limit: u64::from(u32::MAX),
    })?;
    buf[start + FR_BODY_LEN..start + FR_LEN_CHECK].copy_from_slice(&body_len.to_le_bytes());
    buf[start + FR_LEN_CHECK..start + FR_CRC].copy_from_slice(&len_check(body_len).to_le_bytes());
    let crc = crc32fast::hash(&buf[start + FR_TAG..]);
    buf[start + FR_CRC..start + FR_TAG].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// A checked frame: its tag and body.
#[derive(Debug)]
pub(crate) struct FrameView<'a> {
    pub(crate) tag: RecordTag,
    pub(crate) body: &'a [u8],
    /// Total bytes of the frame, header included.
    pub(crate) len: usize,
}

/// Why a frame at some offset could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameProblem {
    /// The frame runs past the end of the bytes (declared length too long for
    /// what is present, or fewer than a header's worth of bytes).
    Incomplete(FormatError),
    /// The frame is complete but wrong (bad CRC, tag, or over the limit).
    Bad(FormatError),
    /// The frame is intact (its CRC holds) but longer than the configured
    /// limit: written with a larger limit.
    OverLimit(FormatError),
}

/// The check stored beside a frame's length: CRC32 of its 4 bytes, so a
/// damaged length is recognised before it is used to find the frame's end.
pub(crate) fn len_check(body_len: u32) -> u32 {
    crc32fast::hash(&body_len.to_le_bytes())
}

/// The body length of the frame at the start of `bytes`, if its header is
/// present and its length check holds.
pub(crate) fn checked_body_len(bytes: &[u8]) -> Option<u32> {
    if bytes.len() < FR_CRC {
        return None;
    }
    let body_len = u32_at(bytes, FR_BODY_LEN);
    (len_check(body_len) == u32_at(bytes, FR_LEN_CHECK)).then_some(body_len)
}

/// Reads the frame at the start of `bytes`, checking its length (against
/// its check and `max_body`) and its CRC.
pub(crate) fn read_frame(bytes: &[u8], max_body: u64) -> Result<FrameView<'_>, FrameProblem> {
    need(bytes, FRAME_HEADER_LEN).map_err(FrameProblem::Incomplete)?;
    let stored_len = u32_at(bytes, FR_BODY_LEN);
    let stored_check = u32_at(bytes, FR_LEN_CHECK);
    let computed_check = len_check(stored_len);
    if stored_check != computed_check {
        return Err(FrameProblem::Bad(FormatError::BadLengthCheck {
            stored: stored_check,
            computed: computed_check,
        }));
    }
    let body_len = u64::from(stored_len);
    if body_len > max_body {
        let reason = FormatError::TooLong {
            what: "frame body",
            len: body_len,
            limit: max_body,
        };
        // The bytes are already in memory: if the whole frame is present and
        // its CRC holds, it is a real frame written under a larger limit, not
        // damage (and never a torn tail to cut off).
        let intact = usize::try_from(body_len)
            .ok()
            .and_then(|len| bytes.get(FR_TAG..FRAME_HEADER_LEN + len))
            .is_some_and(|covered| crc32fast::hash(covered) == u32_at(bytes, FR_CRC));
        return Err(if intact {
            FrameProblem::OverLimit(reason)
        } else {
            FrameProblem::Bad(reason)
        });
    }
    // Bounded by max_body (a usize-sized config value) above.
    let total = FRAME_HEADER_LEN + body_len as usize;
    need(bytes, total).map_err(FrameProblem::Incomplete)?;
    let stored = u32_at(bytes, FR_CRC);
    let computed = crc32fast::hash(&bytes[FR_TAG..total]);
    if stored != computed {
        return Err(FrameProblem::Bad(FormatError::BadChecksum {
            stored,
            computed,
        }));
    }
    let tag = RecordTag::try_from(bytes[FR_TAG]).map_err(FrameProblem::Bad)?;
    Ok(FrameView {
        tag,
        body: &bytes[FRAME_HEADER_LEN..total],
        len: total,
    })
}

// ---------------------------------------------------------------------------
// Commit body

/// Writes the fixed start of a commit body.
pub(crate) fn put_commit_prefix(buf: &mut Vec<u8>, intern_count: u32, event_count: u32) {
    buf.extend_from_slice(&intern_count.to_le_bytes());
    buf.extend_from_slice(&event_count.to_le_bytes());
}

/// Reads the fixed start of a commit body: (intern_count, event_count).
pub(crate) fn read_commit_prefix(body: &[u8]) -> Result<(u32, u32), FormatError> {
    need(body, COMMIT_PREFIX_LEN)?;
    Ok((u32_at(body, CB_INTERN_COUNT), u32_at(body, CB_EVENT_COUNT)))
}

/// Writes a coordinate definition.
pub(crate) fn put_coord_def(buf: &mut Vec<u8>, local_id: u32, entity: &str, scope: &str) {
    buf.extend_from_slice(&local_id.to_le_bytes());
    for s in [entity, scope] {
        // Coordinate names are at most MAX_NAME_LEN (256) bytes.
        buf.extend_from_slice(&(s.len() as u16).to_le_bytes());
        buf.extend_from_slice(s.as_bytes());
    }
}

/// A decoded coordinate definition; `len` is its size in bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CoordDef<'a> {
    pub(crate) local_id: u32,
    pub(crate) entity: &'a str,
    pub(crate) scope: &'a str,
    pub(crate) len: usize,
}

/// Reads a coordinate definition at the start of `b`.
pub(crate) fn read_coord_def(b: &[u8]) -> Result<CoordDef<'_>, FormatError> {
    need(b, 6)?;
    let local_id = u32_at(b, 0);
    let mut at = 4;
    let mut strs = [""; 2];
    for slot in &mut strs {
        need(b, at + 2)?;
        let len = usize::from(u16_at(b, at));
        at += 2;
        if len > crate::coordinate::MAX_NAME_LEN {
            return Err(FormatError::TooLong {
                what: "coordinate name",
                len: len as u64,
                limit: crate::coordinate::MAX_NAME_LEN as u64,
            });
        }
        need(b, at + len)?;
        *slot = std::str::from_utf8(&b[at..at + len])
            .map_err(|e| FormatError::Invalid(format!("coordinate name is not UTF-8: {e}")))?;
        at += len;
    }
    Ok(CoordDef {
        local_id,
        entity: strs[0],
        scope: strs[1],
        len: at,
    })
}

// ---------------------------------------------------------------------------
// Event records

/// An event record's fields (everything but the payload bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventFields {
    pub(crate) event_id: EventId,
    pub(crate) global_sequence: u64,
    pub(crate) entity_sequence: u64,
    pub(crate) timestamp_micros: u64,
    pub(crate) kind: EventKind,
    pub(crate) payload_version: u16,
    pub(crate) coordinate_ref: u32,
    pub(crate) hash: EventHash,
    /// `None` when the correlation id is the event id.
    pub(crate) correlation_id: Option<CorrelationId>,
    pub(crate) causation_id: Option<CausationId>,
    pub(crate) idempotency_key: Option<IdempotencyKey>,
}

impl EventFields {
    /// The public header these fields describe.
    pub(crate) fn header(&self) -> EventHeader {
        EventHeader {
            event_id: self.event_id,
            global_sequence: self.global_sequence,
            entity_sequence: self.entity_sequence,
            timestamp_micros: self.timestamp_micros,
            kind: self.kind,
            payload_version: self.payload_version,
            correlation_id: self.resolved_correlation(),
            causation_id: self.causation_id,
        }
    }

    /// The correlation id, resolved (the event id when none was stored).
    pub(crate) fn resolved_correlation(&self) -> CorrelationId {
        self.correlation_id
            .unwrap_or_else(|| CorrelationId::from(self.event_id))
    }

    /// The optional ids in the order a record stores them (and the chain
    /// hash hashes them): correlation id, causation id, idempotency key.
    pub(crate) fn optional_ids(&self) -> [Option<[u8; 16]>; 3] {
        [
            self.correlation_id.map(|id| id.to_bytes()),
            self.causation_id.map(|id| id.to_bytes()),
            self.idempotency_key.map(|key| *key.as_bytes()),
        ]
    }

    /// Size of the record with a payload of `payload_len` bytes.
    pub(crate) fn record_len(&self, payload_len: usize) -> usize {
        EVENT_FIXED_LEN
            + 16 * (usize::from(self.correlation_id.is_some())
                + usize::from(self.causation_id.is_some())
                + usize::from(self.idempotency_key.is_some()))
            + payload_len
    }
}

/// The flags byte of an event record: which optional ids follow.
pub(crate) fn event_flags(f: &EventFields) -> u8 {
    let mut flags = 0u8;
    if f.correlation_id.is_some() {
        flags |= FLAG_CORRELATION;
    }
    if f.causation_id.is_some() {
        flags |= FLAG_CAUSATION;
    }
    if f.idempotency_key.is_some() {
        flags |= FLAG_IDEMPOTENCY;
    }
    flags
}

/// Appends an event record to `buf`.
pub(crate) fn put_event(buf: &mut Vec<u8>, f: &EventFields, payload: &[u8]) {
    let flags = event_flags(f);
    buf.reserve(f.record_len(payload.len()));
    buf.extend_from_slice(&f.event_id.to_bytes());
    buf.extend_from_slice(&f.global_sequence.to_le_bytes());
    buf.extend_from_slice(&f.entity_sequence.to_le_bytes());
    buf.extend_from_slice(&f.timestamp_micros.to_le_bytes());
    buf.extend_from_slice(&f.kind.to_raw().to_le_bytes());
    buf.extend_from_slice(&f.payload_version.to_le_bytes());
    buf.extend_from_slice(&f.coordinate_ref.to_le_bytes());
    buf.push(flags);
    // Payload length is bounded by the payload limit (a u32) before encoding.
    buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    buf.extend_from_slice(f.hash.as_bytes());
    for id in f.optional_ids().into_iter().flatten() {
        buf.extend_from_slice(&id);
    }
    buf.extend_from_slice(payload);
}

/// A decoded event record borrowing its payload.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EventView<'a> {
    pub(crate) fields: EventFields,
    pub(crate) payload: &'a [u8],
    /// Size of the whole record.
    pub(crate) len: usize,
}

/// Reads the event record at the start of `b`, refusing a payload longer than
/// `max_payload`.
pub(crate) fn read_event(b: &[u8], max_payload: u64) -> Result<EventView<'_>, FormatError> {
    need(b, EVENT_FIXED_LEN)?;
    let flags = b[EV_FLAGS];
    if flags & !KNOWN_FLAGS != 0 {
        return Err(FormatError::Invalid(format!(
            "unknown event flags {flags:#04x}"
        )));
    }
    let payload_len = u64::from(u32_at(b, EV_PAYLOAD_LEN));
    if payload_len > max_payload {
        return Err(FormatError::TooLong {
            what: "payload",
            len: payload_len,
            limit: max_payload,
        });
    }
    let mut at = EVENT_FIXED_LEN;
    let mut optional = |present: bool| -> Result<Option<[u8; 16]>, FormatError> {
        if !present {
            return Ok(None);
        }
        need(b, at + 16)?;
        let raw = array_at::<16>(b, at);
        at += 16;
        Ok(Some(raw))
    };
    let correlation = optional(flags & FLAG_CORRELATION != 0)?;
    let causation = optional(flags & FLAG_CAUSATION != 0)?;
    let key = optional(flags & FLAG_IDEMPOTENCY != 0)?;
    // Bounded by max_payload above.
    let end = at + payload_len as usize;
    need(b, end)?;
    let fields = EventFields {
        event_id: EventId::from_bytes(array_at(b, EV_ID)),
        global_sequence: u64_at(b, EV_GLOBAL_SEQ),
        entity_sequence: u64_at(b, EV_ENTITY_SEQ),
        timestamp_micros: u64_at(b, EV_TIMESTAMP),
        kind: EventKind::from_raw(u16_at(b, EV_KIND)),
        payload_version: u16_at(b, EV_VERSION),
        coordinate_ref: u32_at(b, EV_COORD_REF),
        hash: EventHash(array_at(b, EV_HASH)),
        correlation_id: correlation.map(CorrelationId::from_bytes),
        causation_id: causation.map(CausationId::from_bytes),
        idempotency_key: key.map(IdempotencyKey::from_bytes),
    };
    Ok(EventView {
        fields,
        payload: &b[at..end],
        len: end,
    })
}

#[cfg(test)]
mod tests;
