//! Cursor checkpoint files (bytes: docs/FORMAT.md "Cursor checkpoint"),
//! written through the store's I/O seam: temp file, sync, rename, sync the
//! directory, so a crash leaves the old checkpoint or the new one.

use std::path::{Path, PathBuf};

use crate::event::EventHash;
use crate::store::io::StoreIo;

use super::CursorError;

/// The directory, inside the store directory, holding checkpoints.
pub(crate) const CURSOR_DIR: &str = "cursors";
/// A checkpoint file's extension.
pub(crate) const CHECKPOINT_EXT: &str = "cursor";

/// ASCII `BPKCURS1`.
pub(crate) const MAGIC: [u8; 8] = *b"BPKCURS1";
pub(crate) const POSITION_AT: usize = MAGIC.len();
pub(crate) const HASH_AT: usize = POSITION_AT + 8;
pub(crate) const CRC_AT: usize = HASH_AT + 32;
/// Total length.
pub(crate) const CHECKPOINT_LEN: usize = CRC_AT + 4;

/// What a checkpoint holds: the next global sequence to deliver and the
/// hash of the event before it (`None` at 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    pub(crate) position: u64,
    pub(crate) last_hash: Option<EventHash>,
}

impl Checkpoint {
    pub(crate) fn encode(&self) -> [u8; CHECKPOINT_LEN] {
        let mut b = [0u8; CHECKPOINT_LEN];
        b[..POSITION_AT].copy_from_slice(&MAGIC);
        b[POSITION_AT..HASH_AT].copy_from_slice(&self.position.to_le_bytes());
        b[HASH_AT..CRC_AT].copy_from_slice(&self.last_hash.unwrap_or(EventHash::GENESIS).0);
        let crc = crc32fast::hash(&b[..CRC_AT]);
        b[CRC_AT..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    pub(crate) fn decode(b: &[u8]) -> Result<Checkpoint, String> {
        if b.len() != CHECKPOINT_LEN {
            return Err(format!("{} bytes, expected {CHECKPOINT_LEN}", b.len()));
        }
        if b[..POSITION_AT] != MAGIC {
            return Err("not a batpak cursor checkpoint".into());
        }
        let mut crc = [0u8; 4];
        crc.copy_from_slice(&b[CRC_AT..]);
        if crc32fast::hash(&b[..CRC_AT]) != u32::from_le_bytes(crc) {
            return Err("its CRC does not match".into());
        }
        let mut pos = [0u8; 8];
        pos.copy_from_slice(&b[POSITION_AT..HASH_AT]);
        let position = u64::from_le_bytes(pos);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&b[HASH_AT..CRC_AT]);
        Ok(Checkpoint {
            position,
            last_hash: (position > 0).then_some(EventHash(hash)),
        })
    }
}

/// The checkpoint file of cursor `name` in store directory `dir`.
pub(crate) fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(CURSOR_DIR)
        .join(format!("{name}.{CHECKPOINT_EXT}"))
}

/// Reads a checkpoint; `Ok(None)` if there is none yet.
pub(crate) fn read(path: &Path) -> Result<Option<Checkpoint>, CursorError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            Checkpoint::decode(&bytes)
                .map(Some)
                .map_err(|reason| CursorError::CheckpointCorrupt {
                    path: path.to_path_buf(),
                    reason,
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CursorError::CheckpointIo {
            action: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Replaces the checkpoint durably: temp file, sync, rename, sync dir.
pub(crate) fn write(
    io: &dyn StoreIo,
    path: &Path,
    checkpoint: Checkpoint,
) -> Result<(), CursorError> {
    let err = |action, p: &Path| {
        let p = p.to_path_buf();
        move |source| CursorError::CheckpointIo {
            action,
            path: p,
            source,
        }
    };
    let dir = path.parent().unwrap_or(path);
    std::fs::create_dir_all(dir).map_err(err("create the directory of", path))?;
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    match io.remove(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(err("remove the old temp file of", &tmp)(e))
        }
        _ => {}
    }
    let file = io.create(&tmp).map_err(err("create", &tmp))?;
    io.write_at(&file, &checkpoint.encode(), 0)
        .map_err(err("write", &tmp))?;
    io.sync_data(&file).map_err(err("sync", &tmp))?;
    drop(file);
    io.rename(&tmp, path)
        .map_err(err("rename into place", path))?;
    io.sync_dir(dir).map_err(err("sync the directory of", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_bytes() {
        let c = Checkpoint {
            position: 0x0102,
            last_hash: Some(EventHash([0xAB; 32])),
        };
        let b = c.encode();
        assert_eq!(&b[0..8], b"BPKCURS1"); // magic
        assert_eq!(&b[8..16], &[0x02, 0x01, 0, 0, 0, 0, 0, 0]); // position, LE
        assert_eq!(&b[16..48], &[0xAB; 32]); // hash of the event at position - 1
        assert_eq!(&b[48..52], &crc32fast::hash(&b[..48]).to_le_bytes()); // CRC
        assert_eq!(Checkpoint::decode(&b), Ok(c));
    }

    #[test]
    fn damage_is_refused() {
        let mut b = Checkpoint {
            position: 0,
            last_hash: None,
        }
        .encode();
        b[9] ^= 1;
        assert!(Checkpoint::decode(&b).unwrap_err().contains("CRC"));
        assert!(Checkpoint::decode(&b[..10]).is_err());
    }
}
