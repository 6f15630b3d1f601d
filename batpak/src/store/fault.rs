//! Fault injection for tests of the store's failure behaviour (cargo
//! feature `fault-injection`, off by default).
//!
//! Two mechanisms, both per store, so tests running in parallel do not
//! disturb each other:
//!
//! - [`FaultyIo`] wraps the real file I/O behind the store's one I/O seam
//!   and fails or tears the Nth write, or fails the Nth sync.
//! - Named points in the writer ([`point`]) panic when the plan says so,
//!   to check that a panicking writer fails its callers cleanly.
//!
//! Without the feature, [`point`] is an empty inline function and none of
//! the rest exists.

#[cfg(feature = "fault-injection")]
pub(crate) use enabled::FaultyIo;
#[cfg(feature = "fault-injection")]
pub use enabled::{Fault, FaultPlan, FaultPoint};

/// Where the writer may be made to panic (feature `fault-injection`).
pub(crate) mod names {
    /// Just before a group's frames are written to the segment.
    pub(crate) const BEFORE_FRAME_WRITE: &str = "before_frame_write";
    /// After a group's frames were written, before they are synced.
    pub(crate) const AFTER_WRITE_BEFORE_SYNC: &str = "after_write_before_sync";
    /// Halfway through encoding the events of a frame holding several.
    pub(crate) const MID_BATCH: &str = "mid_batch";
    /// After the full segment was synced, before the next one is created.
    pub(crate) const SEGMENT_ROTATION: &str = "segment_rotation";
}

/// A named point of the writer: panics here if the store's fault plan
/// says so. Compiles to nothing without the `fault-injection` feature.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn point(_config: &super::StoreConfig, _name: &'static str) {}

/// A named point of the writer: panics here if the store's fault plan
/// says so.
#[cfg(feature = "fault-injection")]
pub(crate) fn point(config: &super::StoreConfig, name: &'static str) {
    if let Some(plan) = &config.fault_plan {
        plan.reach(name);
    }
}

#[cfg(feature = "fault-injection")]
impl super::StoreConfig {
    /// Injects the fault of `plan` into this store (feature
    /// `fault-injection`, for tests): its file I/O goes through a wrapper
    /// that fails or tears the planned write or sync, and the writer panics
    /// at the planned point.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::store::fault::{Fault, FaultPlan, FaultPoint};
    /// use batpak::store::{AppendError, BatchError};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let plan = FaultPlan::new(Fault::Panic { point: FaultPoint::MidBatch, nth: 1 });
    /// let store = Store::open(StoreConfig::new(dir.path()).fault_injection(plan.clone()))?;
    /// let c = Coordinate::new("a", "b")?;
    /// let items = vec![BatchItem::new(&c, EventKind::custom(1, 1), &1)?; 4];
    /// // The writer panics halfway through framing the batch: the caller
    /// // gets an error, not the panic, and nothing of the batch is visible.
    /// let err = store.append_batch(items).unwrap_err();
    /// assert!(matches!(err, BatchError::Batch(AppendError::Poisoned { .. })));
    /// assert!(plan.fired());
    /// assert_eq!(store.len(), 0);
    /// drop(store);
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// assert_eq!(store.len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn fault_injection(mut self, plan: FaultPlan) -> super::StoreConfig {
        self.io = std::sync::Arc::new(FaultyIo::new(plan.clone()));
        self.fault_plan = Some(plan);
        self
    }
}

#[cfg(feature = "fault-injection")]
mod enabled {
    use std::fs::File;
    use std::io;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;

    use super::super::io::{OsIo, StoreIo};
    use super::names;

    /// A named point of the writer where a [`Fault::Panic`] can fire.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum FaultPoint {
        /// Just before a group's frames are written to the segment.
        BeforeFrameWrite,
        /// After a group's frames were written, before they are synced.
        AfterWriteBeforeSync,
        /// Halfway through encoding the events of a batch (a frame holding
        /// more than one event).
        MidBatch,
        /// During segment rotation: the full segment is synced, the next
        /// one not yet created.
        SegmentRotation,
    }

    impl FaultPoint {
        /// Every point, for tests that try them all.
        pub const ALL: [FaultPoint; 4] = [
            FaultPoint::BeforeFrameWrite,
            FaultPoint::AfterWriteBeforeSync,
            FaultPoint::MidBatch,
            FaultPoint::SegmentRotation,
        ];

        /// The point's name as the writer reports it.
        pub fn name(self) -> &'static str {
            match self {
                FaultPoint::BeforeFrameWrite => names::BEFORE_FRAME_WRITE,
                FaultPoint::AfterWriteBeforeSync => names::AFTER_WRITE_BEFORE_SYNC,
                FaultPoint::MidBatch => names::MID_BATCH,
                FaultPoint::SegmentRotation => names::SEGMENT_ROTATION,
            }
        }
    }

    /// One fault to inject. Counts start at 1: `nth: 1` is the first.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[non_exhaustive]
    pub enum Fault {
        /// The `nth` file write fails with an I/O error, writing nothing.
        FailWrite {
            /// Which write (counting every write through the I/O seam:
            /// frames and segment headers).
            nth: u64,
        },
        /// The `nth` file write writes only its first `keep` bytes (fewer if
        /// the write is shorter), then fails: a write torn by a crash.
        TearWrite {
            /// Which write.
            nth: u64,
            /// How many bytes of it reach the file.
            keep: usize,
        },
        /// The `nth` `fdatasync` fails with an I/O error.
        FailSync {
            /// Which sync.
            nth: u64,
        },
        /// The writer panics the `nth` time it reaches `point`.
        Panic {
            /// Where.
            point: FaultPoint,
            /// Which time.
            nth: u64,
        },
    }

    /// A plan of one fault for one store, with counters a test can read.
    /// Give it to [`StoreConfig::fault_injection`](crate::store::StoreConfig::fault_injection).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::store::fault::{Fault, FaultPlan};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let plan = FaultPlan::new(Fault::FailSync { nth: 2 });
    /// let store = Store::open(StoreConfig::new(dir.path()).fault_injection(plan.clone()))?;
    /// let coord = Coordinate::new("a", "b")?;
    /// // The first sync of a new store is the one of its first segment.
    /// assert!(store.append(&coord, EventKind::custom(1, 1), &1).is_err());
    /// assert!(plan.fired());
    /// // The store is poisoned now; reopening recovers.
    /// assert!(store.append(&coord, EventKind::custom(1, 1), &2).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone)]
    pub struct FaultPlan {
        inner: Arc<PlanState>,
    }

    #[derive(Debug)]
    struct PlanState {
        fault: Fault,
        writes: AtomicU64,
        syncs: AtomicU64,
        reached: AtomicU64,
        fired: AtomicBool,
    }

    impl FaultPlan {
        /// A plan that injects `fault` once.
        pub fn new(fault: Fault) -> FaultPlan {
            FaultPlan {
                inner: Arc::new(PlanState {
                    fault,
                    writes: AtomicU64::new(0),
                    syncs: AtomicU64::new(0),
                    reached: AtomicU64::new(0),
                    fired: AtomicBool::new(false),
                }),
            }
        }

        /// The planned fault.
        pub fn fault(&self) -> Fault {
            self.inner.fault
        }

        /// Whether the fault has been injected.
        pub fn fired(&self) -> bool {
            self.inner.fired.load(Ordering::SeqCst)
        }

        /// File writes seen so far.
        pub fn writes(&self) -> u64 {
            self.inner.writes.load(Ordering::SeqCst)
        }

        /// Syncs seen so far.
        pub fn syncs(&self) -> u64 {
            self.inner.syncs.load(Ordering::SeqCst)
        }

        fn fire(&self) {
            self.inner.fired.store(true, Ordering::SeqCst);
        }

        /// Called at a named point of the writer.
        pub(crate) fn reach(&self, name: &'static str) {
            if let Fault::Panic { point, nth } = self.inner.fault {
                if point.name() == name {
                    let n = self.inner.reached.fetch_add(1, Ordering::SeqCst) + 1;
                    if n == nth {
                        self.fire();
                        // Deliberate: this is the fault being injected.
                        panic!("batpak fault injection: writer panics at {name}");
                    }
                }
            }
        }
    }

    /// The real file I/O, with the plan's write and sync faults.
    #[derive(Debug)]
    pub(crate) struct FaultyIo {
        os: OsIo,
        plan: FaultPlan,
    }

    impl FaultyIo {
        pub(crate) fn new(plan: FaultPlan) -> FaultyIo {
            FaultyIo { os: OsIo, plan }
        }
    }

    fn injected(what: &str) -> io::Error {
        io::Error::other(format!("injected {what} failure"))
    }

    impl StoreIo for FaultyIo {
        fn create(&self, path: &Path) -> io::Result<File> {
            self.os.create(path)
        }

        fn open_rw(&self, path: &Path) -> io::Result<File> {
            self.os.open_rw(path)
        }

        fn write_at(&self, file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
            let n = self.plan.inner.writes.fetch_add(1, Ordering::SeqCst) + 1;
            match self.plan.inner.fault {
                Fault::FailWrite { nth } if nth == n => {
                    self.plan.fire();
                    Err(injected("write"))
                }
                Fault::TearWrite { nth, keep } if nth == n => {
                    self.plan.fire();
                    let keep = keep.min(bytes.len());
                    self.os.write_at(file, &bytes[..keep], offset)?;
                    Err(injected("torn write"))
                }
                _ => self.os.write_at(file, bytes, offset),
            }
        }

        fn sync_data(&self, file: &File) -> io::Result<()> {
            let n = self.plan.inner.syncs.fetch_add(1, Ordering::SeqCst) + 1;
            match self.plan.inner.fault {
                Fault::FailSync { nth } if nth == n => {
                    self.plan.fire();
                    Err(injected("sync"))
                }
                _ => self.os.sync_data(file),
            }
        }

        fn set_len(&self, file: &File, len: u64) -> io::Result<()> {
            self.os.set_len(file, len)
        }

        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            self.os.rename(from, to)
        }

        fn remove(&self, path: &Path) -> io::Result<()> {
            self.os.remove(path)
        }

        fn sync_dir(&self, dir: &Path) -> io::Result<()> {
            self.os.sync_dir(dir)
        }
    }
}
