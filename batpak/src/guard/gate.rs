//! [`Gate`] and [`GateSet`]: the checks a proposal must pass.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{Denial, Denials, Proposal};

/// A named check that runs before an event is written: it sees the
/// application's context and the whole [`Proposal`] (coordinate, kind, typed
/// payload) and either lets it pass or returns a [`Denial`].
///
/// `Ctx` is whatever the check needs to read (an account balance, a
/// configuration, a clock); `P` is the payload type being proposed. Most
/// gates are written as plain functions with `#[gate]`, which generates this
/// impl; implementing it by hand is for gates with configuration.
///
/// Gates should be pure: they may run and be thrown away (a later gate may
/// deny, or `evaluate_all` may run all of them).
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, Gate, GateSet, Proposal};
/// use batpak::Coordinate;
///
/// struct MaxContextLen(usize);
///
/// impl Gate<str, Denial> for MaxContextLen {
///     fn name(&self) -> &str { "max_context_len" }
///     fn description(&self) -> &str { "refuses denials with too much context" }
///     fn evaluate(&self, _ctx: &str, proposal: &Proposal<Denial>) -> Result<(), Denial> {
///         if proposal.payload().context().len() > self.0 {
///             return Err(Denial::new("too_long", "trim the context"));
///         }
///         Ok(())
///     }
/// }
///
/// let gates = GateSet::new().with(MaxContextLen(0));
/// let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("c", "m").with_context("k", 1));
/// let denial = gates.evaluate("ctx", &proposal).unwrap_err();
/// assert_eq!(denial.gate(), "max_context_len");
/// # Ok::<(), batpak::Error>(())
/// ```
pub trait Gate<Ctx: ?Sized, P>: Send + Sync {
    /// A short, stable name (it is recorded in receipts, denials and bypass
    /// audits).
    fn name(&self) -> &str;

    /// What the gate checks, for people.
    fn description(&self) -> &str;

    /// Lets the proposal pass (`Ok`) or says why not.
    ///
    /// # Errors
    ///
    /// The [`Denial`] that stops the proposal.
    fn evaluate(&self, ctx: &Ctx, proposal: &Proposal<P>) -> Result<(), Denial>;
}

/// A gate made from a name and a function (see [`GateSet::with_fn`]).
struct FnGate<F> {
    name: String,
    check: F,
}

impl<Ctx, P, F> Gate<Ctx, P> for FnGate<F>
where
    Ctx: ?Sized,
    F: Fn(&Ctx, &Proposal<P>) -> Result<(), Denial> + Send + Sync,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        ""
    }

    fn evaluate(&self, ctx: &Ctx, proposal: &Proposal<P>) -> Result<(), Denial> {
        (self.check)(ctx, proposal)
    }
}

/// An ordered list of gates for one context and payload type.
///
/// Gates run in the order they were added. A gate that panics does not
/// unwind into the caller: the panic is caught and becomes a denial with
/// code [`Denial::PANICKED`] naming that gate (the process's panic hook still
/// prints the panic as usual; under `panic = "abort"` nothing can be caught).
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, GateSet, Proposal};
/// use batpak::Coordinate;
///
/// let gates: GateSet<u64, Denial> = GateSet::new()
///     .with_fn("open", |_, _| Ok(()))
///     .with_fn("quota", |used, _| {
///         if *used < 10 { Ok(()) } else { Err(Denial::new("quota", "quota used up")) }
///     });
/// let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("c", "m"));
/// assert!(gates.evaluate(&3, &proposal).is_ok());
/// assert_eq!(gates.evaluate(&10, &proposal).unwrap_err().gate(), "quota");
/// assert_eq!(gates.names().collect::<Vec<_>>(), ["open", "quota"]);
/// # Ok::<(), batpak::Error>(())
/// ```
pub struct GateSet<Ctx: ?Sized, P> {
    gates: Vec<Box<dyn Gate<Ctx, P>>>,
}

impl<Ctx: ?Sized, P> GateSet<Ctx, P> {
    /// An empty set (every proposal passes).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
    /// let gates: GateSet<u64, Denial> = GateSet::new();
    /// assert!(gates.is_empty());
    /// // No gates: every proposal passes.
    /// assert!(gates.evaluate(&0, &proposal).is_ok());
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn new() -> GateSet<Ctx, P> {
        GateSet { gates: Vec::new() }
    }

    /// Adds `gate` after the ones already there.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Gate, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
    /// struct NeverOnSunday;
    /// impl Gate<bool, Denial> for NeverOnSunday {
    ///     fn name(&self) -> &str { "never_on_sunday" }
    ///     fn description(&self) -> &str { "no writes on Sundays" }
    ///     fn evaluate(&self, is_sunday: &bool, _: &Proposal<Denial>) -> Result<(), Denial> {
    ///         if *is_sunday { Err(Denial::new("closed", "come back Monday")) } else { Ok(()) }
    ///     }
    /// }
    ///
    /// let gates = GateSet::new().with(NeverOnSunday);
    /// assert!(gates.evaluate(&false, &proposal).is_ok());
    /// assert_eq!(gates.evaluate(&true, &proposal).unwrap_err().gate(), "never_on_sunday");
    /// # Ok::<(), batpak::Error>(())
    /// ```
    #[must_use]
    pub fn with(mut self, gate: impl Gate<Ctx, P> + 'static) -> GateSet<Ctx, P> {
        self.push(gate);
        self
    }

    /// Adds a gate made from a name and a function.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
    /// let gates: GateSet<u64, Denial> = GateSet::new().with_fn("limit", |amount, _| {
    ///     if *amount <= 100 { Ok(()) } else { Err(Denial::new("over_limit", "at most 100")) }
    /// });
    /// assert!(gates.evaluate(&100, &proposal).is_ok());
    /// let denial = gates.evaluate(&101, &proposal).unwrap_err();
    /// assert_eq!((denial.gate(), denial.code()), ("limit", "over_limit"));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    #[must_use]
    pub fn with_fn<F>(self, name: impl Into<String>, check: F) -> GateSet<Ctx, P>
    where
        F: Fn(&Ctx, &Proposal<P>) -> Result<(), Denial> + Send + Sync + 'static,
    {
        self.with(FnGate {
            name: name.into(),
            check,
        })
    }

    /// Adds `gate` after the ones already there.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Gate, GateSet, Proposal};
    ///
    /// struct Named(&'static str);
    /// impl Gate<(), Denial> for Named {
    ///     fn name(&self) -> &str { self.0 }
    ///     fn description(&self) -> &str { "always passes" }
    ///     fn evaluate(&self, _: &(), _: &Proposal<Denial>) -> Result<(), Denial> { Ok(()) }
    /// }
    ///
    /// let mut gates = GateSet::new();
    /// for name in ["a", "b"] {
    ///     gates.push(Named(name));
    /// }
    /// assert_eq!(gates.names().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn push(&mut self, gate: impl Gate<Ctx, P> + 'static) {
        self.gates.push(Box::new(gate));
    }

    /// How many gates there are.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet};
    ///
    /// let gates: GateSet<(), Denial> = GateSet::new().with_fn("a", |_, _| Ok(()));
    /// assert_eq!(gates.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.gates.len()
    }

    /// Whether there are none.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet};
    ///
    /// let gates: GateSet<(), Denial> = GateSet::new();
    /// assert!(gates.is_empty());
    /// assert!(!gates.with_fn("a", |_, _| Ok(())).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.gates.is_empty()
    }

    /// The gates' names, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet};
    ///
    /// let gates: GateSet<(), Denial> = GateSet::new()
    ///     .with_fn("first", |_, _| Ok(()))
    ///     .with_fn("second", |_, _| Ok(()));
    /// assert_eq!(gates.names().collect::<Vec<_>>(), ["first", "second"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.gates.iter().map(|gate| gate.name())
    }

    /// The gates, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, Gate, GateSet};
    ///
    /// let gates: GateSet<(), Denial> = GateSet::new().with_fn("open", |_, _| Ok(()));
    /// let gate: &dyn Gate<(), Denial> = gates.iter().next().unwrap();
    /// assert_eq!(gate.name(), "open");
    /// assert_eq!(gate.description(), "");
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &dyn Gate<Ctx, P>> + '_ {
        self.gates.iter().map(|gate| &**gate)
    }

    /// Runs the gates in order and stops at the first denial.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
    /// let gates: GateSet<u64, Denial> = GateSet::new()
    ///     .with_fn("positive", |n, _| if *n > 0 { Ok(()) } else { Err(Denial::new("zero", "need > 0")) })
    ///     .with_fn("small", |n, _| if *n < 10 { Ok(()) } else { Err(Denial::new("big", "need < 10")) })
    ///     .with_fn("never_reached", |_, _| panic!("evaluate stops at the first denial"));
    /// // Stops at the first denial and names its gate.
    /// let denial = gates.evaluate(&0, &proposal).unwrap_err();
    /// assert_eq!(denial.gate(), "positive");
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The first [`Denial`], stamped with its gate's name.
    pub fn evaluate(&self, ctx: &Ctx, proposal: &Proposal<P>) -> Result<(), Denial> {
        self.gates
            .iter()
            .try_for_each(|gate| run_caught(&**gate, ctx, proposal))
    }

    /// Runs every gate, even after a denial, and returns every denial in
    /// gate order.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let proposal = Proposal::new(Coordinate::new("acct-1", "bank")?, Denial::new("c", "m"));
    /// let gates: GateSet<i64, Denial> = GateSet::new()
    ///     .with_fn("positive", |n, _| if *n > 0 { Ok(()) } else { Err(Denial::new("not_positive", "need > 0")) })
    ///     .with_fn("even", |n, _| if n % 2 == 0 { Ok(()) } else { Err(Denial::new("odd", "need even")) });
    /// assert!(gates.evaluate_all(&4, &proposal).is_ok());
    /// // Every gate runs; every denial comes back, in gate order.
    /// let denials = gates.evaluate_all(&-3, &proposal).unwrap_err();
    /// let codes: Vec<_> = denials.iter().map(|d| d.code()).collect();
    /// assert_eq!(codes, ["not_positive", "odd"]);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Denials`] holding each gate's denial.
    pub fn evaluate_all(&self, ctx: &Ctx, proposal: &Proposal<P>) -> Result<(), Denials> {
        let denials = self
            .gates
            .iter()
            .filter_map(|gate| run_caught(&**gate, ctx, proposal).err())
            .collect();
        Denials::from_vec(denials).map_or(Ok(()), Err)
    }
}

impl<Ctx: ?Sized, P> Default for GateSet<Ctx, P> {
    fn default() -> Self {
        GateSet::new()
    }
}

impl<Ctx: ?Sized, P> fmt::Debug for GateSet<Ctx, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Runs one gate, turning a panic into a denial and stamping the gate's name.
fn run_caught<Ctx: ?Sized, P>(
    gate: &dyn Gate<Ctx, P>,
    ctx: &Ctx,
    proposal: &Proposal<P>,
) -> Result<(), Denial> {
    // The gate only borrows `ctx` and the proposal, and a caught panic turns
    // into a denial: nothing half-updated is used afterwards, so asserting
    // unwind safety is sound.
    let name = gate.name();
    match catch_unwind(AssertUnwindSafe(|| gate.evaluate(ctx, proposal))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(denial)) => Err(denial.stamped(name)),
        Err(panic) => Err(Denial::new(
            Denial::PANICKED,
            format!(
                "gate `{name}` panicked ({}): fix the gate; the proposal was not written",
                panic_message(&*panic)
            ),
        )
        .stamped(name)),
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "no message"
    }
}
