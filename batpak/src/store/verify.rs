//! `verify_chain`: re-reads every segment, recomputes every event's chain
//! hash from the bytes on disk and reports the first broken link.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::coordinate::Coordinate;
use crate::event::EventHash;
use crate::id::EventId;

use super::error::ReadError;
use super::frame::{self, SegmentHeader};
use super::segment::{self, ScanEnd, ScanLimits};
use super::Store;

/// The result of [`Store::verify_chain`].
///
/// # Examples
///
/// ```
/// # use batpak::prelude::*;
/// # use batpak::store::{Store, StoreConfig};
/// # let dir = tempfile::tempdir()?;
/// # let store = Store::open(StoreConfig::new(dir.path()))?;
/// # store.append(&Coordinate::new("a-1", "s")?, EventKind::custom(1, 1), &1)?;
/// let report = store.verify_chain()?;
/// match &report.first_broken {
///     None => println!("{} events verified", report.events_checked),
///     Some(link) => eprintln!("tampering detected: {link}"),
/// }
/// assert!(report.is_intact());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainReport {
    /// Events whose hash was recomputed.
    pub events_checked: u64,
    /// Entities seen.
    pub entities_checked: u64,
    /// The first broken link in global order, if any.
    pub first_broken: Option<BrokenLink>,
}

impl ChainReport {
    /// Whether every link holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::store::{Store, StoreConfig};
    /// use batpak::{Coordinate, EventKind};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("e", "s")?;
    /// for n in 0..3 {
    ///     store.append(&coord, EventKind::custom(1, 1), &n)?;
    /// }
    /// let report = store.verify_chain()?;
    /// assert!(report.is_intact());
    /// assert_eq!(report.first_broken, None);
    /// assert_eq!(report.events_checked, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Where a chain breaks and how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrokenLink {
    /// The entity.
    pub coordinate: Coordinate,
    /// The position in the entity's chain where it breaks (counting the
    /// events actually found).
    pub entity_sequence: u64,
    /// The event at that position.
    pub event_id: EventId,
    /// Its global sequence.
    pub global_sequence: u64,
    /// What does not match.
    pub problem: LinkProblem,
}

/// What does not match at a broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkProblem {
    /// The stored hash is not the hash of the stored bytes chained to the
    /// previous event: a field or the payload was edited, or an event
    /// before it was dropped or moved.
    HashMismatch {
        /// Hash recomputed from the bytes and the previous event's hash.
        expected: EventHash,
        /// Hash stored in the record.
        found: EventHash,
    },
    /// The stored entity sequence is not the event's position.
    SequenceMismatch {
        /// Position of the event in its entity.
        expected: u64,
        /// Sequence stored in the record.
        found: u64,
    },
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "chain of {} breaks at entity sequence {} (event {}, global sequence {}): ",
            self.coordinate, self.entity_sequence, self.event_id, self.global_sequence
        )?;
        match &self.problem {
            LinkProblem::HashMismatch { expected, found } => {
                write!(f, "hash should be {expected}, stored hash is {found}")
            }
            LinkProblem::SequenceMismatch { expected, found } => {
                write!(
                    f,
                    "sequence should be {expected}, stored sequence is {found}"
                )
            }
        }
    }
}

impl Store {
    /// Re-reads every segment and recomputes every event's chain hash from
    /// the bytes on disk (previous hash, header fields, coordinate,
    /// payload), reporting the first broken link in global order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::prelude::*;
    /// # use batpak::store::{Store, StoreConfig};
    /// # let dir = tempfile::tempdir()?;
    /// # let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let coord = Coordinate::new("a-1", "s")?;
    /// store.append(&coord, EventKind::custom(1, 1), &1)?;
    /// store.append(&coord, EventKind::custom(1, 1), &2)?;
    /// let report = store.verify_chain()?;
    /// assert!(report.is_intact());
    /// assert_eq!(report.events_checked, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReadError::Io`] if a segment cannot be read;
    /// [`ReadError::Corrupt`] if a segment no longer decodes (changed since
    /// open).
    pub fn verify_chain(&self) -> Result<ChainReport, ReadError> {
        let published = self.len();
        let paths: Vec<PathBuf> = self
            .shared
            .segments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|s| s.path.clone())
            .collect();
        let limits = ScanLimits {
            max_frame_body: self.shared.config.max_frame_bytes as u64,
            max_payload: self.shared.config.max_payload_bytes as u64,
        };
        let mut heads: HashMap<Coordinate, (u64, EventHash)> = HashMap::new();
        let mut checked = 0u64;
        let mut broken: Option<BrokenLink> = None;
        for path in paths {
            if checked >= published || broken.is_some() {
                break;
            }
            let bytes = std::fs::read(&path).map_err(|source| ReadError::Io {
                path: path.clone(),
                source,
            })?;
            let header = SegmentHeader::decode(&bytes).map_err(|reason| ReadError::Corrupt {
                file: path.clone(),
                offset: 0,
                reason,
            })?;
            let scan = segment::scan_frames(&bytes, &header, limits, |events, coords| {
                for ev in events {
                    if broken.is_some() || ev.fields.global_sequence >= published {
                        return;
                    }
                    let coord = &coords[ev.local_coord as usize];
                    let (position, prev) =
                        heads.get(coord).copied().unwrap_or((0, EventHash::GENESIS));
                    let f = &ev.fields;
                    let expected =
                        frame::chain_hash(&prev, f, coord.entity(), coord.scope(), ev.payload);
                    let problem = if f.entity_sequence != position {
                        Some(LinkProblem::SequenceMismatch {
                            expected: position,
                            found: f.entity_sequence,
                        })
                    } else if expected != f.hash {
                        Some(LinkProblem::HashMismatch {
                            expected,
                            found: f.hash,
                        })
                    } else {
                        None
                    };
                    if let Some(problem) = problem {
                        broken = Some(BrokenLink {
                            coordinate: coord.clone(),
                            entity_sequence: position,
                            event_id: f.event_id,
                            global_sequence: f.global_sequence,
                            problem,
                        });
                        return;
                    }
                    heads.insert(coord.clone(), (position + 1, f.hash));
                    checked += 1;
                }
            });
            match scan.end {
                ScanEnd::Clean => {}
                // Bytes past what was published may be a write in progress.
                ScanEnd::Torn { .. } if checked >= published => {}
                ScanEnd::Torn { offset, reason }
                | ScanEnd::Damaged { offset, reason }
                | ScanEnd::OverLimit { offset, reason } => {
                    if broken.is_none() {
                        return Err(ReadError::Corrupt {
                            file: path,
                            offset,
                            reason,
                        });
                    }
                }
            }
        }
        Ok(ChainReport {
            events_checked: checked,
            entities_checked: heads.len() as u64,
            first_broken: broken,
        })
    }
}
