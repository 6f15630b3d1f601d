//! READ MODELS: projections fold events into state.
//!
//! A [`Projection`] is a state type tied to one [`EventPayload`] type
//! (usually a derived enum): an initial value and an `apply` that is, for an
//! enum, one exhaustive `match`, so adding a variant is a compile error
//! wherever it is not handled.
//!
//! - [`Store::project`] returns the state of one entity, consistent with
//!   every acknowledged append, and keeps it in a small in-memory cache so
//!   the next call applies only newer events.
//! - [`Store::project_entity`] / [`Store::project_region`] return a
//!   [`Projected`] (state plus the position it covers) that
//!   [`Store::catch_up`] advances; [`Store::project_with_file`] keeps it in a
//!   file that survives reopen.
//!
//! Events of kinds the payload type does not own, and the system's own
//! events (category 0: denials, bypass audits), are skipped.
//!
//! # Examples
//!
//! ```
//! use batpak::prelude::*;
//! use batpak::projection::{EventMeta, Projection};
//! use batpak::store::{Store, StoreConfig};
//!
//! #[derive(Debug, EventPayload)]
//! #[batpak(category = 1)]
//! enum AccountEvent {
//!     #[batpak(type_id = 1)]
//!     Deposited { cents: u64 },
//!     #[batpak(type_id = 2)]
//!     Withdrawn { cents: u64 },
//! }
//!
//! #[derive(Debug, Clone, Default)]
//! struct Balance(u64);
//!
//! impl Projection for Balance {
//!     type Event = AccountEvent;
//!     fn initial() -> Self {
//!         Balance(0)
//!     }
//!     fn apply(&mut self, event: &AccountEvent, _meta: &EventMeta<'_>) {
//!         match event {
//!             AccountEvent::Deposited { cents } => self.0 += cents,
//!             AccountEvent::Withdrawn { cents } => self.0 -= cents,
//!         }
//!     }
//! }
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(StoreConfig::new(dir.path()))?;
//! let account = Coordinate::new("account-1", "bank")?;
//! store.append_typed(&account, &AccountEvent::Deposited { cents: 500 })?;
//! store.append_typed(&account, &AccountEvent::Withdrawn { cents: 200 })?;
//! assert_eq!(store.project::<Balance>(&account)?.0, 300);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod error;
mod file;

use crate::coordinate::{Coordinate, Region};
use crate::event::{
    decode_versioned, EventHash, EventHeader, EventPayload, StoredEvent, Upcasters,
};
use crate::store::Store;

pub(crate) use cache::MemoryCache;
pub use error::ProjectionError;

/// A read model: state folded from the events of one payload type.
///
/// See the [module docs](self) for a complete example.
pub trait Projection: Sized {
    /// The payload type whose events this projection folds. Stored events of
    /// other kinds (and system events) are skipped.
    type Event: EventPayload + 'static;

    /// The version of `apply`'s logic. Bump it when `apply` or the state's
    /// shape changes: cached states of another version are rebuilt.
    const VERSION: u32 = 1;

    /// The state before any event.
    fn initial() -> Self;

    /// Folds one event into the state.
    fn apply(&mut self, event: &Self::Event, meta: &EventMeta<'_>);
}

/// What a projection sees of an event besides its payload.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct EventMeta<'a> {
    /// The event's entity and scope (useful in region projections).
    pub coordinate: &'a Coordinate,
    /// Its header: ids, sequences, timestamp, kind, version.
    pub header: &'a EventHeader,
    /// Its chain hash.
    pub hash: &'a EventHash,
}

/// Whether a projection call could start from a cached state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheStatus {
    /// There was no cached state: the projection was built from its initial
    /// value.
    Missing,
    /// The cached state matched the store and was advanced.
    Reused,
    /// A cached state was refused (another store, another projection
    /// version, a position the store does not have, a damaged file); the
    /// projection was rebuilt from its initial value.
    Rejected {
        /// Why it was refused.
        reason: String,
    },
}

/// What a projection covers: one entity or a region.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Entity(Coordinate),
    Region(Region),
}

/// A projection's state plus the position it covers, so that
/// [`Store::catch_up`] applies only newer events.
///
/// # Examples
///
/// ```
/// # use batpak::prelude::*;
/// # use batpak::projection::{EventMeta, Projection};
/// # use batpak::store::{Store, StoreConfig};
/// #[derive(Debug, EventPayload, serde::Serialize, serde::Deserialize)]
/// #[batpak(category = 2, type_id = 1)]
/// struct Clicked;
///
/// struct Clicks(u64);
/// impl Projection for Clicks {
///     type Event = Clicked;
///     fn initial() -> Self { Clicks(0) }
///     fn apply(&mut self, _: &Clicked, _: &EventMeta<'_>) { self.0 += 1 }
/// }
///
/// # let dir = tempfile::tempdir()?;
/// # let store = Store::open(StoreConfig::new(dir.path()))?;
/// let button = Coordinate::new("button-1", "ui")?;
/// store.append_typed(&button, &Clicked)?;
/// let clicks = store.project_entity::<Clicks>(&button)?;
/// assert_eq!((clicks.state().0, clicks.position()), (1, 1));
/// store.append_typed(&button, &Clicked)?;
/// let clicks = store.catch_up(clicks)?;
/// assert_eq!((clicks.state().0, clicks.applied()), (2, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Projected<P> {
    state: P,
    target: Target,
    /// Entity: events of the entity covered. Region: the next global
    /// sequence to consider.
    position: u64,
    /// Hash of the last covered event (entity) or of the event at
    /// `position - 1` (region): what ties the state to one store.
    last_hash: Option<EventHash>,
    version: u32,
    applied: u64,
    cache: CacheStatus,
}

impl<P: Projection> Projected<P> {
    fn initial(target: Target) -> Projected<P> {
        Projected {
            state: P::initial(),
            target,
            position: 0,
            last_hash: None,
            version: P::VERSION,
            applied: 0,
            cache: CacheStatus::Missing,
        }
    }
}

impl<P> Projected<P> {
    /// The state.
    ///
    /// # Examples
    ///
    /// See [`Projected`].
    pub fn state(&self) -> &P {
        &self.state
    }

    /// The state, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(Debug, EventPayload, serde::Serialize, serde::Deserialize)]
    /// # #[batpak(category = 2, type_id = 1)]
    /// # struct Clicked;
    /// # struct Clicks(u64);
    /// # impl Projection for Clicks {
    /// #     type Event = Clicked;
    /// #     fn initial() -> Self { Clicks(0) }
    /// #     fn apply(&mut self, _: &Clicked, _: &EventMeta<'_>) { self.0 += 1 }
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let button = Coordinate::new("button-1", "ui")?;
    /// store.append_typed(&button, &Clicked)?;
    /// store.append_typed(&button, &Clicked)?;
    /// let clicks: Clicks = store.project_entity::<Clicks>(&button)?.into_state();
    /// assert_eq!(clicks.0, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_state(self) -> P {
        self.state
    }

    /// The position covered: for an entity projection, how many of the
    /// entity's events (its next entity sequence); for a region projection,
    /// the next global sequence to consider.
    ///
    /// # Examples
    ///
    /// See [`Projected`].
    pub fn position(&self) -> u64 {
        self.position
    }

    /// How many events the call that returned this applied.
    ///
    /// # Examples
    ///
    /// See [`Projected`].
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// Whether the call that returned this started from a cached state.
    ///
    /// # Examples
    ///
    /// See [`Store::project_with_file`].
    pub fn cache_status(&self) -> &CacheStatus {
        &self.cache
    }

    /// The entity, for an entity projection.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # #[derive(Debug, EventPayload, serde::Serialize, serde::Deserialize)]
    /// # #[batpak(category = 2, type_id = 1)]
    /// # struct Clicked;
    /// # struct Clicks(u64);
    /// # impl Projection for Clicks {
    /// #     type Event = Clicked;
    /// #     fn initial() -> Self { Clicks(0) }
    /// #     fn apply(&mut self, _: &Clicked, _: &EventMeta<'_>) { self.0 += 1 }
    /// # }
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let button = Coordinate::new("button-1", "ui")?;
    /// store.append_typed(&button, &Clicked)?;
    /// store.append_typed(&button, &Clicked)?;
    /// let by_entity = store.project_entity::<Clicks>(&button)?;
    /// assert_eq!(by_entity.coordinate(), Some(&button));
    /// let by_region = store.project_region::<Clicks>(&Region::scope("ui"))?;
    /// assert_eq!(by_region.coordinate(), None);
    /// assert_eq!(by_region.state().0, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn coordinate(&self) -> Option<&Coordinate> {
        match &self.target {
            Target::Entity(c) => Some(c),
            Target::Region(_) => None,
        }
    }
}

/// Folds one raw event into `state` if it is of the projection's type.
fn apply_one<P: Projection>(
    state: &mut P,
    event: &StoredEvent<Vec<u8>>,
    upcasters: &Upcasters,
) -> Result<bool, ProjectionError> {
    let header = event.header();
    if header.kind.is_system() || !P::Event::KINDS.contains(&header.kind) {
        return Ok(false);
    }
    let payload = decode_versioned::<P::Event>(
        header.kind,
        header.payload_version,
        event.payload(),
        upcasters,
    )?;
    state.apply(
        &payload,
        &EventMeta {
            coordinate: &event.coordinate,
            header,
            hash: &event.hash,
        },
    );
    Ok(true)
}

/// A cached state that does not belong to this store as it is now.
struct Mismatch(String);

impl Store {
    /// The state of `P` for one entity, including every event acknowledged
    /// before the call.
    ///
    /// The store keeps the last state of each (projection type, entity) in a
    /// bounded in-memory cache, so the next call applies only the events
    /// appended since. Two threads projecting the same entity at once are
    /// both correct; one of them may rebuild from scratch.
    ///
    /// # Examples
    ///
    /// See the [module docs](crate::projection).
    ///
    /// # Errors
    ///
    /// [`ProjectionError::Read`] if an event cannot be read,
    /// [`ProjectionError::Payload`] if one does not decode as `P::Event`.
    pub fn project<P>(&self, coordinate: &Coordinate) -> Result<P, ProjectionError>
    where
        P: Projection + Clone + Send + Sync + 'static,
    {
        let cache = self.projection_cache();
        let projected = match cache.take::<P>(coordinate) {
            Some(previous) => self.catch_up(previous)?,
            None => self.project_entity::<P>(coordinate)?,
        };
        let state = projected.state.clone();
        cache.put(coordinate.clone(), projected);
        Ok(state)
    }

    /// Projects one entity from its first event (no cache), returning the
    /// state with the position it covers.
    ///
    /// # Examples
    ///
    /// See [`Projected`].
    ///
    /// # Errors
    ///
    /// As [`Store::project`].
    pub fn project_entity<P: Projection>(
        &self,
        coordinate: &Coordinate,
    ) -> Result<Projected<P>, ProjectionError> {
        self.project_fresh(Target::Entity(coordinate.clone()))
    }

    /// Projects every event in `region` (for example all accounts of a
    /// scope) in global order. To start a projection added after the fact
    /// at a position, narrow the region with [`Region::from_sequence`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::collections::BTreeMap;
    /// # use batpak::prelude::*;
    /// # use batpak::projection::{EventMeta, Projection};
    /// # use batpak::store::{Store, StoreConfig};
    /// #[derive(Debug, EventPayload, serde::Serialize, serde::Deserialize)]
    /// #[batpak(category = 1, type_id = 1)]
    /// struct Deposited { cents: u64 }
    ///
    /// #[derive(Default)]
    /// struct Balances(BTreeMap<String, u64>);
    /// impl Projection for Balances {
    ///     type Event = Deposited;
    ///     fn initial() -> Self { Balances::default() }
    ///     fn apply(&mut self, event: &Deposited, meta: &EventMeta<'_>) {
    ///         *self.0.entry(meta.coordinate.entity().to_owned()).or_default() += event.cents;
    ///     }
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// for (account, cents) in [("a-1", 5), ("a-2", 7), ("a-1", 1)] {
    ///     store.append_typed(&Coordinate::new(account, "bank")?, &Deposited { cents })?;
    /// }
    /// let all = store.project_region::<Balances>(&Region::scope("bank"))?;
    /// assert_eq!(all.state().0["a-1"], 6);
    /// // A projection started at global sequence 2 sees only what came after.
    /// let late = store.project_region::<Balances>(&Region::scope("bank").from_sequence(2))?;
    /// assert_eq!(late.state().0.get("a-2"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::project`].
    pub fn project_region<P: Projection>(
        &self,
        region: &Region,
    ) -> Result<Projected<P>, ProjectionError> {
        self.project_fresh(Target::Region(region.clone()))
    }

    /// Advances a projection by the events appended since it was computed.
    /// If `previous` does not match this store (another store, a position
    /// this store does not have, another projection version), it is rebuilt
    /// from its initial value and [`Projected::cache_status`] says why.
    ///
    /// # Examples
    ///
    /// See [`Projected`].
    ///
    /// # Errors
    ///
    /// As [`Store::project`].
    pub fn catch_up<P: Projection>(
        &self,
        previous: Projected<P>,
    ) -> Result<Projected<P>, ProjectionError> {
        let mut projected = previous;
        projected.applied = 0;
        projected.cache = CacheStatus::Reused;
        let mismatch = if projected.version == P::VERSION {
            self.advance(&mut projected)?.err()
        } else {
            Some(Mismatch(format!(
                "the cached state is of projection version {}, the code is at {}",
                projected.version,
                P::VERSION
            )))
        };
        if let Some(Mismatch(reason)) = mismatch {
            let mut fresh = self.project_fresh(projected.target)?;
            fresh.cache = CacheStatus::Rejected { reason };
            return Ok(fresh);
        }
        Ok(projected)
    }

    /// Projects from the initial value. Every mismatch needs a position
    /// above 0, so a fresh projection has nothing to mismatch.
    fn project_fresh<P: Projection>(
        &self,
        target: Target,
    ) -> Result<Projected<P>, ProjectionError> {
        let mut projected = Projected::initial(target);
        let _nothing_to_mismatch = self.advance(&mut projected)?;
        Ok(projected)
    }

    fn advance<P: Projection>(
        &self,
        p: &mut Projected<P>,
    ) -> Result<Result<(), Mismatch>, ProjectionError> {
        // The payload type claims its kinds like every typed use, and old
        // payload versions are upgraded with the store's one set of steps.
        self.claim::<P::Event>()?;
        let upcasters = self.upcasters();
        match p.target.clone() {
            Target::Entity(coordinate) => self.advance_entity(p, &coordinate, upcasters),
            Target::Region(region) => self.advance_region(p, &region, upcasters),
        }
    }

    fn advance_entity<P: Projection>(
        &self,
        p: &mut Projected<P>,
        coordinate: &Coordinate,
        upcasters: &Upcasters,
    ) -> Result<Result<(), Mismatch>, ProjectionError> {
        let (len, head) = self
            .entity_head(coordinate)
            .unwrap_or((0, EventHash::GENESIS));
        if p.position > len {
            return Ok(Err(Mismatch(format!(
                "the cached state covers {} events of {coordinate}, the store has {len}",
                p.position
            ))));
        }
        if p.position == len {
            if p.position > 0 && p.last_hash != Some(head) {
                return Ok(Err(not_this_store(coordinate, p.position)));
            }
            return Ok(Ok(()));
        }
        let mut events = self.stream_from(coordinate, p.position.saturating_sub(1));
        if p.position > 0 {
            let covered = events.next().transpose()?;
            if covered.map(|e| e.hash) != p.last_hash {
                return Ok(Err(not_this_store(coordinate, p.position)));
            }
        }
        for event in events {
            let event = event?;
            if apply_one(&mut p.state, &event, upcasters)? {
                p.applied += 1;
            }
            p.position = event.header().entity_sequence + 1;
            p.last_hash = Some(event.hash);
        }
        Ok(Ok(()))
    }

    fn advance_region<P: Projection>(
        &self,
        p: &mut Projected<P>,
        region: &Region,
        upcasters: &Upcasters,
    ) -> Result<Result<(), Mismatch>, ProjectionError> {
        let end = self.len();
        if p.position > end {
            return Ok(Err(Mismatch(format!(
                "the cached state covers global sequence {}, the store holds {end} events",
                p.position
            ))));
        }
        if p.position > 0 && self.hash_at(p.position - 1)? != p.last_hash {
            return Ok(Err(Mismatch(format!(
                "the event at global sequence {} is not the one the cached state saw: \
                 it comes from another store",
                p.position - 1
            ))));
        }
        if p.position == end {
            return Ok(Ok(()));
        }
        if let Some(range) = intersect(region, p.position, end - 1) {
            for event in self.query(&region.clone().with_sequence(range)) {
                let event = event?;
                if apply_one(&mut p.state, &event, upcasters)? {
                    p.applied += 1;
                }
            }
        }
        p.position = end;
        p.last_hash = self.hash_at(end - 1)?;
        Ok(Ok(()))
    }
}

fn not_this_store(coordinate: &Coordinate, position: u64) -> Mismatch {
    Mismatch(format!(
        "event {} of {coordinate} is not the one the cached state saw: it comes from \
         another store",
        position - 1
    ))
}

/// `from..=to` narrowed by the region's own sequence range, if not empty.
pub(crate) fn intersect(
    region: &Region,
    from: u64,
    to: u64,
) -> Option<std::ops::RangeInclusive<u64>> {
    let (lo, hi) = match region.sequence_range() {
        Some(r) => (from.max(*r.start()), to.min(*r.end())),
        None => (from, to),
    };
    (lo <= hi).then_some(lo..=hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;
    use crate::store::{BatchItem, Durability, StoreConfig};

    #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
    struct Tick;

    impl EventPayload for Tick {
        const KINDS: &'static [EventKind] = &[EventKind::custom(1, 1)];
        const VERSION: u16 = 1;
        const TYPE_NAME: &'static str = "Tick";
        fn kind(&self) -> EventKind {
            Self::KINDS[0]
        }
        fn encode_payload(&self) -> Result<Vec<u8>, crate::event::PayloadError> {
            crate::event::encode_msgpack(Self::TYPE_NAME, self)
        }
        fn decode_payload(
            kind: EventKind,
            bytes: &[u8],
        ) -> Result<Self, crate::event::PayloadError> {
            crate::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
        }
    }

    #[derive(Clone)]
    struct Ticks(Vec<u64>);

    impl Projection for Ticks {
        type Event = Tick;
        fn initial() -> Self {
            Ticks(Vec::new())
        }
        fn apply(&mut self, _: &Tick, meta: &EventMeta<'_>) {
            self.0.push(meta.header.entity_sequence);
        }
    }

    #[test]
    fn system_events_in_an_entity_stream_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path())).unwrap();
        let c = Coordinate::new("e", "s").unwrap();
        store.append_typed(&c, &Tick).unwrap();
        let items = vec![
            BatchItem::typed(&c, &Tick).unwrap(),
            BatchItem::new(&c, EventKind::SYSTEM_BYPASS_AUDIT, &"audit").unwrap(),
        ];
        store.append_batch_system(items, Durability::Sync).unwrap();
        store.append_typed(&c, &Tick).unwrap();
        assert_eq!(store.project::<Ticks>(&c).unwrap().0, [0, 1, 3]);
        let region = store.project_region::<Ticks>(&Region::all()).unwrap();
        assert_eq!(region.state().0, [0, 1, 3]);
    }
}
