//! [`EventKind`]: the stored identity of an event type.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Highest category number (the category is 4 bits).
pub const MAX_CATEGORY: u8 = 0xF;
/// Highest type id within a category (the type id is 12 bits).
pub const MAX_TYPE_ID: u16 = 0xFFF;
/// The category reserved for batpak's own system events.
pub const SYSTEM_CATEGORY: u8 = 0;

/// Why a category/type-id pair is not a valid user event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KindError {
    /// Category 0 belongs to batpak's system events.
    #[error(
        "category 0 is reserved for batpak system events (type id {type_id:#05x}): \
         use a category from 1 to 15"
    )]
    ReservedCategory {
        /// The type id that was asked for.
        type_id: u16,
    },
    /// The category does not fit in 4 bits.
    #[error("category {category} is out of range: categories are 1 to 15")]
    CategoryOutOfRange {
        /// The category that was asked for.
        category: u8,
    },
    /// The type id does not fit in 12 bits.
    #[error("type id {type_id:#x} is out of range: type ids are 0x000 to 0xFFF (0 to 4095)")]
    TypeIdOutOfRange {
        /// The type id that was asked for.
        type_id: u16,
    },
}

/// What kind of event this is: a 4-bit category and a 12-bit type id packed
/// into a `u16` (`category << 12 | type_id`).
///
/// The kind is what the store keeps to identify an event type, so it must
/// stay stable for the life of the data: renaming a Rust type is free,
/// changing its kind is a migration. Category 0 is reserved for batpak's own
/// system events ([`EventKind::SYSTEM_DENIAL`], ...); user kinds use 1–15.
///
/// # Examples
///
/// ```
/// use batpak::EventKind;
///
/// const DEPOSITED: EventKind = EventKind::custom(1, 0x001);
/// assert_eq!(DEPOSITED.category(), 1);
/// assert_eq!(DEPOSITED.type_id(), 1);
/// assert_eq!(DEPOSITED.to_string(), "1:001");
///
/// // Outside a const context, `try_custom` reports bad values as errors.
/// assert!(EventKind::try_custom(0, 7).is_err());
/// ```
///
/// A reserved or out-of-range kind in a constant does not compile:
///
/// ```compile_fail
/// const BAD: batpak::EventKind = batpak::EventKind::custom(0, 1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventKind(u16);

impl EventKind {
    /// A denial recorded by `Store::append_denial`.
    pub const SYSTEM_DENIAL: EventKind = EventKind::system(0x001);
    /// The audit record written beside every bypassed proposal.
    pub const SYSTEM_BYPASS_AUDIT: EventKind = EventKind::system(0x002);
    /// Reserved for the store's own markers (for example batch boundaries).
    pub const SYSTEM_MARKER: EventKind = EventKind::system(0x003);

    /// A user event kind, checked at compile time when used in a `const`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventKind;
    ///
    /// const DEPOSITED: EventKind = EventKind::custom(1, 0x001);
    /// assert_eq!(DEPOSITED.category(), 1);
    /// assert_eq!(DEPOSITED.type_id(), 0x001);
    /// assert!(!DEPOSITED.is_system());
    /// ```
    ///
    /// # Panics
    ///
    /// If `category` is 0 (reserved) or above 15, or `type_id` is above
    /// 0xFFF. In a `const` item this is a compile error; at run time prefer
    /// [`EventKind::try_custom`].
    pub const fn custom(category: u8, type_id: u16) -> EventKind {
        match EventKind::try_custom(category, type_id) {
            Ok(kind) => kind,
            Err(KindError::ReservedCategory { .. }) => {
                panic!("EventKind::custom: category 0 is reserved for batpak system events; use 1 to 15")
            }
            Err(KindError::CategoryOutOfRange { .. }) => {
                panic!("EventKind::custom: category is out of range; use 1 to 15")
            }
            Err(KindError::TypeIdOutOfRange { .. }) => {
                panic!("EventKind::custom: type id is out of range; use 0x000 to 0xFFF")
            }
        }
    }

    /// A user event kind, or the reason it is not one.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::event::KindError;
    /// use batpak::EventKind;
    ///
    /// assert_eq!(EventKind::try_custom(2, 7)?, EventKind::custom(2, 7));
    /// assert!(matches!(EventKind::try_custom(0, 7), Err(KindError::ReservedCategory { .. })));
    /// assert!(matches!(EventKind::try_custom(16, 7), Err(KindError::CategoryOutOfRange { .. })));
    /// assert!(matches!(EventKind::try_custom(1, 0x1000), Err(KindError::TypeIdOutOfRange { .. })));
    /// # Ok::<(), KindError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`KindError`] for category 0, a category above 15 or a type id above
    /// 0xFFF.
    pub const fn try_custom(category: u8, type_id: u16) -> Result<EventKind, KindError> {
        if category == SYSTEM_CATEGORY {
            return Err(KindError::ReservedCategory { type_id });
        }
        if category > MAX_CATEGORY {
            return Err(KindError::CategoryOutOfRange { category });
        }
        if type_id > MAX_TYPE_ID {
            return Err(KindError::TypeIdOutOfRange { type_id });
        }
        Ok(EventKind(((category as u16) << 12) | type_id))
    }

    const fn system(type_id: u16) -> EventKind {
        EventKind(type_id & MAX_TYPE_ID)
    }

    /// Rebuilds a kind from its stored `u16` (any value is a kind; system
    /// kinds included).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventKind;
    ///
    /// assert_eq!(EventKind::from_raw(0x2007), EventKind::custom(2, 7));
    /// // Category 0 is accepted here: stored system kinds must decode.
    /// assert!(EventKind::from_raw(0x0001).is_system());
    /// ```
    pub const fn from_raw(raw: u16) -> EventKind {
        EventKind(raw)
    }

    /// The packed `u16`, as stored.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventKind;
    ///
    /// let kind = EventKind::custom(0xA, 0x123);
    /// assert_eq!(kind.to_raw(), 0xA123);
    /// assert_eq!(EventKind::from_raw(kind.to_raw()), kind);
    /// ```
    pub const fn to_raw(self) -> u16 {
        self.0
    }

    /// The 4-bit category.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventKind;
    ///
    /// assert_eq!(EventKind::custom(15, 1).category(), 15);
    /// assert_eq!(EventKind::SYSTEM_DENIAL.category(), 0);
    /// ```
    pub const fn category(self) -> u8 {
        (self.0 >> 12) as u8
    }

    /// The 12-bit type id within the category.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventKind;
    ///
    /// assert_eq!(EventKind::custom(3, 0xFFF).type_id(), 0xFFF);
    /// ```
    pub const fn type_id(self) -> u16 {
        self.0 & MAX_TYPE_ID
    }

    /// Whether this is one of batpak's own kinds (category 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::EventKind;
    ///
    /// assert!(EventKind::SYSTEM_BYPASS_AUDIT.is_system());
    /// assert!(!EventKind::custom(1, 1).is_system());
    /// ```
    pub const fn is_system(self) -> bool {
        self.category() == SYSTEM_CATEGORY
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}:{:03X}", self.category(), self.type_id())
    }
}

impl fmt::Debug for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventKind({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_roundtrips_every_corner() {
        for (category, type_id) in [(1, 0), (1, MAX_TYPE_ID), (MAX_CATEGORY, 0), (15, 0xABC)] {
            let kind = EventKind::custom(category, type_id);
            assert_eq!((kind.category(), kind.type_id()), (category, type_id));
            assert_eq!(EventKind::from_raw(kind.to_raw()), kind);
            assert!(!kind.is_system());
        }
    }

    #[test]
    fn system_kinds_are_in_category_zero() {
        assert!(EventKind::SYSTEM_DENIAL.is_system());
        assert!(EventKind::SYSTEM_BYPASS_AUDIT.is_system());
        assert_ne!(EventKind::SYSTEM_DENIAL, EventKind::SYSTEM_BYPASS_AUDIT);
    }
}
