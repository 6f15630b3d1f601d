//! `Outcome`: the monad laws and every combinator on every variant,
//! property-tested against simple reference definitions.

use std::time::Duration;

use batpak::{Outcome, RetryHint, Unresolved};
use proptest::prelude::*;

type O = Outcome<i32, i32>;

fn leaf() -> impl Strategy<Value = O> {
    prop_oneof![
        3 => any::<i32>().prop_map(Outcome::Ok),
        1 => any::<i32>().prop_map(Outcome::Err),
        1 => (0u64..5, "[a-z]{0,4}").prop_map(|(ms, r)| Outcome::retry(Duration::from_millis(ms), r)),
        1 => "[a-z]{0,4}".prop_map(Outcome::pending),
        1 => "[a-z]{0,4}".prop_map(Outcome::cancelled),
    ]
}

fn outcome() -> impl Strategy<Value = O> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Outcome::Batch)
    })
}

/// A function `i32 -> Outcome` chosen by the test case: picks a template by
/// the input and adds the input to any `Ok` values inside it.
fn kleisli(templates: &[O]) -> impl Fn(i32) -> O + '_ {
    move |x| {
        let index = usize::try_from(x.unsigned_abs()).unwrap_or(0) % templates.len();
        templates[index].clone().map(|y| y.wrapping_add(x))
    }
}

fn templates() -> impl Strategy<Value = Vec<O>> {
    prop::collection::vec(outcome(), 1..4)
}

/// Reference: the leaves of an outcome tree, batches opened in place.
fn leaves(o: &O, out: &mut Vec<O>) {
    match o {
        Outcome::Batch(items) => items.iter().for_each(|i| leaves(i, out)),
        other => out.push(other.clone()),
    }
}

fn rank(o: &O) -> u8 {
    match o {
        Outcome::Err(_) => 4,
        Outcome::Cancelled { .. } => 3,
        Outcome::Retry(_) => 2,
        Outcome::Pending { .. } => 1,
        Outcome::Ok(_) | Outcome::Batch(_) => 0,
    }
}

fn retype<U>(o: O) -> Outcome<U, i32> {
    match o {
        Outcome::Err(e) => Outcome::Err(e),
        Outcome::Retry(h) => Outcome::Retry(h),
        Outcome::Pending { waiting_for } => Outcome::Pending { waiting_for },
        Outcome::Cancelled { reason } => Outcome::Cancelled { reason },
        other => panic!("not a non-Ok leaf: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn left_identity(a in any::<i32>(), ts in templates()) {
        let f = kleisli(&ts);
        prop_assert_eq!(O::Ok(a).and_then(&f), f(a));
    }

    #[test]
    fn right_identity(m in outcome()) {
        prop_assert_eq!(m.clone().and_then(Outcome::Ok), m);
    }

    #[test]
    fn associativity(m in outcome(), fs in templates(), gs in templates()) {
        let (f, g) = (kleisli(&fs), kleisli(&gs));
        let left = m.clone().and_then(&f).and_then(&g);
        let right = m.and_then(|x| f(x).and_then(&g));
        prop_assert_eq!(left, right);
    }

    #[test]
    fn map_is_and_then_of_ok(m in outcome(), k in any::<i32>()) {
        let by_map = m.clone().map(|x| x.wrapping_mul(k));
        let by_bind = m.and_then(|x| Outcome::Ok(x.wrapping_mul(k)));
        prop_assert_eq!(by_map, by_bind);
    }

    #[test]
    fn map_identity_and_composition(m in outcome(), a in any::<i32>(), b in any::<i32>()) {
        prop_assert_eq!(m.clone().map(|x| x), m.clone());
        let two_steps = m.clone().map(|x| x.wrapping_add(a)).map(|x| x.wrapping_mul(b));
        let one_step = m.map(|x| x.wrapping_add(a).wrapping_mul(b));
        prop_assert_eq!(two_steps, one_step);
    }

    #[test]
    fn map_keeps_the_shape_of_every_variant(m in outcome()) {
        // Mapping to the same value twice over proves only Ok payloads move.
        let shifted = m.clone().map(|x| x.wrapping_add(1)).map(|x| x.wrapping_sub(1));
        prop_assert_eq!(shifted, m.clone());
        let mut before = Vec::new();
        let mut after = Vec::new();
        leaves(&m, &mut before);
        leaves(&m.map(|x| x.wrapping_add(7)), &mut after);
        prop_assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            match (b, a) {
                (Outcome::Ok(x), Outcome::Ok(y)) => prop_assert_eq!(x.wrapping_add(7), *y),
                (b, a) => prop_assert_eq!(b, a),
            }
        }
    }

    #[test]
    fn map_err_identity_composition_and_ok_untouched(m in outcome(), k in any::<i32>()) {
        prop_assert_eq!(m.clone().map_err(|e| e), m.clone());
        let two = m.clone().map_err(|e| e.wrapping_add(k)).map_err(|e| i64::from(e) * 2);
        let one = m.clone().map_err(|e| i64::from(e.wrapping_add(k)) * 2);
        prop_assert_eq!(two, one);
        let mut before = Vec::new();
        let mut after = Vec::new();
        leaves(&m, &mut before);
        leaves(&m.map_err(|e| e.wrapping_add(1)), &mut after);
        for (b, a) in before.iter().zip(&after) {
            match (b, a) {
                (Outcome::Err(x), Outcome::Err(y)) => prop_assert_eq!(x.wrapping_add(1), *y),
                (b, a) => prop_assert_eq!(b, a),
            }
        }
    }

    #[test]
    fn zip_is_bind_then_map(m in outcome(), n in outcome()) {
        let zipped = m.clone().zip(n.clone());
        let reference = m.and_then(|x| n.clone().map(|y| (x, y)));
        prop_assert_eq!(zipped, reference);
    }

    #[test]
    fn zip_of_plain_leaves(a in leaf(), b in leaf()) {
        let zipped = a.clone().zip(b.clone());
        match (a, b) {
            (Outcome::Ok(x), Outcome::Ok(y)) => prop_assert_eq!(zipped, Outcome::Ok((x, y))),
            (Outcome::Ok(_), other) => prop_assert_eq!(zipped, retype(other)),
            (other, _) => prop_assert_eq!(zipped, retype(other)),
        }
    }

    #[test]
    fn join_all_matches_the_reference(items in prop::collection::vec(outcome(), 0..5)) {
        let mut flat = Vec::new();
        items.iter().for_each(|o| leaves(o, &mut flat));
        let worst = flat.iter().filter(|o| rank(o) > 0).fold(None::<&O>, |acc, o| match acc {
            Some(w) if rank(w) >= rank(o) => Some(w),
            _ => Some(o),
        });
        let expected: Outcome<Vec<i32>, i32> = match worst {
            Some(w) => retype(w.clone()),
            None => Outcome::Ok(flat.iter().map(|o| match o {
                Outcome::Ok(x) => *x,
                _ => unreachable!(),
            }).collect()),
        };
        prop_assert_eq!(O::join_all(items), expected);
    }

    #[test]
    fn join_any_matches_the_reference(items in prop::collection::vec(outcome(), 0..5)) {
        let mut flat = Vec::new();
        items.iter().for_each(|o| leaves(o, &mut flat));
        let expected = if let Some(ok) = flat.iter().find(|o| o.is_ok()) {
            ok.clone()
        } else if let Some(best) = flat.iter().fold(None::<&O>, |acc, o| match acc {
            Some(b) if rank(b) <= rank(o) => Some(b),
            _ => Some(o),
        }) {
            best.clone()
        } else {
            Outcome::cancelled("join_any was given no outcomes")
        };
        prop_assert_eq!(O::join_any(items), expected);
    }

    #[test]
    fn into_result_keeps_what_each_variant_held(m in outcome()) {
        let result = m.clone().into_result();
        match (m, result) {
            (Outcome::Ok(x), Ok(y)) => prop_assert_eq!(x, y),
            (Outcome::Err(e), Err(Unresolved::Err(f))) => prop_assert_eq!(e, f),
            (Outcome::Retry(h), Err(Unresolved::Retry(g))) => prop_assert_eq!(h, g),
            (Outcome::Pending { waiting_for: a }, Err(Unresolved::Pending { waiting_for: b })) => prop_assert_eq!(a, b),
            (Outcome::Cancelled { reason: a }, Err(Unresolved::Cancelled { reason: b })) => prop_assert_eq!(a, b),
            (Outcome::Batch(a), Err(Unresolved::Batch(b))) => prop_assert_eq!(a, b),
            (m, r) => prop_assert!(false, "{m:?} became {r:?}"),
        }
    }
}

#[test]
fn join_all_prefers_an_error_over_earlier_pending_work() {
    let joined = O::join_all(vec![
        Outcome::pending("lock"),
        Outcome::Ok(1),
        Outcome::Err(9),
    ]);
    assert_eq!(joined, Outcome::Err(9));
}

#[test]
fn join_any_prefers_pending_work_over_an_earlier_error() {
    let joined = O::join_any(vec![Outcome::Err(9), Outcome::pending("lock")]);
    assert_eq!(joined, Outcome::pending("lock"));
    assert_eq!(
        O::join_any(Vec::new()),
        Outcome::cancelled("join_any was given no outcomes")
    );
}

#[test]
fn join_all_opens_nested_batches_in_order() {
    let nested = vec![
        Outcome::Ok(1),
        Outcome::Batch(vec![Outcome::Ok(2), Outcome::Batch(vec![Outcome::Ok(3)])]),
        Outcome::Ok(4),
    ];
    assert_eq!(O::join_all(nested), Outcome::Ok(vec![1, 2, 3, 4]));
}

#[test]
fn unresolved_messages_say_what_to_do() {
    let batch: Unresolved<i32, String> = Unresolved::Batch(vec![Outcome::Ok(1)]);
    assert_eq!(
        batch.to_string(),
        "a batch of 1 outcomes was not joined: call Outcome::join_all first"
    );
    let retry: Unresolved<i32, String> =
        Unresolved::Retry(RetryHint::new(Duration::from_millis(5), "busy"));
    assert_eq!(retry.to_string(), "retry after 5ms: busy");
}

#[test]
fn from_result() {
    assert_eq!(O::from(Ok(3)), Outcome::Ok(3));
    assert_eq!(O::from(Err(4)), Outcome::Err(4));
}
