//! Kinds across types: the run-time `KindRegistry` (what the store calls at
//! a type's first typed use) and its error.

use std::sync::Barrier;

use batpak::event::KindRegistry;
use batpak::{EventKind, EventPayload, KindCollision};
use serde::{Deserialize, Serialize};

mod bank {
    use batpak::EventPayload;

    #[derive(EventPayload)]
    #[batpak(category = 1)]
    pub enum AccountEvent {
        #[batpak(type_id = 1)]
        Opened,
        #[batpak(type_id = 2)]
        Deposited { cents: u64 },
    }
}

mod audit {
    use batpak::EventPayload;
    use serde::{Deserialize, Serialize};

    /// Copy-pasted type id: collides with `bank::AccountEvent::Deposited`.
    #[derive(Serialize, Deserialize, EventPayload)]
    #[batpak(category = 1, type_id = 2)]
    pub struct Deposited {
        pub cents: u64,
    }
}

#[derive(Serialize, Deserialize, EventPayload)]
#[batpak(category = 1, type_id = 3)]
struct Unrelated;

#[test]
fn a_second_type_claiming_a_taken_kind_is_refused_naming_both() {
    let registry = KindRegistry::new();
    registry.claim::<bank::AccountEvent>().unwrap();
    let collision = registry.claim::<audit::Deposited>().unwrap_err();
    assert_eq!(collision.kind, EventKind::custom(1, 2));
    assert!(
        collision.first.ends_with("bank::AccountEvent"),
        "{collision:?}"
    );
    assert!(
        collision.second.ends_with("audit::Deposited"),
        "{collision:?}"
    );
    assert_eq!(
        collision.to_string(),
        format!(
            "event kind 1:002 is claimed by both `{}` and `{}`: events of one kind must have \
             one Rust type; give one of them a different type_id (or category)",
            collision.first, collision.second
        )
    );
    let error: batpak::Error = collision.into();
    assert!(matches!(error, batpak::Error::KindCollision(_)));
}

#[test]
fn claiming_is_idempotent_and_all_or_nothing() {
    let registry = KindRegistry::new();
    registry.claim::<audit::Deposited>().unwrap();
    registry.claim::<audit::Deposited>().unwrap();
    // The enum's DEPOSITED collides, so none of its kinds is recorded.
    assert!(registry.claim::<bank::AccountEvent>().is_err());
    assert_eq!(registry.owner(bank::AccountEvent::OPENED), None);
    assert!(registry
        .owner(bank::AccountEvent::DEPOSITED)
        .unwrap()
        .ends_with("audit::Deposited"));
    // A type with distinct kinds still gets in.
    registry.claim::<Unrelated>().unwrap();
    assert!(registry.owner(EventKind::custom(1, 3)).is_some());
}

#[test]
fn concurrent_claims_of_one_kind_let_exactly_one_type_win() {
    for _ in 0..32 {
        let registry = KindRegistry::new();
        let barrier = Barrier::new(2);
        let (enum_claim, struct_claim) = std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                barrier.wait();
                registry.claim::<bank::AccountEvent>()
            });
            let second = scope.spawn(|| {
                barrier.wait();
                registry.claim::<audit::Deposited>()
            });
            (first.join().unwrap(), second.join().unwrap())
        });
        assert!(
            enum_claim.is_ok() != struct_claim.is_ok(),
            "exactly one wins: {enum_claim:?} {struct_claim:?}"
        );
        let loser: KindCollision = enum_claim.err().or(struct_claim.err()).unwrap();
        assert_eq!(loser.kind, bank::AccountEvent::DEPOSITED);
    }
}

#[test]
fn kind_lists_are_what_the_registry_claims() {
    assert_eq!(
        bank::AccountEvent::KINDS,
        &[EventKind::custom(1, 1), EventKind::custom(1, 2)]
    );
}
