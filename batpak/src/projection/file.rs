//! The file-backed projection cache (bytes: docs/FORMAT.md "Projection
//! cache file"). A cache, not data: it is written atomically (temp file +
//! rename) but not synced; a file lost or torn by a crash is rejected by its
//! CRC and the projection is rebuilt.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::coordinate::Coordinate;
use crate::event::EventHash;
use crate::store::Store;

use super::{CacheStatus, Projected, Projection, ProjectionError, Target};

/// ASCII `BPKPROJ1`.
pub(crate) const MAGIC: [u8; 8] = *b"BPKPROJ1";
const VERSION_AT: usize = MAGIC.len();
const POSITION_AT: usize = VERSION_AT + 4;
const HASH_AT: usize = POSITION_AT + 8;
/// Where the variable part (entity, scope, type name, state) starts.
const VARIABLE_AT: usize = HASH_AT + 32;
const CRC_LEN: usize = 4;

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The cache file's bytes for `projected` (an entity projection).
fn encode<P: Projection + Serialize>(
    projected: &Projected<P>,
    coordinate: &Coordinate,
    path: &Path,
) -> Result<Vec<u8>, ProjectionError> {
    let state =
        rmp_serde::to_vec_named(&projected.state).map_err(|e| ProjectionError::CacheEncode {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let mut out = Vec::with_capacity(VARIABLE_AT + state.len() + 128);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&P::VERSION.to_le_bytes());
    out.extend_from_slice(&projected.position.to_le_bytes());
    out.extend_from_slice(&projected.last_hash.unwrap_or(EventHash::GENESIS).0);
    put_str(&mut out, coordinate.entity());
    put_str(&mut out, coordinate.scope());
    put_str(&mut out, std::any::type_name::<P>());
    out.extend_from_slice(&(state.len() as u32).to_le_bytes());
    out.extend_from_slice(&state);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// A bounds-checked reader over the file's bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| "the file ends early".to_owned())?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let len = usize::from(self.u16()?);
        std::str::from_utf8(self.take(len)?).map_err(|_| "a name is not UTF-8".to_owned())
    }
}

/// Reads a cached projection of `coordinate`, or says why it is refused.
fn decode<P: Projection + DeserializeOwned>(
    bytes: &[u8],
    coordinate: &Coordinate,
) -> Result<Projected<P>, String> {
    let body_len = bytes
        .len()
        .checked_sub(CRC_LEN)
        .ok_or_else(|| "the file is too short".to_owned())?;
    let (body, crc) = bytes.split_at(body_len);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err("the file's CRC does not match (torn or damaged)".into());
    }
    let mut r = Reader { bytes: body, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err("not a batpak projection cache file".into());
    }
    let version = r.u32()?;
    if version != P::VERSION {
        return Err(format!(
            "the cached state is of projection version {version}, the code is at {}",
            P::VERSION
        ));
    }
    let position = r.u64()?;
    let mut hash = [0u8; 32];
    hash.copy_from_slice(r.take(32)?);
    let (entity, scope) = (r.str()?, r.str()?);
    if (entity, scope) != (coordinate.entity(), coordinate.scope()) {
        return Err(format!(
            "the file caches {entity}@{scope}, not {coordinate}"
        ));
    }
    let type_name = r.str()?;
    if type_name != std::any::type_name::<P>() {
        return Err(format!(
            "the file caches projection {type_name}, not {}",
            std::any::type_name::<P>()
        ));
    }
    let state_len = r.u32()? as usize;
    let state = rmp_serde::from_slice(r.take(state_len)?)
        .map_err(|e| format!("the cached state does not decode: {e}"))?;
    Ok(Projected {
        state,
        target: Target::Entity(coordinate.clone()),
        position,
        last_hash: (position > 0).then_some(EventHash(hash)),
        version,
        applied: 0,
        cache: CacheStatus::Reused,
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ProjectionError> {
    let io_err = |source| ProjectionError::CacheIo {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    std::fs::write(&tmp, bytes).map_err(io_err)?;
    std::fs::rename(&tmp, path).map_err(io_err)
}

impl Store {
    /// Projects one entity starting from the state cached in the file at
    /// `path`, then writes the new state back (atomically: temp file +
    /// rename). The file survives reopen. It is used only if it matches:
    /// same entity, same projection type and [`Projection::VERSION`], and
    /// the event it last covered is in this store with the same chain hash
    /// (a file from another store, or covering events this store does not
    /// have, is rejected and the projection rebuilt; see
    /// [`Projected::cache_status`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::projection::{CacheStatus, EventMeta, Projection};
    /// # use batpak::store::{Store, StoreConfig};
    /// #[derive(Debug, EventPayload, serde::Serialize, serde::Deserialize)]
    /// #[batpak(category = 2, type_id = 1)]
    /// struct Clicked;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Clicks(u64);
    /// impl Projection for Clicks {
    ///     type Event = Clicked;
    ///     fn initial() -> Self { Clicks(0) }
    ///     fn apply(&mut self, _: &Clicked, _: &EventMeta<'_>) { self.0 += 1 }
    /// }
    ///
    /// let dir = tempfile::tempdir()?;
    /// let cache = dir.path().join("clicks.cache");
    /// let button = Coordinate::new("button-1", "ui")?;
    /// {
    ///     let store = Store::open(StoreConfig::new(dir.path().join("store")))?;
    ///     store.append_typed(&button, &Clicked)?;
    ///     let first = store.project_with_file::<Clicks>(&button, &cache)?;
    ///     assert_eq!(first.cache_status(), &CacheStatus::Missing);
    /// }
    /// let store = Store::open(StoreConfig::new(dir.path().join("store")))?;
    /// store.append_typed(&button, &Clicked)?;
    /// let again = store.project_with_file::<Clicks>(&button, &cache)?;
    /// assert_eq!((again.state().0, again.applied()), (2, 1));
    /// assert_eq!(again.cache_status(), &CacheStatus::Reused);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Store::project`]; [`ProjectionError::CacheEncode`] or
    /// [`ProjectionError::CacheIo`] if the file cannot be written. A cache
    /// file that cannot be read or does not match is not an error.
    pub fn project_with_file<P>(
        &self,
        coordinate: &Coordinate,
        path: impl AsRef<Path>,
    ) -> Result<Projected<P>, ProjectionError>
    where
        P: Projection + Serialize + DeserializeOwned,
    {
        let path = path.as_ref();
        let cached = match std::fs::read(path) {
            Ok(bytes) => Some(decode::<P>(&bytes, coordinate)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(Err(format!("the file cannot be read: {e}"))),
        };
        let projected = match cached {
            Some(Ok(previous)) => self.catch_up(previous)?,
            None => self.project_entity(coordinate)?,
            Some(Err(reason)) => {
                let mut fresh = self.project_entity(coordinate)?;
                fresh.cache = CacheStatus::Rejected { reason };
                fresh
            }
        };
        if projected.applied > 0 || projected.cache != CacheStatus::Reused {
            write_atomically(path, &encode(&projected, coordinate, path)?)?;
        }
        Ok(projected)
    }
}
