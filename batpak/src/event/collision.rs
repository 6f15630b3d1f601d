//! Kinds across types: two different Rust types must never claim the same
//! stored kind. [`KindRegistry`] catches it at run time (the store calls it
//! at the first typed use of each type); [`assert_distinct_kinds!`] catches
//! it at compile time for a listed set of types.
//!
//! [`assert_distinct_kinds!`]: crate::assert_distinct_kinds

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::sync::{PoisonError, RwLock};

use super::{EventKind, EventPayload};

/// Two different Rust types claim the same event kind.
///
/// # Examples
///
/// ```
/// use batpak::event::KindRegistry;
/// use batpak::{EventKind, EventPayload};
///
/// #[derive(EventPayload)]
/// #[batpak(category = 4)]
/// enum Door { #[batpak(type_id = 1)] Opened }
///
/// #[derive(EventPayload)]
/// #[batpak(category = 4)]
/// enum Window { #[batpak(type_id = 1)] Opened }
///
/// let registry = KindRegistry::new();
/// registry.claim::<Door>()?;
/// let collision = registry.claim::<Window>().unwrap_err();
/// assert_eq!(collision.kind, EventKind::custom(4, 1));
/// assert!(collision.first.ends_with("Door") && collision.second.ends_with("Window"));
/// # Ok::<(), batpak::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "event kind {kind} is claimed by both `{first}` and `{second}`: events of one kind must \
     have one Rust type; give one of them a different type_id (or category)"
)]
pub struct KindCollision {
    /// The contested kind.
    pub kind: EventKind,
    /// The type that claimed it first.
    pub first: &'static str,
    /// The type that tried to claim it second.
    pub second: &'static str,
}

#[derive(Debug, Clone, Copy)]
struct Owner {
    type_id: TypeId,
    type_name: &'static str,
}

/// Which Rust type owns each event kind, shared by every thread using a
/// store.
///
/// # Examples
///
/// ```
/// use batpak::event::KindRegistry;
/// use batpak::EventPayload;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 1, type_id = 7)]
/// struct Deposited { cents: u64 }
///
/// #[derive(Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 1, type_id = 7)] // oops: same kind
/// struct Withdrawn { cents: u64 }
///
/// let registry = KindRegistry::new();
/// registry.claim::<Deposited>()?;
/// registry.claim::<Deposited>()?; // claiming again is fine
/// let collision = registry.claim::<Withdrawn>().unwrap_err();
/// assert!(collision.to_string().contains("Deposited"));
/// assert!(collision.to_string().contains("Withdrawn"));
/// # Ok::<(), batpak::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct KindRegistry {
    owners: RwLock<Owners>,
}

#[derive(Debug, Default)]
struct Owners {
    by_kind: HashMap<EventKind, Owner>,
    /// Types that own all their kinds: claiming again is one lookup,
    /// however many kinds the type has (the store claims on every typed
    /// append and read).
    settled: HashSet<TypeId>,
}

impl KindRegistry {
    /// An empty registry.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::KindRegistry;
    /// use batpak::EventKind;
    ///
    /// let registry = KindRegistry::new();
    /// assert_eq!(registry.owner(EventKind::custom(1, 1)), None);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `T` owns each of its [`EventPayload::KINDS`]. Claiming
    /// again with the same type is a cheap no-op; either every kind is
    /// claimed or, on a collision, none is.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::{KindCollision, KindRegistry};
    /// use batpak::EventPayload;
    ///
    /// #[derive(EventPayload)]
    /// #[batpak(category = 2)]
    /// enum Light {
    ///     #[batpak(type_id = 1)]
    ///     On,
    ///     #[batpak(type_id = 2)]
    ///     Off,
    /// }
    /// #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// #[batpak(category = 2, type_id = 2)] // collides with Light::Off
    /// struct Dimmed { percent: u8 }
    ///
    /// let registry = KindRegistry::new();
    /// registry.claim::<Dimmed>()?;
    /// assert!(registry.claim::<Light>().is_err());
    /// // All or nothing: Light::On's kind was not claimed either.
    /// assert_eq!(registry.owner(Light::ON), None);
    /// # Ok::<(), KindCollision>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`KindCollision`] naming both types and the kind when a different
    /// type already owns one of `T`'s kinds.
    pub fn claim<T: EventPayload + 'static>(&self) -> Result<(), KindCollision> {
        let claimant = Owner {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        };
        {
            // The maps are only ever changed whole under the write lock, so
            // a panic elsewhere cannot leave them half-updated: poison is
            // moot.
            let owners = self.owners.read().unwrap_or_else(PoisonError::into_inner);
            if owners.settled.contains(&claimant.type_id) {
                return Ok(());
            }
            Self::check(&owners.by_kind, T::KINDS, claimant)?;
        }
        let mut owners = self.owners.write().unwrap_or_else(PoisonError::into_inner);
        if !Self::check(&owners.by_kind, T::KINDS, claimant)? {
            for kind in T::KINDS {
                owners.by_kind.insert(*kind, claimant);
            }
        }
        owners.settled.insert(claimant.type_id);
        Ok(())
    }

    /// The name of the type owning `kind`, if any has claimed it.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::{KindCollision, KindRegistry};
    /// use batpak::{EventKind, EventPayload};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 7)]
    /// struct Deposited { cents: u64 }
    ///
    /// let registry = KindRegistry::new();
    /// registry.claim::<Deposited>()?;
    /// assert!(registry.owner(EventKind::custom(1, 7)).is_some_and(|name| name.ends_with("Deposited")));
    /// assert_eq!(registry.owner(EventKind::custom(1, 8)), None);
    /// # Ok::<(), KindCollision>(())
    /// ```
    pub fn owner(&self, kind: EventKind) -> Option<&'static str> {
        let owners = self.owners.read().unwrap_or_else(PoisonError::into_inner);
        owners.by_kind.get(&kind).map(|owner| owner.type_name)
    }

    /// `Ok(true)` when `claimant` already owns every kind, `Ok(false)` when
    /// some are free, an error when another type owns one.
    fn check(
        owners: &HashMap<EventKind, Owner>,
        kinds: &[EventKind],
        claimant: Owner,
    ) -> Result<bool, KindCollision> {
        let mut all_owned = true;
        for kind in kinds {
            match owners.get(kind) {
                Some(owner) if owner.type_id != claimant.type_id => {
                    return Err(KindCollision {
                        kind: *kind,
                        first: owner.type_name,
                        second: claimant.type_name,
                    })
                }
                Some(_) => {}
                None => all_owned = false,
            }
        }
        Ok(all_owned)
    }
}

/// Whether no kind appears twice across the given kind lists (what
/// [`assert_distinct_kinds!`](crate::assert_distinct_kinds) evaluates at
/// compile time).
///
/// # Examples
///
/// ```
/// use batpak::event::kinds_are_distinct;
/// use batpak::EventKind;
///
/// const A: EventKind = EventKind::custom(1, 1);
/// const B: EventKind = EventKind::custom(1, 2);
/// assert!(kinds_are_distinct(&[&[A], &[B]]));
/// assert!(!kinds_are_distinct(&[&[A, B], &[B]]));
/// ```
pub const fn kinds_are_distinct(lists: &[&[EventKind]]) -> bool {
    let mut list = 0;
    while list < lists.len() {
        let mut index = 0;
        while index < lists[list].len() {
            let raw = lists[list][index].to_raw();
            // Compare with every later kind: later in this list, then in
            // every later list.
            let mut other_list = list;
            let mut other_index = index + 1;
            while other_list < lists.len() {
                while other_index < lists[other_list].len() {
                    if lists[other_list][other_index].to_raw() == raw {
                        return false;
                    }
                    other_index += 1;
                }
                other_list += 1;
                other_index = 0;
            }
            index += 1;
        }
        list += 1;
    }
    true
}

/// Fails to compile unless the listed payload types have pairwise distinct
/// kinds (within and across types).
///
/// Put it next to the types a store will hold, so a copy-pasted `type_id`
/// is caught by `cargo build` rather than at the first typed read.
///
/// # Examples
///
/// ```
/// use batpak::EventPayload;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 2, type_id = 1)]
/// struct Opened { owner: String }
///
/// #[derive(EventPayload)]
/// #[batpak(category = 2)]
/// enum Movement {
///     #[batpak(type_id = 2)]
///     Deposited { cents: u64 },
///     #[batpak(type_id = 3)]
///     Withdrawn { cents: u64 },
/// }
///
/// batpak::assert_distinct_kinds!(Opened, Movement);
/// ```
///
/// Two types sharing a kind do not compile:
///
/// ```compile_fail
/// # use batpak::EventPayload;
/// # use serde::{Deserialize, Serialize};
/// #[derive(Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 2, type_id = 1)]
/// struct Opened { owner: String }
///
/// #[derive(Serialize, Deserialize, EventPayload)]
/// #[batpak(category = 2, type_id = 1)]
/// struct Closed { reason: String }
///
/// batpak::assert_distinct_kinds!(Opened, Closed);
/// ```
#[macro_export]
macro_rules! assert_distinct_kinds {
    ($($payload:ty),+ $(,)?) => {
        const _: () = ::core::assert!(
            $crate::event::kinds_are_distinct(
                &[$(<$payload as $crate::EventPayload>::KINDS),+]
            ),
            "assert_distinct_kinds!: two of the listed payload types share an event kind; \
             give each a distinct (category, type_id)"
        );
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: EventKind = EventKind::custom(1, 1);
    const B: EventKind = EventKind::custom(1, 2);
    const C: EventKind = EventKind::custom(2, 1);

    #[test]
    fn distinct_kinds_pass_and_any_repeat_fails() {
        assert!(kinds_are_distinct(&[]));
        assert!(kinds_are_distinct(&[&[A, B], &[], &[C]]));
        assert!(!kinds_are_distinct(&[&[A, A]]));
        assert!(!kinds_are_distinct(&[&[A], &[B], &[C, A]]));
        assert!(!kinds_are_distinct(&[&[B], &[C], &[], &[C]]));
    }
}
