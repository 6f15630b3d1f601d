//! Typed reads: stored events decoded as a Rust payload type.
//!
//! Every typed read (and typed append) first claims the type's kinds in the
//! store's [`KindRegistry`](crate::event::KindRegistry), so two Rust types
//! claiming one kind in one store are an error naming both, at the first
//! typed use of the second. Payloads stored at an older version are upgraded
//! with the [`Upcasters`] given to
//! [`StoreConfig::upcasters`](super::StoreConfig::upcasters) before they are
//! decoded ([`decode_versioned`](crate::event::decode_versioned)).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::query::Query;
use super::{ReadError, Store};
use crate::coordinate::{Coordinate, Region};
use crate::event::{EventKind, EventPayload, KindCollision, StoredEvent, Upcasters};

/// An iterator over stored events decoded as `T`, from
/// [`Store::query_typed`] or [`Store::stream_typed`].
///
/// Like [`Query`] it sees the events that existed when it was created and
/// fetches them in chunks. Events of kinds that are not `T`'s are never read
/// from disk.
///
/// # Examples
///
/// See [`Store::query_typed`].
pub struct TypedQuery<'s, T> {
    /// `None` when the region and `T` share no kind.
    raw: Option<Query<'s>>,
    upcasters: Arc<Upcasters>,
    payload: PhantomData<fn() -> T>,
}

impl<T: EventPayload> Iterator for TypedQuery<'_, T> {
    type Item = Result<StoredEvent<T>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.raw.as_mut()?.next()?;
        Some(raw.and_then(|event| Ok(event.decode::<T>(&self.upcasters)?)))
    }
}

impl<T> fmt::Debug for TypedQuery<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedQuery")
            .field("type", &std::any::type_name::<T>())
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Records that `T` owns its kinds in this store (a cheap no-op after
    /// the first time).
    pub(crate) fn claim<T: EventPayload + 'static>(&self) -> Result<(), KindCollision> {
        self.shared.kinds.claim::<T>()
    }

    /// The upgrade steps configured with
    /// [`StoreConfig::upcasters`](super::StoreConfig::upcasters): the one
    /// set every typed read, projection and typed cursor of this store uses.
    pub(crate) fn upcasters(&self) -> &Upcasters {
        &self.shared.config.upcasters
    }

    /// Decodes one raw event as `T` with the store's upcasters.
    pub(crate) fn decode_as<T: EventPayload>(
        &self,
        raw: &StoredEvent<Vec<u8>>,
    ) -> Result<StoredEvent<T>, ReadError> {
        Ok(raw.decode::<T>(&self.shared.config.upcasters)?)
    }

    /// The events in `region` whose kind is one of `T`'s, in global order,
    /// decoded as `T` (upgraded from older payload versions with the
    /// configured [`Upcasters`]).
    ///
    /// An event is yielded only if it is in `region` AND of one of
    /// [`EventPayload::KINDS`]; other events are skipped without being read.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    ///
    /// #[derive(Debug, PartialEq, EventPayload)]
    /// #[batpak(category = 1)]
    /// enum AccountEvent {
    ///     #[batpak(type_id = 1)]
    ///     Deposited { cents: u64 },
    ///     #[batpak(type_id = 2)]
    ///     Withdrawn { cents: u64 },
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let alice = Coordinate::new("alice", "bank")?;
    /// store.append_typed(&alice, &AccountEvent::Deposited { cents: 500 })?;
    /// store.append(&alice, EventKind::custom(9, 1), &"an untyped note")?;
    /// store.append_typed(&alice, &AccountEvent::Withdrawn { cents: 200 })?;
    ///
    /// // Only withdrawals: the region's kinds AND the type's kinds.
    /// let region = Region::scope("bank").with_kind(AccountEvent::WITHDRAWN);
    /// let withdrawals: Vec<_> = store
    ///     .query_typed::<AccountEvent>(&region)?
    ///     .map(|e| e.map(|e| e.event.payload))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(withdrawals, [AccountEvent::Withdrawn { cents: 200 }]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReadError::KindCollision`] if another Rust type already used one of
    /// `T`'s kinds in this store. Each item is an error if its event cannot
    /// be read or does not decode as `T` ([`ReadError::Payload`]: a missing
    /// upgrade step, a version newer than `T::VERSION`, bytes that do not
    /// fit).
    pub fn query_typed<T: EventPayload + 'static>(
        &self,
        region: &Region,
    ) -> Result<TypedQuery<'_, T>, ReadError> {
        self.claim::<T>()?;
        let kinds: Vec<EventKind> = T::KINDS
            .iter()
            .copied()
            .filter(|kind| region.matches_kind(*kind))
            .collect();
        let raw = if kinds.is_empty() {
            None
        } else {
            // `with_kinds` adds to an exact kind list, so first replace the
            // region's kind filter (`with_category` does), then give exactly
            // the intersection.
            let narrowed = region.clone().with_category(0).with_kinds(kinds);
            Some(self.query(&narrowed))
        };
        Ok(TypedQuery {
            raw,
            upcasters: Arc::clone(&self.shared.config.upcasters),
            payload: PhantomData,
        })
    }

    /// One entity's events whose kind is one of `T`'s, in entity order,
    /// decoded as `T`. Other kinds (including batpak's system events, such
    /// as recorded denials) are skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, PartialEq, Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 2, type_id = 1)]
    /// struct Measured { celsius: f64 }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let sensor = Coordinate::new("sensor-1", "plant")?;
    /// for celsius in [20.5, 21.0] {
    ///     store.append_typed(&sensor, &Measured { celsius })?;
    /// }
    /// let readings: Vec<f64> = store
    ///     .stream_typed::<Measured>(&sensor)?
    ///     .map(|e| e.map(|e| e.payload().celsius))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(readings, [20.5, 21.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::query_typed`].
    pub fn stream_typed<T: EventPayload + 'static>(
        &self,
        coordinate: &Coordinate,
    ) -> Result<TypedQuery<'_, T>, ReadError> {
        // One entity's events in global order are its events in entity order.
        self.query_typed(&Region::coordinate(coordinate))
    }
}
