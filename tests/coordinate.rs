//! Coordinate validation (each rule, with its exact error) and Region
//! matching.

use batpak::coordinate::{CoordinateError, CoordinatePart, EntityFilter, KindFilter};
use batpak::{Coordinate, EventKind, Region, MAX_NAME_LEN};

#[test]
fn empty_entity_is_refused_with_the_part_named() {
    let err = Coordinate::new("", "bank").unwrap_err();
    assert_eq!(
        err,
        CoordinateError::Empty {
            part: CoordinatePart::Entity
        }
    );
    assert_eq!(
        err.to_string(),
        "entity name is empty: give every entity a non-empty name"
    );
}

#[test]
fn empty_scope_is_refused_with_the_part_named() {
    let err = Coordinate::new("acct", "").unwrap_err();
    assert_eq!(
        err,
        CoordinateError::Empty {
            part: CoordinatePart::Scope
        }
    );
}

#[test]
fn name_at_the_limit_is_accepted_and_one_byte_more_is_refused() {
    let at_limit = "a".repeat(MAX_NAME_LEN);
    assert!(Coordinate::new(&at_limit, "s").is_ok());

    let over = "b".repeat(MAX_NAME_LEN + 1);
    let err = Coordinate::new("e", &over).unwrap_err();
    assert_eq!(
        err,
        CoordinateError::TooLong {
            part: CoordinatePart::Scope,
            len: MAX_NAME_LEN + 1,
            max: MAX_NAME_LEN,
            preview: "b".repeat(32),
        }
    );
    assert!(err.to_string().contains("257 bytes, over the limit of 256"));
}

#[test]
fn length_is_counted_in_bytes_not_characters() {
    // 'é' is two bytes: 129 of them are 258 bytes.
    let name = "é".repeat(129);
    assert!(matches!(
        Coordinate::new(&name, "s"),
        Err(CoordinateError::TooLong { len: 258, .. })
    ));
}

#[test]
fn control_character_is_refused_with_its_position() {
    let err = Coordinate::new("acct\n7", "bank").unwrap_err();
    assert_eq!(
        err,
        CoordinateError::ControlCharacter {
            part: CoordinatePart::Entity,
            value: "acct\n7".to_owned(),
            character: '\n',
            at: 4,
        }
    );
    assert!(err
        .to_string()
        .contains("contains the control character '\\n' at byte 4"));
}

#[test]
fn nul_in_scope_is_a_control_character() {
    assert!(matches!(
        Coordinate::new("e", "a\0b"),
        Err(CoordinateError::ControlCharacter {
            part: CoordinatePart::Scope,
            character: '\0',
            at: 1,
            ..
        })
    ));
}

#[test]
fn unicode_and_punctuation_are_fine() {
    let coord = Coordinate::new("kund/å-42 #1", "tenant:eu").unwrap();
    assert_eq!(coord.entity(), "kund/å-42 #1");
    assert_eq!(coord.to_string(), "tenant:eu/kund/å-42 #1");
}

#[test]
fn clones_share_their_names() {
    let coord = Coordinate::new("acct", "bank").unwrap();
    let copy = coord.clone();
    assert!(std::sync::Arc::ptr_eq(
        coord.entity_shared(),
        copy.entity_shared()
    ));
    assert_eq!(coord, copy);
}

const OPENED: EventKind = EventKind::custom(1, 1);
const CLOSED: EventKind = EventKind::custom(1, 2);
const AUDIT: EventKind = EventKind::custom(2, 1);

fn coord(entity: &str, scope: &str) -> Coordinate {
    Coordinate::new(entity, scope).unwrap()
}

#[test]
fn region_all_matches_everything() {
    let region = Region::all();
    assert!(region.matches(&coord("x", "y"), AUDIT, u64::MAX));
    assert_eq!(region.entity_filter(), &EntityFilter::All);
    assert_eq!(region.kind_filter(), &KindFilter::All);
}

#[test]
fn region_by_entity_scope_prefix_and_coordinate() {
    let a = coord("acct-1", "bank");
    let b = coord("acct-2", "shop");
    let c = coord("user-1", "bank");

    assert!(Region::entity("acct-1").matches(&a, OPENED, 0));
    assert!(!Region::entity("acct-1").matches(&b, OPENED, 0));

    let prefix = Region::entity_prefix("acct-");
    assert!(prefix.matches(&a, OPENED, 0) && prefix.matches(&b, OPENED, 0));
    assert!(!prefix.matches(&c, OPENED, 0));

    let scope = Region::scope("bank");
    assert!(scope.matches(&a, OPENED, 0) && scope.matches(&c, OPENED, 0));
    assert!(!scope.matches(&b, OPENED, 0));

    let exact = Region::coordinate(&a);
    assert!(exact.matches(&a, OPENED, 0));
    assert!(!exact.matches(&coord("acct-1", "shop"), OPENED, 0));
}

#[test]
fn region_kind_filters_exact_accumulate_and_category_replaces() {
    let a = coord("acct-1", "bank");
    let two = Region::all().with_kind(OPENED).with_kind(CLOSED);
    assert!(two.matches(&a, OPENED, 0) && two.matches(&a, CLOSED, 0));
    assert!(!two.matches(&a, AUDIT, 0));

    let category = two.with_category(2);
    assert!(category.matches(&a, AUDIT, 0));
    assert!(!category.matches(&a, OPENED, 0));
}

#[test]
fn region_sequence_range_is_inclusive() {
    let a = coord("acct-1", "bank");
    let region = Region::all().with_sequence(5..=7);
    assert!(!region.matches(&a, OPENED, 4));
    assert!(region.matches(&a, OPENED, 5));
    assert!(region.matches(&a, OPENED, 7));
    assert!(!region.matches(&a, OPENED, 8));
    assert!(Region::all().from_sequence(9).matches(&a, OPENED, u64::MAX));
    assert!(!Region::all().from_sequence(9).matches(&a, OPENED, 8));
}
