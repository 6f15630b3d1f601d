//! The store's in-memory cache of entity projections, behind
//! [`Store::project`](crate::store::Store::project).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::coordinate::Coordinate;

use super::Projected;

/// Most (projection type, entity) states kept; the least recently used one
/// is dropped beyond this, and simply rebuilt if asked for again.
pub(crate) const MEMORY_CACHE_CAPACITY: usize = 4096;

type Key = (TypeId, Coordinate);

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, (u64, Box<dyn Any + Send + Sync>)>,
    clock: u64,
}

/// Cached [`Projected`] values keyed by projection type and entity.
#[derive(Default)]
pub(crate) struct MemoryCache {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.lock().entries.len();
        f.debug_struct("MemoryCache")
            .field("entries", &len)
            .finish()
    }
}

impl MemoryCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes and returns the cached state, if any (the caller advances it
    /// outside the lock and puts it back).
    pub(crate) fn take<P: Send + Sync + 'static>(
        &self,
        coordinate: &Coordinate,
    ) -> Option<Projected<P>> {
        let (_, boxed) = self
            .lock()
            .entries
            .remove(&(TypeId::of::<P>(), coordinate.clone()))?;
        boxed.downcast::<Projected<P>>().ok().map(|b| *b)
    }

    /// Stores a state, dropping the least recently stored one if full.
    pub(crate) fn put<P: Send + Sync + 'static>(
        &self,
        coordinate: Coordinate,
        value: Projected<P>,
    ) {
        let mut inner = self.lock();
        inner.clock += 1;
        let stamp = inner.clock;
        if inner.entries.len() >= MEMORY_CACHE_CAPACITY {
            let oldest = inner
                .entries
                .iter()
                .min_by_key(|(_, (stamp, _))| *stamp)
                .map(|(k, _)| k.clone());
            if let Some(key) = oldest {
                inner.entries.remove(&key);
            }
        }
        inner
            .entries
            .insert((TypeId::of::<P>(), coordinate), (stamp, Box::new(value)));
    }
}
