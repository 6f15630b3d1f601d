//! State machines meet the store: the store is the [`TransitionSink`] typed
//! handles append through (compare-and-swap on the entity sequence), and an
//! entity's stored history loads back as a typed handle.

use super::{AppendError, AppendOptions, ReadError, Store};
use crate::coordinate::Coordinate;
use crate::event::{EventPayload, StoredEvent};
use crate::typestate::{
    Causes, Handle, ReplayError, State, StateMachine, Transition, TransitionError, TransitionSink,
};

/// Why an entity could not be loaded or replayed from the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// An event of the entity could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The entity's stored history breaks the machine (the error names the
    /// event).
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// Appends with compare-and-swap: the event is written only if the entity
/// holds exactly `expected_next` events (0: the entity must have none).
impl TransitionSink for Store {
    fn append_expected<P: EventPayload + 'static>(
        &self,
        coordinate: &Coordinate,
        payload: &P,
        expected_next: u64,
    ) -> Result<u64, TransitionError> {
        let refused = |error: crate::Error| TransitionError::Append(Box::new(error));
        self.claim::<P>().map_err(|e| refused(e.into()))?;
        let bytes = payload.encode_payload().map_err(|e| refused(e.into()))?;
        let options = AppendOptions::new().expected_sequence(expected_next);
        match self.append_encoded(coordinate, payload.kind(), P::VERSION, bytes, options) {
            Ok(receipt) => Ok(receipt.entity_sequence),
            Err(AppendError::SequenceMismatch {
                coordinate,
                expected,
                actual,
            }) => Err(TransitionError::Conflict {
                coordinate,
                expected,
                actual,
            }),
            Err(other) => Err(refused(other.into())),
        }
    }
}

impl Store {
    /// Appends an already-checked [`Transition`] for the entity `handle`
    /// points at, with compare-and-swap on the entity sequence the handle
    /// was loaded at, and returns the handle in the new state. The same as
    /// [`Handle::apply`] with this store.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use batpak::typestate::Transition;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 1)]
    /// struct DoorOpened;
    ///
    /// #[batpak::state_machine]
    /// #[derive(Debug, PartialEq)]
    /// enum Door {
    ///     #[initial]
    ///     #[transition(to = Open, on = DoorOpened)]
    ///     Closed,
    ///     #[terminal]
    ///     Open,
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let closed = Door::new_entity(Coordinate::new("door-1", "house")?);
    /// let opening = Transition::<door::Closed, door::Open, _>::new(DoorOpened)?;
    /// let open = store.apply_transition(closed, opening)?;
    /// assert_eq!((open.state(), open.next_sequence()), (Door::Open, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TransitionError::Conflict`] if the entity changed since the handle
    /// was loaded (load it again); [`TransitionError::Append`] if the store
    /// refuses the event (its [`crate::Error`] says why).
    pub fn apply_transition<From, To, P>(
        &self,
        handle: Handle<From>,
        transition: Transition<From, To, P>,
    ) -> Result<Handle<To>, TransitionError>
    where
        From: State,
        To: State<Machine = From::Machine>,
        P: EventPayload + 'static,
        P: Causes<From::Machine, From, To>,
    {
        handle.apply(self, transition)
    }

    /// Replays the entity's stored history through machine `M` and returns
    /// a typed handle in the state reached, to `match` on (`M::Loaded`, the
    /// `Loaded` enum `#[state_machine]` generates). The handle's next
    /// transition appends only if no one else appended to the entity since.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 1)]
    /// struct DoorOpened;
    /// #[derive(Serialize, Deserialize, EventPayload)]
    /// #[batpak(category = 1, type_id = 2)]
    /// struct DoorClosed;
    ///
    /// #[batpak::state_machine]
    /// #[derive(Debug, PartialEq)]
    /// enum Door {
    ///     #[initial]
    ///     #[transition(to = Open, on = DoorOpened)]
    ///     Closed,
    ///     #[transition(to = Closed, on = DoorClosed)]
    ///     Open,
    /// }
    ///
    /// # let dir = tempfile::tempdir()?;
    /// let store = Store::open(StoreConfig::new(dir.path()))?;
    /// let id = Coordinate::new("door-1", "house")?;
    /// Door::new_entity(id.clone()).transition::<door::Open, _>(&store, DoorOpened)?;
    ///
    /// match store.load_machine::<Door>(&id)? {
    ///     door::Loaded::Open(open) => {
    ///         open.transition::<door::Closed, _>(&store, DoorClosed)?;
    ///     }
    ///     door::Loaded::Closed(_) => unreachable!("the door was opened"),
    /// }
    /// assert_eq!(store.replay_machine::<Door>(&id)?, Door::Closed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`LoadError::Replay`] naming the first stored event the machine does
    /// not allow (entity sequence, id and kind); [`LoadError::Read`] if an
    /// event cannot be read.
    pub fn load_machine<M: StateMachine>(
        &self,
        coordinate: &Coordinate,
    ) -> Result<M::Loaded, LoadError> {
        let mut error = None;
        let loaded = M::load(
            coordinate.clone(),
            self.events_until_error(coordinate, &mut error),
        );
        match error {
            Some(error) => Err(error.into()),
            None => Ok(loaded?),
        }
    }

    /// Replays the entity's stored history through machine `M` and returns
    /// the state it is in (for a typed handle, use
    /// [`Store::load_machine`]). An entity with no events is in the initial
    /// state.
    ///
    /// # Examples
    ///
    /// See [`Store::load_machine`].
    ///
    /// # Errors
    ///
    /// As [`Store::load_machine`].
    pub fn replay_machine<M: StateMachine>(&self, coordinate: &Coordinate) -> Result<M, LoadError> {
        let mut error = None;
        let state = M::replay(self.events_until_error(coordinate, &mut error));
        match error {
            Some(error) => Err(error.into()),
            None => Ok(state?),
        }
    }

    /// The entity's events, ending at the first read error, which is put in
    /// `error` (so replay sees a clean prefix and the caller reports the
    /// error instead of the replay's result).
    fn events_until_error<'a>(
        &'a self,
        coordinate: &Coordinate,
        error: &'a mut Option<ReadError>,
    ) -> impl Iterator<Item = StoredEvent<Vec<u8>>> + 'a {
        let mut events = self.stream(coordinate);
        std::iter::from_fn(move || match events.next()? {
            Ok(event) => Some(event),
            Err(e) => {
                *error = Some(e);
                None
            }
        })
    }
}
