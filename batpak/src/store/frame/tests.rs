//! Golden bytes: every record type of docs/FORMAT.md, field by field.

use super::*;

fn id16(first: u8) -> [u8; 16] {
    let mut b = [0u8; 16];
    for (i, x) in b.iter_mut().enumerate() {
        *x = first + i as u8;
    }
    b
}

#[test]
fn segment_header_golden_bytes() {
    let header = SegmentHeader {
        segment_number: 2,
        first_global_sequence: 0x0102_0304_0506_0708,
    };
    let bytes = header.encode();
    let mut expected = Vec::new();
    expected.extend_from_slice(b"BATPAKSG"); // 0: magic
    expected.extend_from_slice(&[1, 0]); // 8: format_version = 1
    expected.extend_from_slice(&[32, 0]); // 10: header_len = 32
    expected.extend_from_slice(&[2, 0, 0, 0]); // 12: segment_number = 2
    expected.extend_from_slice(&[8, 7, 6, 5, 4, 3, 2, 1]); // 16: first_global_sequence
    expected.extend_from_slice(&[0, 0, 0, 0]); // 24: reserved
    let crc = crc32fast::hash(&expected);
    expected.extend_from_slice(&crc.to_le_bytes()); // 28: header_crc over 0..28
    assert_eq!(bytes.as_slice(), expected.as_slice());
    assert_eq!(SegmentHeader::decode(&bytes), Ok(header));
}

#[test]
fn segment_header_rejects_bad_magic_crc_and_version() {
    let good = SegmentHeader {
        segment_number: 1,
        first_global_sequence: 0,
    }
    .encode();
    let mut bad_magic = good;
    bad_magic[0] = b'X';
    assert_eq!(
        SegmentHeader::decode(&bad_magic),
        Err(FormatError::BadMagic)
    );
    let mut bad_crc = good;
    bad_crc[20] ^= 1;
    assert!(matches!(
        SegmentHeader::decode(&bad_crc),
        Err(FormatError::BadChecksum { .. })
    ));
    let mut v2 = good;
    v2[8] = 2;
    let crc = crc32fast::hash(&v2[..28]);
    v2[28..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        SegmentHeader::decode(&v2),
        Err(FormatError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    );
    assert!(matches!(
        SegmentHeader::decode(&good[..31]),
        Err(FormatError::Truncated { .. })
    ));
}

#[test]
fn record_tag_roundtrip_and_unknown() {
    assert_eq!(RecordTag::try_from(0x01), Ok(RecordTag::Commit));
    assert_eq!(RecordTag::Commit as u8, 0x01);
    assert_eq!(
        RecordTag::try_from(0x02),
        Err(FormatError::UnknownTag { tag: 0x02 })
    );
}

#[test]
fn coordinate_definition_golden_bytes() {
    let mut buf = Vec::new();
    put_coord_def(&mut buf, 3, "ab", "xyz");
    let expected: Vec<u8> = [
        &[3, 0, 0, 0][..], // local_id = 3
        &[2, 0],           // entity_len = 2
        b"ab",             // entity
        &[3, 0],           // scope_len = 3
        b"xyz",            // scope
    ]
    .concat();
    assert_eq!(buf, expected);
    let def = read_coord_def(&buf).unwrap();
    assert_eq!(
        (def.local_id, def.entity, def.scope, def.len),
        (3, "ab", "xyz", 13)
    );
}

fn sample_fields(optional: bool) -> EventFields {
    EventFields {
        event_id: EventId::from_bytes(id16(0x10)),
        global_sequence: 0x11,
        entity_sequence: 0x22,
        timestamp_micros: 0x33,
        kind: EventKind::from_raw(0x1ABC),
        payload_version: 2,
        coordinate_ref: 5,
        hash: EventHash([0xEE; 32]),
        correlation_id: optional.then(|| CorrelationId::from_bytes(id16(0x40))),
        causation_id: optional.then(|| CausationId::from_bytes(id16(0x60))),
        idempotency_key: optional.then(|| IdempotencyKey::from_bytes(id16(0x80))),
    }
}

#[test]
fn event_record_golden_bytes_without_optional_fields() {
    let mut buf = Vec::new();
    put_event(&mut buf, &sample_fields(false), &[0xA1, 0x61]);
    let expected: Vec<u8> = [
        &id16(0x10)[..],              // 0: event_id
        &[0x11, 0, 0, 0, 0, 0, 0, 0], // 16: global_sequence
        &[0x22, 0, 0, 0, 0, 0, 0, 0], // 24: entity_sequence
        &[0x33, 0, 0, 0, 0, 0, 0, 0], // 32: timestamp_micros
        &[0xBC, 0x1A],                // 40: kind (category 1, type 0xABC)
        &[2, 0],                      // 42: payload_version
        &[5, 0, 0, 0],                // 44: coordinate_ref
        &[0],                         // 48: flags
        &[2, 0, 0, 0],                // 49: payload_len
        &[0xEE; 32],                  // 53: hash
        &[0xA1, 0x61],                // 85: payload
    ]
    .concat();
    assert_eq!(buf, expected);
    assert_eq!(EVENT_FIXED_LEN, 85);
    let view = read_event(&buf, 1024).unwrap();
    assert_eq!(view.fields, sample_fields(false));
    assert_eq!(view.payload, &[0xA1, 0x61]);
    assert_eq!(view.len, buf.len());
}

#[test]
fn event_record_golden_bytes_with_optional_fields() {
    let mut buf = Vec::new();
    put_event(&mut buf, &sample_fields(true), &[]);
    assert_eq!(buf[48], 0b111, "flags: correlation, causation, idempotency");
    assert_eq!(&buf[85..101], &id16(0x40), "correlation_id");
    assert_eq!(&buf[101..117], &id16(0x60), "causation_id");
    assert_eq!(&buf[117..133], &id16(0x80), "idempotency_key");
    assert_eq!(buf.len(), 133, "no payload bytes");
    assert_eq!(read_event(&buf, 0).unwrap().fields, sample_fields(true));
}

#[test]
fn event_record_refuses_unknown_flags_and_long_payloads() {
    let mut buf = Vec::new();
    put_event(&mut buf, &sample_fields(false), &[1, 2, 3]);
    assert!(matches!(
        read_event(&buf, 2),
        Err(FormatError::TooLong {
            what: "payload",
            len: 3,
            limit: 2
        })
    ));
    buf[48] = 0x08;
    assert!(matches!(read_event(&buf, 10), Err(FormatError::Invalid(_))));
}

#[test]
fn commit_frame_golden_bytes() {
    let mut buf = Vec::new();
    let start = begin_frame(&mut buf, RecordTag::Commit);
    put_commit_prefix(&mut buf, 1, 1);
    put_coord_def(&mut buf, 0, "e", "s");
    put_event(&mut buf, &sample_fields(false), &[0xC0]);
    finish_frame(&mut buf, start).unwrap();

    let body_len = 8 + 10 + 86;
    assert_eq!(&buf[0..4], &(body_len as u32).to_le_bytes(), "body_len");
    let len_crc = crc32fast::hash(&(body_len as u32).to_le_bytes());
    assert_eq!(&buf[4..8], &len_crc.to_le_bytes(), "length check");
    let crc = crc32fast::hash(&buf[12..]);
    assert_eq!(&buf[8..12], &crc.to_le_bytes(), "crc over tag + body");
    assert_eq!(buf[12], 0x01, "tag = Commit");
    assert_eq!(&buf[13..17], &[1, 0, 0, 0], "intern_count");
    assert_eq!(&buf[17..21], &[1, 0, 0, 0], "event_count");
    assert_eq!(
        &buf[21..31],
        &[0, 0, 0, 0, 1, 0, b'e', 1, 0, b's'],
        "definition"
    );
    assert_eq!(buf.len(), FRAME_HEADER_LEN + body_len);

    let view = read_frame(&buf, 1 << 20).unwrap();
    assert_eq!(view.tag, RecordTag::Commit);
    assert_eq!(view.len, buf.len());
    assert_eq!(read_commit_prefix(view.body), Ok((1, 1)));
}

#[test]
fn frame_problems_are_classified() {
    let mut buf = Vec::new();
    let start = begin_frame(&mut buf, RecordTag::Commit);
    put_commit_prefix(&mut buf, 0, 0);
    finish_frame(&mut buf, start).unwrap();
    assert!(matches!(
        read_frame(&buf[..buf.len() - 1], 1024),
        Err(FrameProblem::Incomplete(_))
    ));
    assert!(
        matches!(
            read_frame(&buf, 4),
            Err(FrameProblem::OverLimit(FormatError::TooLong { .. }))
        ),
        "an intact frame over the limit is not damage"
    );
    let mut torn = buf.clone();
    let last = torn.len() - 1;
    torn[last] ^= 1;
    assert!(matches!(
        read_frame(&torn, 4),
        Err(FrameProblem::Bad(FormatError::TooLong { .. }))
    ));
    let mut flipped = buf.clone();
    flipped[14] ^= 0x40;
    assert!(matches!(
        read_frame(&flipped, 1024),
        Err(FrameProblem::Bad(FormatError::BadChecksum { .. }))
    ));
    let mut bad_len = buf.clone();
    bad_len[1] ^= 0x01;
    assert!(matches!(
        read_frame(&bad_len, 1 << 20),
        Err(FrameProblem::Bad(FormatError::BadLengthCheck { .. }))
    ));
}

#[test]
fn chain_hash_binds_every_field() {
    let base = sample_fields(true);
    let h =
        |f: &EventFields, e: &str, s: &str, p: &[u8]| chain_hash(&EventHash::GENESIS, f, e, s, p);
    let reference = h(&base, "e", "s", b"p");
    assert_eq!(reference, h(&base, "e", "s", b"p"), "deterministic");
    let mut variants = Vec::new();
    let mut f = base;
    f.global_sequence += 1;
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.entity_sequence += 1;
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.timestamp_micros += 1;
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.kind = EventKind::from_raw(0x1ABD);
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.payload_version = 3;
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.causation_id = None;
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.idempotency_key = None;
    variants.push(h(&f, "e", "s", b"p"));
    let mut f = base;
    f.correlation_id = None;
    variants.push(h(&f, "e", "s", b"p"));
    variants.push(h(&base, "f", "s", b"p"));
    variants.push(h(&base, "e", "t", b"p"));
    variants.push(h(&base, "e", "s", b"q"));
    variants.push(chain_hash(&EventHash([1; 32]), &base, "e", "s", b"p"));
    for v in variants {
        assert_ne!(v, reference);
    }
}

#[test]
fn chain_hash_golden_value() {
    // Pins the hashed byte layout of FORMAT.md "The hash chain".
    let f = sample_fields(false);
    let mut input = Vec::new();
    input.extend_from_slice(b"batpak/event/v1");
    input.extend_from_slice(&[0; 32]);
    input.extend_from_slice(&id16(0x10));
    input.extend_from_slice(&0x11u64.to_le_bytes());
    input.extend_from_slice(&0x22u64.to_le_bytes());
    input.extend_from_slice(&0x33u64.to_le_bytes());
    input.extend_from_slice(&0x1ABCu16.to_le_bytes());
    input.extend_from_slice(&2u16.to_le_bytes());
    input.extend_from_slice(&id16(0x10)); // correlation resolved to the event id
    input.extend_from_slice(&[0; 17]); // no causation
    input.extend_from_slice(&[0; 17]); // no idempotency key
    input.extend_from_slice(&[1, 0, b'e', 1, 0, b's']);
    input.extend_from_slice(&[1, 0, 0, 0, 0xC0]);
    let expected = EventHash(*blake3::hash(&input).as_bytes());
    assert_eq!(
        chain_hash(&EventHash::GENESIS, &f, "e", "s", &[0xC0]),
        expected
    );
}

#[test]
fn chain_hash_of_long_input_hashes_the_same_bytes() {
    // Long names and payloads spill out of the stack buffer; the hashed
    // bytes must still be FORMAT.md's layout, one field after another.
    let f = sample_fields(true);
    let entity = "e".repeat(crate::coordinate::MAX_NAME_LEN);
    let scope = "s".repeat(200);
    for payload_len in [0usize, 1, 100, 300, 511, 512, 513, 5000] {
        let payload: Vec<u8> = (0..payload_len).map(|i| i as u8).collect();
        let mut input = Vec::new();
        input.extend_from_slice(b"batpak/event/v1");
        input.extend_from_slice(&[7; 32]);
        input.extend_from_slice(&id16(0x10));
        input.extend_from_slice(&0x11u64.to_le_bytes());
        input.extend_from_slice(&0x22u64.to_le_bytes());
        input.extend_from_slice(&0x33u64.to_le_bytes());
        input.extend_from_slice(&0x1ABCu16.to_le_bytes());
        input.extend_from_slice(&2u16.to_le_bytes());
        input.extend_from_slice(&id16(0x40));
        input.push(1);
        input.extend_from_slice(&id16(0x60));
        input.push(1);
        input.extend_from_slice(&id16(0x80));
        for s in [&entity, &scope] {
            input.extend_from_slice(&(s.len() as u16).to_le_bytes());
            input.extend_from_slice(s.as_bytes());
        }
        input.extend_from_slice(&(payload_len as u32).to_le_bytes());
        input.extend_from_slice(&payload);
        let expected = EventHash(*blake3::hash(&input).as_bytes());
        assert_eq!(
            chain_hash(&EventHash([7; 32]), &f, &entity, &scope, &payload),
            expected,
            "payload of {payload_len} bytes"
        );
        // Short names: the inline path for small payloads.
        let mut short = input[..141].to_vec();
        short.extend_from_slice(&[1, 0, b'e', 1, 0, b's']);
        short.extend_from_slice(&(payload_len as u32).to_le_bytes());
        short.extend_from_slice(&payload);
        assert_eq!(
            chain_hash(&EventHash([7; 32]), &f, "e", "s", &payload),
            EventHash(*blake3::hash(&short).as_bytes()),
            "short names, payload of {payload_len} bytes"
        );
    }
}
