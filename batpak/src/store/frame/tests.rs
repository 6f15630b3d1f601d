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
    expected.extend_from_slice(&[2, 0]); // 8: format_version = 2
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
    // An older (version 1) and a newer (version 3) segment are refused.
    for other in [1u8, 3] {
        let mut v = good;
        v[8] = other;
        let crc = crc32fast::hash(&v[..28]);
        v[28..].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            SegmentHeader::decode(&v),
            Err(FormatError::UnsupportedVersion {
                found: u16::from(other),
                supported: 2
            })
        );
    }
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
fn chain_key_is_the_hash_of_the_domain_tag() {
    assert_eq!(CHAIN_KEY, *blake3::hash(b"batpak/event/v2").as_bytes());
}

#[test]
fn chain_hash_binds_every_field() {
    let base = sample_fields(true);
    let h = |f: &EventFields, p: &[u8]| chain_hash(&EventHash::GENESIS, f, "e", "s", p);
    let reference = h(&base, b"p");
    assert_eq!(reference, h(&base, b"p"), "deterministic");
    let mut variants = Vec::new();
    let mut f = base;
    f.event_id = EventId::from_bytes(id16(0x11));
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.global_sequence += 1;
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.entity_sequence += 1;
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.timestamp_micros += 1;
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.kind = EventKind::from_raw(0x1ABD);
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.payload_version = 3;
    variants.push(h(&f, b"p"));
    for (at, byte) in [(0, 0x41), (1, 0x61), (2, 0x81)] {
        let mut f = base;
        let mut id = id16(0x40 + 0x20 * at);
        id[15] ^= 1;
        assert_eq!(id16(0x40 + 0x20 * at)[0], byte - 1);
        match at {
            0 => f.correlation_id = Some(CorrelationId::from_bytes(id)),
            1 => f.causation_id = Some(CausationId::from_bytes(id)),
            _ => f.idempotency_key = Some(IdempotencyKey::from_bytes(id)),
        }
        variants.push(h(&f, b"p"));
    }
    let mut f = base;
    f.causation_id = None;
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.idempotency_key = None;
    variants.push(h(&f, b"p"));
    let mut f = base;
    f.correlation_id = None;
    variants.push(h(&f, b"p"));
    variants.push(h(&base, b"q"));
    variants.push(h(&base, b""));
    variants.push(chain_hash(&EventHash([1; 32]), &base, "e", "s", b"p"));
    for (i, v) in variants.iter().enumerate() {
        assert_ne!(*v, reference, "variant {i}");
    }
    // Every optional id moved to another slot changes the hash too (the
    // flags byte says which ids are present).
    let mut only_corr = base;
    only_corr.causation_id = None;
    only_corr.idempotency_key = None;
    let mut only_cause = base;
    only_cause.correlation_id = None;
    only_cause.idempotency_key = None;
    only_cause.causation_id = Some(CausationId::from_bytes(id16(0x40)));
    assert_ne!(h(&only_corr, b"p"), h(&only_cause, b"p"));
}

#[test]
fn chain_hash_binds_the_coordinate_in_an_entity_first_event() {
    let mut first = sample_fields(false);
    first.entity_sequence = 0;
    let h = |f: &EventFields, e: &str, s: &str| chain_hash(&EventHash::GENESIS, f, e, s, b"p");
    let reference = h(&first, "e", "s");
    assert_ne!(h(&first, "f", "s"), reference);
    assert_ne!(h(&first, "e", "t"), reference);
    // Lengths are hashed: moving a byte from the entity to the scope counts.
    assert_ne!(h(&first, "es", "x"), h(&first, "e", "sx"));
    // Later events commit to the names through prev_hash only.
    let later = sample_fields(false);
    assert_eq!(h(&later, "e", "s"), h(&later, "other", "names"));
}

/// FORMAT.md "The hash chain", byte by byte: the fixed part of an event's
/// input (`prev_hash` through the flags byte) without optional ids.
fn golden_fixed_part(prev: u8, flags: u8) -> Vec<u8> {
    let mut input = Vec::new();
    input.extend_from_slice(&[prev; 32]); // prev_hash
    input.extend_from_slice(&id16(0x10)); // event_id
    input.extend_from_slice(&0x11u64.to_le_bytes()); // global_sequence
    input.extend_from_slice(&0x22u64.to_le_bytes()); // entity_sequence
    input.extend_from_slice(&0x33u64.to_le_bytes()); // timestamp_micros
    input.extend_from_slice(&0x1ABCu16.to_le_bytes()); // kind
    input.extend_from_slice(&2u16.to_le_bytes()); // payload_version
    input.push(flags);
    assert_eq!(input.len(), 77);
    input
}

fn keyed(input: &[u8]) -> EventHash {
    EventHash(*blake3::keyed_hash(&CHAIN_KEY, input).as_bytes())
}

#[test]
fn chain_hash_golden_value() {
    // Pins the hashed byte layout of FORMAT.md "The hash chain".
    let f = sample_fields(false);
    let mut input = golden_fixed_part(0, 0);
    input.extend_from_slice(&[1, 0, 0, 0, 0xC0]); // payload_len, payload
    assert_eq!(
        chain_hash(&EventHash::GENESIS, &f, "e", "s", &[0xC0]),
        keyed(&input)
    );
    // An entity's first event also hashes its coordinate names.
    let mut first = f;
    first.entity_sequence = 0;
    let mut input = golden_fixed_part(0, 0);
    input[56..64].copy_from_slice(&0u64.to_le_bytes());
    input.extend_from_slice(&[1, 0, b'e', 2, 0, b's', b'c']);
    input.extend_from_slice(&[1, 0, 0, 0, 0xC0]);
    assert_eq!(
        chain_hash(&EventHash::GENESIS, &first, "e", "sc", &[0xC0]),
        keyed(&input)
    );
}

#[test]
fn chain_hash_of_long_input_hashes_the_same_bytes() {
    // Long names and payloads spill out of the stack buffer; the hashed
    // bytes must still be FORMAT.md's layout, one field after another.
    let later = sample_fields(true);
    let mut first = later;
    first.entity_sequence = 0;
    let entity = "e".repeat(crate::coordinate::MAX_NAME_LEN);
    let scope = "s".repeat(200);
    for payload_len in [0usize, 1, 100, 300, 400, 511, 512, 513, 5000] {
        let payload: Vec<u8> = (0..payload_len).map(|i| i as u8).collect();
        let mut input = golden_fixed_part(7, 0b111);
        input.extend_from_slice(&id16(0x40)); // correlation_id
        input.extend_from_slice(&id16(0x60)); // causation_id
        input.extend_from_slice(&id16(0x80)); // idempotency_key
        let ids_end = input.len();
        input.extend_from_slice(&(payload_len as u32).to_le_bytes());
        input.extend_from_slice(&payload);
        assert_eq!(
            chain_hash(&EventHash([7; 32]), &later, &entity, &scope, &payload),
            keyed(&input),
            "payload of {payload_len} bytes"
        );
        // A first event with long names.
        let mut input = input[..ids_end].to_vec();
        input[56..64].copy_from_slice(&0u64.to_le_bytes());
        for s in [&entity, &scope] {
            input.extend_from_slice(&(s.len() as u16).to_le_bytes());
            input.extend_from_slice(s.as_bytes());
        }
        input.extend_from_slice(&(payload_len as u32).to_le_bytes());
        input.extend_from_slice(&payload);
        assert_eq!(
            chain_hash(&EventHash([7; 32]), &first, &entity, &scope, &payload),
            keyed(&input),
            "first event, long names, payload of {payload_len} bytes"
        );
    }
}
