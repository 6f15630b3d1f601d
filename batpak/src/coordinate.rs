//! WHO and WHERE: [`Coordinate`] names the entity an event belongs to and the
//! scope it lives in; [`Region`] is the one predicate used by queries,
//! subscriptions and cursors.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use crate::event::EventKind;

/// Longest entity or scope name accepted, in bytes of UTF-8.
///
/// The bound keeps index entries and frames small and makes a corrupt length
/// on disk easy to reject. 256 bytes fits a UUID, a path-like key such as
/// `tenant-42/account/7f3a…`, or a short human name with room to spare.
pub const MAX_NAME_LEN: usize = 256;

/// Which half of a coordinate a validation error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoordinatePart {
    /// The entity name.
    Entity,
    /// The scope name.
    Scope,
}

impl fmt::Display for CoordinatePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CoordinatePart::Entity => "entity",
            CoordinatePart::Scope => "scope",
        })
    }
}

/// Why a string was refused as an entity or scope name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoordinateError {
    /// The name was the empty string.
    #[error("{part} name is empty: give every {part} a non-empty name")]
    Empty {
        /// Entity or scope.
        part: CoordinatePart,
    },
    /// The name was longer than [`MAX_NAME_LEN`] bytes.
    #[error(
        "{part} name is {len} bytes, over the limit of {max} bytes: shorten it \
         (for example hash a long natural key): {preview:?}"
    )]
    TooLong {
        /// Entity or scope.
        part: CoordinatePart,
        /// Length of the refused name in bytes.
        len: usize,
        /// The limit, [`MAX_NAME_LEN`].
        max: usize,
        /// The first characters of the refused name.
        preview: String,
    },
    /// The name contained a control character (newline, tab, NUL, ...).
    #[error(
        "{part} name {value:?} contains the control character {character:?} at byte {at}: \
         names must be printable; remove or escape it"
    )]
    ControlCharacter {
        /// Entity or scope.
        part: CoordinatePart,
        /// The refused name.
        value: String,
        /// The offending character.
        character: char,
        /// Its byte offset in the name.
        at: usize,
    },
}

/// Validates one entity or scope name against the rules documented on
/// [`Coordinate::new`].
///
/// # Examples
///
/// ```
/// use batpak::coordinate::{validate_name, CoordinatePart};
/// use batpak::CoordinateError;
///
/// assert!(validate_name(CoordinatePart::Entity, "account-7").is_ok());
/// let err = validate_name(CoordinatePart::Scope, "bad\nscope").unwrap_err();
/// assert!(matches!(err, CoordinateError::ControlCharacter { at: 3, .. }));
/// ```
///
/// # Errors
///
/// Returns the [`CoordinateError`] for the first rule the name breaks.
pub fn validate_name(part: CoordinatePart, name: &str) -> Result<(), CoordinateError> {
    if name.is_empty() {
        return Err(CoordinateError::Empty { part });
    }
    if name.len() > MAX_NAME_LEN {
        return Err(CoordinateError::TooLong {
            part,
            len: name.len(),
            max: MAX_NAME_LEN,
            preview: name.chars().take(32).collect(),
        });
    }
    if let Some((at, character)) = name.char_indices().find(|(_, c)| c.is_control()) {
        return Err(CoordinateError::ControlCharacter {
            part,
            value: name.to_owned(),
            character,
            at,
        });
    }
    Ok(())
}

/// The address of an event stream: an entity within a scope.
///
/// The entity is the thing events are about (`account-7`, `order/2026/118`);
/// the scope groups entities (a tenant, a bounded context, a table). Each
/// entity has its own sequence and hash chain.
///
/// Cloning is cheap: both names are shared, reference-counted strings.
///
/// # Examples
///
/// ```
/// use batpak::Coordinate;
///
/// let coord = Coordinate::new("account-7", "bank")?;
/// assert_eq!(coord.entity(), "account-7");
/// assert_eq!(coord.scope(), "bank");
/// assert_eq!(coord.to_string(), "bank/account-7");
/// # Ok::<(), batpak::CoordinateError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Coordinate {
    // Scope first so that the derived ordering groups by scope.
    scope: Arc<str>,
    entity: Arc<str>,
}

impl Coordinate {
    /// Builds a coordinate after checking both names.
    ///
    /// Rules, for the entity and the scope alike: not empty; at most
    /// [`MAX_NAME_LEN`] bytes; no control characters.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{Coordinate, CoordinateError};
    ///
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// assert_eq!(coord.to_string(), "bank/account-7");
    ///
    /// let err = Coordinate::new("", "bank").unwrap_err();
    /// assert!(matches!(err, CoordinateError::Empty { .. }));
    /// # Ok::<(), CoordinateError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CoordinateError`] naming the rule, the part and the offending value.
    pub fn new(entity: impl AsRef<str>, scope: impl AsRef<str>) -> Result<Self, CoordinateError> {
        let (entity, scope) = (entity.as_ref(), scope.as_ref());
        validate_name(CoordinatePart::Entity, entity)?;
        validate_name(CoordinatePart::Scope, scope)?;
        Ok(Coordinate {
            entity: Arc::from(entity),
            scope: Arc::from(scope),
        })
    }

    /// Builds a coordinate from names that are already shared, after checking
    /// them. Lets a store hand out coordinates that reuse its interned names.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use batpak::Coordinate;
    ///
    /// let scope: Arc<str> = Arc::from("bank");
    /// let coord = Coordinate::from_shared(Arc::from("account-7"), scope.clone())?;
    /// assert!(Arc::ptr_eq(coord.scope_shared(), &scope));
    /// assert!(Coordinate::from_shared(Arc::from(""), scope).is_err());
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Coordinate::new`].
    pub fn from_shared(entity: Arc<str>, scope: Arc<str>) -> Result<Self, CoordinateError> {
        validate_name(CoordinatePart::Entity, &entity)?;
        validate_name(CoordinatePart::Scope, &scope)?;
        Ok(Coordinate { entity, scope })
    }

    /// The entity name.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Coordinate;
    ///
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// assert_eq!(coord.entity(), "account-7");
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// The scope name.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Coordinate;
    ///
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// assert_eq!(coord.scope(), "bank");
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The entity name as a shared string (no allocation to clone).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use batpak::Coordinate;
    ///
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// let copy = coord.clone();
    /// assert!(Arc::ptr_eq(coord.entity_shared(), copy.entity_shared()));
    /// assert_eq!(&**coord.entity_shared(), "account-7");
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn entity_shared(&self) -> &Arc<str> {
        &self.entity
    }

    /// The scope name as a shared string (no allocation to clone).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use batpak::Coordinate;
    ///
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// let copy = coord.clone();
    /// assert!(Arc::ptr_eq(coord.scope_shared(), copy.scope_shared()));
    /// assert_eq!(&**coord.scope_shared(), "bank");
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn scope_shared(&self) -> &Arc<str> {
        &self.scope
    }
}

impl fmt::Display for Coordinate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.scope, self.entity)
    }
}

impl fmt::Debug for Coordinate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coordinate")
            .field("entity", &&*self.entity)
            .field("scope", &&*self.scope)
            .finish()
    }
}

/// Which entities a [`Region`] covers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntityFilter {
    /// Every entity.
    All,
    /// Exactly this entity name.
    Exact(Arc<str>),
    /// Every entity whose name starts with this prefix.
    Prefix(Arc<str>),
}

/// Which event kinds a [`Region`] covers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KindFilter {
    /// Every kind.
    All,
    /// Any of these exact kinds.
    Exact(Vec<EventKind>),
    /// Every kind in this category (0–15).
    Category(u8),
}

/// The one predicate for "which events": queries, subscriptions and cursors
/// all take a `Region`.
///
/// Start from [`Region::all`], [`Region::entity`], [`Region::entity_prefix`]
/// or [`Region::scope`], then narrow with the `with_*` methods. Every
/// narrowing is an AND.
///
/// # Examples
///
/// ```
/// use batpak::{Coordinate, EventKind, Region};
///
/// const DEPOSITED: EventKind = EventKind::custom(1, 1);
/// const WITHDRAWN: EventKind = EventKind::custom(1, 2);
///
/// let region = Region::entity_prefix("account-")
///     .with_scope("bank")
///     .with_kind(DEPOSITED)
///     .with_sequence(10..=20);
///
/// let coord = Coordinate::new("account-7", "bank")?;
/// assert!(region.matches(&coord, DEPOSITED, 15));
/// assert!(!region.matches(&coord, WITHDRAWN, 15));
/// assert!(!region.matches(&coord, DEPOSITED, 21));
/// # Ok::<(), batpak::CoordinateError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    entity: EntityFilter,
    scope: Option<Arc<str>>,
    kinds: KindFilter,
    sequence: Option<RangeInclusive<u64>>,
}

impl Region {
    /// Every event in the store.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{Coordinate, EventKind, Region};
    ///
    /// let region = Region::all();
    /// let coord = Coordinate::new("anything", "anywhere")?;
    /// assert!(region.matches(&coord, EventKind::custom(15, 4095), u64::MAX));
    /// assert_eq!(region, Region::default());
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn all() -> Self {
        Region {
            entity: EntityFilter::All,
            scope: None,
            kinds: KindFilter::All,
            sequence: None,
        }
    }

    /// The events of one entity (in any scope unless narrowed with
    /// [`Region::with_scope`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{Coordinate, EventKind, Region};
    ///
    /// let region = Region::entity("account-7");
    /// let kind = EventKind::custom(1, 1);
    /// assert!(region.matches(&Coordinate::new("account-7", "bank")?, kind, 0));
    /// assert!(region.matches(&Coordinate::new("account-7", "audit")?, kind, 0));
    /// assert!(!region.matches(&Coordinate::new("account-70", "bank")?, kind, 0));
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn entity(entity: impl AsRef<str>) -> Self {
        Region {
            entity: EntityFilter::Exact(Arc::from(entity.as_ref())),
            ..Region::all()
        }
    }

    /// The events of exactly this coordinate: its entity, in its scope.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{Coordinate, EventKind, Region};
    ///
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// let region = Region::coordinate(&coord);
    /// let kind = EventKind::custom(1, 1);
    /// assert!(region.matches(&coord, kind, 0));
    /// assert!(!region.matches(&Coordinate::new("account-7", "audit")?, kind, 0));
    /// assert_eq!(region.scope_filter(), Some("bank"));
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn coordinate(coord: &Coordinate) -> Self {
        Region {
            entity: EntityFilter::Exact(coord.entity_shared().clone()),
            scope: Some(coord.scope_shared().clone()),
            ..Region::all()
        }
    }

    /// The events of every entity whose name starts with `prefix`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// let region = Region::entity_prefix("order/2026/");
    /// assert!(region.matches_entity("order/2026/118"));
    /// assert!(!region.matches_entity("order/2025/7"));
    /// ```
    pub fn entity_prefix(prefix: impl AsRef<str>) -> Self {
        Region {
            entity: EntityFilter::Prefix(Arc::from(prefix.as_ref())),
            ..Region::all()
        }
    }

    /// The events of every entity in one scope.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// let region = Region::scope("bank");
    /// assert!(region.matches_scope("bank"));
    /// assert!(!region.matches_scope("audit"));
    /// assert!(region.matches_entity("any-entity"));
    /// ```
    pub fn scope(scope: impl AsRef<str>) -> Self {
        Region::all().with_scope(scope)
    }

    /// Narrows to one scope.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// let region = Region::entity("account-7").with_scope("bank");
    /// assert!(region.matches_scope("bank"));
    /// assert!(!region.matches_scope("audit"));
    /// ```
    #[must_use]
    pub fn with_scope(mut self, scope: impl AsRef<str>) -> Self {
        self.scope = Some(Arc::from(scope.as_ref()));
        self
    }

    /// Narrows to one exact kind; calling it again adds another kind
    /// (any of them matches).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{EventKind, Region};
    ///
    /// const OPENED: EventKind = EventKind::custom(1, 1);
    /// const CLOSED: EventKind = EventKind::custom(1, 2);
    /// let region = Region::all().with_kind(OPENED).with_kind(CLOSED);
    /// assert!(region.matches_kind(OPENED));
    /// assert!(region.matches_kind(CLOSED));
    /// assert!(!region.matches_kind(EventKind::custom(1, 3)));
    /// ```
    #[must_use]
    pub fn with_kind(self, kind: EventKind) -> Self {
        self.with_kinds([kind])
    }

    /// Narrows to any of these exact kinds (added to kinds already given).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::coordinate::KindFilter;
    /// use batpak::{EventKind, Region};
    ///
    /// let a = EventKind::custom(2, 1);
    /// let b = EventKind::custom(2, 2);
    /// let region = Region::all().with_kinds([b, a, b]);
    /// assert!(region.matches_kind(a) && region.matches_kind(b));
    /// // Stored sorted and without duplicates.
    /// assert_eq!(region.kind_filter(), &KindFilter::Exact(vec![a, b]));
    /// ```
    #[must_use]
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = EventKind>) -> Self {
        let mut list = match self.kinds {
            KindFilter::Exact(list) => list,
            KindFilter::All | KindFilter::Category(_) => Vec::new(),
        };
        list.extend(kinds);
        list.sort_unstable();
        list.dedup();
        self.kinds = KindFilter::Exact(list);
        self
    }

    /// Narrows to every kind of one category (replacing any kind filter).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{EventKind, Region};
    ///
    /// let region = Region::all().with_category(3);
    /// assert!(region.matches_kind(EventKind::custom(3, 1)));
    /// assert!(region.matches_kind(EventKind::custom(3, 4095)));
    /// assert!(!region.matches_kind(EventKind::custom(4, 1)));
    /// ```
    #[must_use]
    pub fn with_category(mut self, category: u8) -> Self {
        self.kinds = KindFilter::Category(category);
        self
    }

    /// Narrows to global sequence numbers within `range` (inclusive).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// let region = Region::all().with_sequence(10..=20);
    /// assert!(region.matches_sequence(10));
    /// assert!(region.matches_sequence(20));
    /// assert!(!region.matches_sequence(21));
    /// ```
    #[must_use]
    pub fn with_sequence(mut self, range: RangeInclusive<u64>) -> Self {
        self.sequence = Some(range);
        self
    }

    /// Narrows to global sequence numbers at or after `from`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// let region = Region::all().from_sequence(100);
    /// assert!(!region.matches_sequence(99));
    /// assert!(region.matches_sequence(u64::MAX));
    /// assert_eq!(region.sequence_range(), Some(&(100..=u64::MAX)));
    /// ```
    #[must_use]
    pub fn from_sequence(self, from: u64) -> Self {
        self.with_sequence(from..=u64::MAX)
    }

    /// The entity filter.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::coordinate::EntityFilter;
    /// use batpak::Region;
    ///
    /// assert_eq!(Region::all().entity_filter(), &EntityFilter::All);
    /// assert!(matches!(
    ///     Region::entity_prefix("acct-").entity_filter(),
    ///     EntityFilter::Prefix(prefix) if &**prefix == "acct-"
    /// ));
    /// ```
    pub fn entity_filter(&self) -> &EntityFilter {
        &self.entity
    }

    /// The scope, if narrowed to one.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// assert_eq!(Region::all().scope_filter(), None);
    /// assert_eq!(Region::scope("bank").scope_filter(), Some("bank"));
    /// ```
    pub fn scope_filter(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The kind filter.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::coordinate::KindFilter;
    /// use batpak::Region;
    ///
    /// assert_eq!(Region::all().kind_filter(), &KindFilter::All);
    /// assert_eq!(Region::all().with_category(2).kind_filter(), &KindFilter::Category(2));
    /// ```
    pub fn kind_filter(&self) -> &KindFilter {
        &self.kinds
    }

    /// The global sequence range, if narrowed to one.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// assert_eq!(Region::all().sequence_range(), None);
    /// assert_eq!(Region::all().with_sequence(1..=5).sequence_range(), Some(&(1..=5)));
    /// ```
    pub fn sequence_range(&self) -> Option<&RangeInclusive<u64>> {
        self.sequence.as_ref()
    }

    /// Whether an entity name passes the entity filter.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// assert!(Region::all().matches_entity("anyone"));
    /// assert!(Region::entity("acct").matches_entity("acct"));
    /// assert!(!Region::entity("acct").matches_entity("acct-2"));
    /// assert!(Region::entity_prefix("acct").matches_entity("acct-2"));
    /// ```
    pub fn matches_entity(&self, entity: &str) -> bool {
        match &self.entity {
            EntityFilter::All => true,
            EntityFilter::Exact(name) => **name == *entity,
            EntityFilter::Prefix(prefix) => entity.starts_with(&**prefix),
        }
    }

    /// Whether a scope name passes the scope filter.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// assert!(Region::all().matches_scope("bank"));
    /// assert!(Region::scope("bank").matches_scope("bank"));
    /// assert!(!Region::scope("bank").matches_scope("audit"));
    /// ```
    pub fn matches_scope(&self, scope: &str) -> bool {
        self.scope.as_deref().is_none_or(|s| s == scope)
    }

    /// Whether a kind passes the kind filter.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{EventKind, Region};
    ///
    /// let region = Region::all().with_kind(EventKind::custom(1, 1));
    /// assert!(region.matches_kind(EventKind::custom(1, 1)));
    /// assert!(!region.matches_kind(EventKind::custom(1, 2)));
    /// ```
    pub fn matches_kind(&self, kind: EventKind) -> bool {
        match &self.kinds {
            KindFilter::All => true,
            KindFilter::Exact(list) => list.binary_search(&kind).is_ok(),
            KindFilter::Category(category) => kind.category() == *category,
        }
    }

    /// Whether a global sequence number passes the sequence filter.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Region;
    ///
    /// assert!(Region::all().matches_sequence(0));
    /// let region = Region::all().with_sequence(5..=6);
    /// assert!(!region.matches_sequence(4));
    /// assert!(region.matches_sequence(6));
    /// ```
    pub fn matches_sequence(&self, global_sequence: u64) -> bool {
        self.sequence
            .as_ref()
            .is_none_or(|range| range.contains(&global_sequence))
    }

    /// Whether an event at `coord`, of `kind`, at `global_sequence` is in the
    /// region.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{Coordinate, EventKind, Region};
    ///
    /// let region = Region::scope("bank").with_category(1).from_sequence(10);
    /// let coord = Coordinate::new("account-7", "bank")?;
    /// assert!(region.matches(&coord, EventKind::custom(1, 5), 10));
    /// // Every filter must pass: a wrong category alone excludes the event.
    /// assert!(!region.matches(&coord, EventKind::custom(2, 5), 10));
    /// assert!(!region.matches(&coord, EventKind::custom(1, 5), 9));
    /// # Ok::<(), batpak::CoordinateError>(())
    /// ```
    pub fn matches(&self, coord: &Coordinate, kind: EventKind, global_sequence: u64) -> bool {
        self.matches_entity(coord.entity())
            && self.matches_scope(coord.scope())
            && self.matches_kind(kind)
            && self.matches_sequence(global_sequence)
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_entity_region_ignores_prefix_matches() {
        let region = Region::entity("acct");
        assert!(region.matches_entity("acct"));
        assert!(!region.matches_entity("acct-2"));
    }

    #[test]
    fn category_filter_replaces_exact_kinds() {
        let region = Region::all()
            .with_kind(EventKind::custom(1, 1))
            .with_category(2);
        assert!(region.matches_kind(EventKind::custom(2, 9)));
        assert!(!region.matches_kind(EventKind::custom(1, 1)));
    }
}
