//! [`Outcome`]: a result that can also say "try again", "not yet",
//! "cancelled", or "here are many results".
//!
//! Gates, reactions and handlers often need more than `Result`: a command may
//! be retryable after a delay, blocked on something, cancelled on purpose, or
//! fan out into many sub-results. `Outcome` names those cases so callers
//! match on them instead of parsing error strings.

use std::fmt;
use std::time::Duration;

/// When and why an operation may be tried again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RetryHint {
    /// How long to wait before retrying.
    pub after: Duration,
    /// Why it did not succeed this time.
    pub reason: String,
}

impl RetryHint {
    /// A hint to retry after `after`, because of `reason`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use batpak::RetryHint;
    ///
    /// let hint = RetryHint::new(Duration::from_secs(2), "rate limited");
    /// assert_eq!(hint.after, Duration::from_secs(2));
    /// assert_eq!(hint.reason, "rate limited");
    /// ```
    pub fn new(after: Duration, reason: impl Into<String>) -> Self {
        RetryHint {
            after,
            reason: reason.into(),
        }
    }
}

/// The six shapes an operation's result can take.
///
/// Combinators ([`map`](Outcome::map), [`and_then`](Outcome::and_then),
/// [`map_err`](Outcome::map_err), [`zip`](Outcome::zip)) act on `Ok` values
/// and reach inside `Batch`; every other variant passes through unchanged.
/// `Ok` and `and_then` form a monad (the laws are property-tested).
///
/// # Examples
///
/// ```
/// use batpak::Outcome;
///
/// let checked: Outcome<u32, String> = Outcome::Ok(20);
/// let doubled = checked.and_then(|n| {
///     if n < 100 { Outcome::Ok(n * 2) } else { Outcome::cancelled("too large") }
/// });
/// assert_eq!(doubled, Outcome::Ok(40));
///
/// let all = Outcome::join_all(vec![Outcome::<u32, String>::Ok(1), Outcome::Ok(2)]);
/// assert_eq!(all.into_result().ok(), Some(vec![1, 2]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an Outcome may be an error, a retry or pending work; handle it"]
pub enum Outcome<T, E> {
    /// It worked.
    Ok(T),
    /// It failed.
    Err(E),
    /// It did not work this time; try again as the hint says.
    Retry(RetryHint),
    /// It cannot finish yet; it waits for what is named.
    Pending {
        /// What the operation waits for.
        waiting_for: String,
    },
    /// It was stopped on purpose.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// Many outcomes, one per item, in order.
    Batch(Vec<Outcome<T, E>>),
}

/// The four variants that hold no `Ok` value, split off so they can change
/// their `Ok` type without a fallback arm.
enum NonOk<E> {
    Err(E),
    Retry(RetryHint),
    Pending(String),
    Cancelled(String),
}

impl<E> NonOk<E> {
    /// Severity order used by [`Outcome::join_all`] and [`Outcome::join_any`]:
    /// an error outranks a cancellation, which outranks a retry, which
    /// outranks pending work.
    fn severity(&self) -> u8 {
        match self {
            NonOk::Err(_) => 4,
            NonOk::Cancelled(_) => 3,
            NonOk::Retry(_) => 2,
            NonOk::Pending(_) => 1,
        }
    }

    fn into_outcome<T>(self) -> Outcome<T, E> {
        match self {
            NonOk::Err(e) => Outcome::Err(e),
            NonOk::Retry(hint) => Outcome::Retry(hint),
            NonOk::Pending(waiting_for) => Outcome::Pending { waiting_for },
            NonOk::Cancelled(reason) => Outcome::Cancelled { reason },
        }
    }
}

/// One step of looking at an outcome: a value, a batch to look inside, or
/// something that is not `Ok`.
enum Split<T, E> {
    Ok(T),
    Batch(Vec<Outcome<T, E>>),
    NonOk(NonOk<E>),
}

impl<T, E> Outcome<T, E> {
    /// A [`Outcome::Pending`] waiting for `what`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// let waiting: Outcome<(), String> = Outcome::pending("payment confirmation");
    /// assert_eq!(waiting, Outcome::Pending { waiting_for: "payment confirmation".into() });
    /// ```
    pub fn pending(what: impl Into<String>) -> Self {
        Outcome::Pending {
            waiting_for: what.into(),
        }
    }

    /// A [`Outcome::Cancelled`] for `reason`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// let stopped: Outcome<(), String> = Outcome::cancelled("user closed the window");
    /// assert!(matches!(stopped, Outcome::Cancelled { ref reason } if reason == "user closed the window"));
    /// ```
    pub fn cancelled(reason: impl Into<String>) -> Self {
        Outcome::Cancelled {
            reason: reason.into(),
        }
    }

    /// A [`Outcome::Retry`] after `after`, for `reason`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use batpak::{Outcome, RetryHint};
    ///
    /// let later: Outcome<(), String> = Outcome::retry(Duration::from_millis(50), "lock held");
    /// assert_eq!(later, Outcome::Retry(RetryHint::new(Duration::from_millis(50), "lock held")));
    /// ```
    pub fn retry(after: Duration, reason: impl Into<String>) -> Self {
        Outcome::Retry(RetryHint::new(after, reason))
    }

    /// Whether this is [`Outcome::Ok`].
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// assert!(Outcome::<u8, String>::Ok(1).is_ok());
    /// assert!(!Outcome::<u8, String>::pending("x").is_ok());
    /// // A batch is not itself `Ok`, even when every item is.
    /// assert!(!Outcome::<u8, String>::Batch(vec![Outcome::Ok(1)]).is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok(_))
    }

    /// Whether this is [`Outcome::Err`].
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// assert!(Outcome::<u8, &str>::Err("boom").is_err());
    /// assert!(!Outcome::<u8, &str>::cancelled("stop").is_err());
    /// ```
    pub fn is_err(&self) -> bool {
        matches!(self, Outcome::Err(_))
    }

    /// Applies `f` to the `Ok` value, and to every `Ok` inside a `Batch`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// let batch: Outcome<u32, String> = Outcome::Batch(vec![Outcome::Ok(1), Outcome::pending("disk")]);
    /// assert_eq!(
    ///     batch.map(|n| n * 10),
    ///     Outcome::Batch(vec![Outcome::Ok(10), Outcome::pending("disk")])
    /// );
    /// ```
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Outcome<U, E> {
        self.and_then_ref(&mut |t| Outcome::Ok(f(t)))
    }

    /// Chains an operation that itself returns an `Outcome`: `f` runs on the
    /// `Ok` value (and on every `Ok` inside a `Batch`); other variants pass
    /// through unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// fn half(n: u32) -> Outcome<u32, String> {
    ///     if n % 2 == 0 { Outcome::Ok(n / 2) } else { Outcome::Err(format!("{n} is odd")) }
    /// }
    /// assert_eq!(Outcome::Ok(8).and_then(half).and_then(half), Outcome::Ok(2));
    /// assert_eq!(Outcome::Ok(6).and_then(half).and_then(half), Outcome::Err("3 is odd".into()));
    /// // Non-`Ok` variants pass through without calling `f`.
    /// assert_eq!(Outcome::<u32, String>::cancelled("no").and_then(half), Outcome::cancelled("no"));
    /// ```
    pub fn and_then<U>(self, mut f: impl FnMut(T) -> Outcome<U, E>) -> Outcome<U, E> {
        self.and_then_ref(&mut f)
    }

    fn and_then_ref<U>(self, f: &mut impl FnMut(T) -> Outcome<U, E>) -> Outcome<U, E> {
        match self.split() {
            Split::Ok(t) => f(t),
            Split::Batch(items) => {
                Outcome::Batch(items.into_iter().map(|o| o.and_then_ref(f)).collect())
            }
            Split::NonOk(other) => other.into_outcome(),
        }
    }

    /// Applies `f` to the error, and to every error inside a `Batch`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// let failed: Outcome<u8, &str> = Outcome::Err("disk full");
    /// assert_eq!(failed.map_err(str::len), Outcome::Err(9));
    /// assert_eq!(Outcome::<u8, &str>::Ok(1).map_err(str::len), Outcome::Ok(1));
    /// ```
    pub fn map_err<F>(self, mut f: impl FnMut(E) -> F) -> Outcome<T, F> {
        self.map_err_ref(&mut f)
    }

    fn map_err_ref<F>(self, f: &mut impl FnMut(E) -> F) -> Outcome<T, F> {
        match self {
            Outcome::Ok(t) => Outcome::Ok(t),
            Outcome::Err(e) => Outcome::Err(f(e)),
            Outcome::Retry(hint) => Outcome::Retry(hint),
            Outcome::Pending { waiting_for } => Outcome::Pending { waiting_for },
            Outcome::Cancelled { reason } => Outcome::Cancelled { reason },
            Outcome::Batch(items) => {
                Outcome::Batch(items.into_iter().map(|o| o.map_err_ref(f)).collect())
            }
        }
    }

    fn split(self) -> Split<T, E> {
        match self {
            Outcome::Ok(t) => Split::Ok(t),
            Outcome::Batch(items) => Split::Batch(items),
            Outcome::Err(e) => Split::NonOk(NonOk::Err(e)),
            Outcome::Retry(hint) => Split::NonOk(NonOk::Retry(hint)),
            Outcome::Pending { waiting_for } => Split::NonOk(NonOk::Pending(waiting_for)),
            Outcome::Cancelled { reason } => Split::NonOk(NonOk::Cancelled(reason)),
        }
    }

    /// Pairs two outcomes: `Ok((a, b))` when both are `Ok`; otherwise the
    /// first one that is not `Ok`, left before right. A `Batch` on either
    /// side pairs each of its items with the other side, so
    /// `a.zip(b) == a.and_then(|x| b.clone().map(|y| (x, y)))`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// let a: Outcome<u8, String> = Outcome::Ok(1);
    /// assert_eq!(a.clone().zip(Outcome::Ok('x')), Outcome::Ok((1, 'x')));
    /// // The first non-`Ok`, left before right.
    /// let left: Outcome<u8, String> = Outcome::pending("left");
    /// let right: Outcome<char, String> = Outcome::cancelled("right");
    /// assert_eq!(left.zip(right), Outcome::pending("left"));
    /// ```
    pub fn zip<U>(self, other: Outcome<U, E>) -> Outcome<(T, U), E>
    where
        T: Clone,
        U: Clone,
        E: Clone,
    {
        self.and_then(|t| other.clone().map(|u| (t.clone(), u)))
    }

    /// Collects many outcomes into one: `Ok` with every value in order when
    /// all are `Ok` (items of a `Batch` are taken in place, flattened);
    /// otherwise the most severe non-`Ok` outcome (`Err`, then `Cancelled`,
    /// then `Retry`, then `Pending`), the first of its kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use batpak::Outcome;
    ///
    /// let all = Outcome::join_all(vec![
    ///     Outcome::<u8, String>::Ok(1),
    ///     Outcome::Batch(vec![Outcome::Ok(2), Outcome::Ok(3)]),
    /// ]);
    /// assert_eq!(all, Outcome::Ok(vec![1, 2, 3]));
    ///
    /// // Not all `Ok`: the most severe wins (here `Err` over `Retry`).
    /// let mixed = Outcome::join_all(vec![
    ///     Outcome::<u8, String>::retry(Duration::from_secs(1), "busy"),
    ///     Outcome::Err("broken".to_owned()),
    ///     Outcome::Ok(1),
    /// ]);
    /// assert_eq!(mixed, Outcome::Err("broken".to_owned()));
    /// ```
    pub fn join_all(outcomes: impl IntoIterator<Item = Outcome<T, E>>) -> Outcome<Vec<T>, E> {
        let mut values = Vec::new();
        let mut worst: Option<NonOk<E>> = None;
        let mut stack: Vec<std::vec::IntoIter<Outcome<T, E>>> =
            vec![outcomes.into_iter().collect::<Vec<_>>().into_iter()];
        while let Some(iter) = stack.last_mut() {
            let Some(outcome) = iter.next() else {
                stack.pop();
                continue;
            };
            match outcome.split() {
                Split::Ok(t) => values.push(t),
                Split::Batch(items) => stack.push(items.into_iter()),
                Split::NonOk(other) => {
                    if worst
                        .as_ref()
                        .is_none_or(|w| other.severity() > w.severity())
                    {
                        worst = Some(other);
                    }
                }
            }
        }
        match worst {
            Some(other) => other.into_outcome(),
            None => Outcome::Ok(values),
        }
    }

    /// The first `Ok` among many outcomes (items of a `Batch` are searched in
    /// place). If none is `Ok`, the most hopeful of the rest (`Pending`, then
    /// `Retry`, then `Cancelled`, then `Err`), the first of its kind; with no
    /// outcomes at all, `Cancelled`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::Outcome;
    ///
    /// let first_ok = Outcome::join_any(vec![
    ///     Outcome::<u8, String>::Err("a".into()),
    ///     Outcome::Batch(vec![Outcome::pending("b"), Outcome::Ok(7)]),
    /// ]);
    /// assert_eq!(first_ok, Outcome::Ok(7));
    ///
    /// // None `Ok`: the most hopeful wins (`Pending` over `Err`).
    /// let none_ok = Outcome::join_any(vec![Outcome::<u8, String>::Err("a".into()), Outcome::pending("b")]);
    /// assert_eq!(none_ok, Outcome::pending("b"));
    /// assert!(matches!(Outcome::<u8, String>::join_any(vec![]), Outcome::Cancelled { .. }));
    /// ```
    pub fn join_any(outcomes: impl IntoIterator<Item = Outcome<T, E>>) -> Outcome<T, E> {
        let mut best: Option<NonOk<E>> = None;
        let mut stack: Vec<std::vec::IntoIter<Outcome<T, E>>> =
            vec![outcomes.into_iter().collect::<Vec<_>>().into_iter()];
        while let Some(iter) = stack.last_mut() {
            let Some(outcome) = iter.next() else {
                stack.pop();
                continue;
            };
            match outcome.split() {
                Split::Ok(t) => return Outcome::Ok(t),
                Split::Batch(items) => stack.push(items.into_iter()),
                Split::NonOk(other) => {
                    if best
                        .as_ref()
                        .is_none_or(|b| other.severity() < b.severity())
                    {
                        best = Some(other);
                    }
                }
            }
        }
        match best {
            Some(other) => other.into_outcome(),
            None => Outcome::cancelled("join_any was given no outcomes"),
        }
    }

    /// Converts to a `Result`: `Ok(t)` for `Ok`; everything else becomes an
    /// [`Unresolved`] that keeps what it held (a `Batch` is kept whole; use
    /// [`Outcome::join_all`] first to turn a batch into one result).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::{Outcome, Unresolved};
    ///
    /// assert_eq!(Outcome::<u8, String>::Ok(3).into_result(), Ok(3));
    /// let err = Outcome::<u8, String>::pending("approval").into_result().unwrap_err();
    /// assert!(matches!(err, Unresolved::Pending { .. }));
    /// assert_eq!(err.to_string(), "pending: waiting for approval");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Unresolved`] for every variant but `Ok`.
    pub fn into_result(self) -> Result<T, Unresolved<T, E>> {
        match self {
            Outcome::Ok(t) => Ok(t),
            Outcome::Err(e) => Err(Unresolved::Err(e)),
            Outcome::Retry(hint) => Err(Unresolved::Retry(hint)),
            Outcome::Pending { waiting_for } => Err(Unresolved::Pending { waiting_for }),
            Outcome::Cancelled { reason } => Err(Unresolved::Cancelled { reason }),
            Outcome::Batch(items) => Err(Unresolved::Batch(items)),
        }
    }
}

impl<T, E> From<Result<T, E>> for Outcome<T, E> {
    fn from(result: Result<T, E>) -> Self {
        match result {
            Ok(t) => Outcome::Ok(t),
            Err(e) => Outcome::Err(e),
        }
    }
}

/// An [`Outcome`] that was not `Ok`, as returned by
/// [`Outcome::into_result`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved<T, E> {
    /// It failed.
    Err(E),
    /// Try again as the hint says.
    Retry(RetryHint),
    /// Still waiting.
    Pending {
        /// What it waits for.
        waiting_for: String,
    },
    /// Stopped on purpose.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// Many outcomes that were not joined.
    Batch(Vec<Outcome<T, E>>),
}

impl<T, E: fmt::Display> fmt::Display for Unresolved<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::Err(e) => write!(f, "failed: {e}"),
            Unresolved::Retry(hint) => {
                write!(f, "retry after {:?}: {}", hint.after, hint.reason)
            }
            Unresolved::Pending { waiting_for } => write!(f, "pending: waiting for {waiting_for}"),
            Unresolved::Cancelled { reason } => write!(f, "cancelled: {reason}"),
            Unresolved::Batch(items) => write!(
                f,
                "a batch of {} outcomes was not joined: call Outcome::join_all first",
                items.len()
            ),
        }
    }
}

impl<T: fmt::Debug, E: fmt::Debug + fmt::Display> std::error::Error for Unresolved<T, E> {}
