//! [`Denial`] and [`Denials`]: why a gate said no.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::{check_kind, decode_msgpack, encode_msgpack};
use crate::event::{EventKind, EventPayload, PayloadError, SingleKind};

/// A gate's refusal: which gate, a stable machine-readable code, a message
/// for people, and key/value context (in the order it was added).
///
/// A gate builds it with [`Denial::new`]; the [`GateSet`](super::GateSet)
/// that ran the gate stamps the gate's name on it, so a denial always names
/// the gate that produced it.
///
/// A denial is also an event payload (kind
/// [`EventKind::SYSTEM_DENIAL`]), so it can be recorded in the store and read
/// back.
///
/// # Examples
///
/// ```
/// use batpak::guard::Denial;
///
/// let denial = Denial::new("insufficient_funds", "the balance does not cover the withdrawal")
///     .with_context("balance", 40)
///     .with_context("requested", 100);
/// assert_eq!(denial.code(), "insufficient_funds");
/// assert_eq!(denial.context_value("balance"), Some("40"));
/// assert_eq!(
///     denial.to_string(),
///     "denied [insufficient_funds]: the balance does not cover the withdrawal \
///      (balance=40, requested=100)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Denial {
    gate: String,
    code: String,
    message: String,
    context: Vec<(String, String)>,
}

impl Denial {
    /// The code of the denial a [`GateSet`](super::GateSet) makes when a gate
    /// panics.
    pub const PANICKED: &'static str = "gate_panicked";

    /// A denial with a stable `code` (for programs: match on it) and a
    /// `message` (for people: say what to do).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::Denial;
    ///
    /// let denial = Denial::new("insufficient_funds", "deposit more or withdraw less");
    /// assert_eq!(denial.code(), "insufficient_funds");
    /// assert_eq!(denial.message(), "deposit more or withdraw less");
    /// assert_eq!(denial.gate(), "");
    /// assert!(denial.context().is_empty());
    /// ```
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Denial {
        Denial {
            gate: String::new(),
            code: code.into(),
            message: message.into(),
            context: Vec::new(),
        }
    }

    /// Adds a key/value pair of context (kept in insertion order).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::Denial;
    ///
    /// let denial = Denial::new("over_limit", "lower the amount")
    ///     .with_context("limit", 100)
    ///     .with_context("requested", 250);
    /// assert_eq!(denial.context_value("requested"), Some("250"));
    /// assert_eq!(denial.context()[0], ("limit".to_owned(), "100".to_owned()));
    /// ```
    #[must_use]
    pub fn with_context(mut self, key: impl Into<String>, value: impl fmt::Display) -> Denial {
        self.context.push((key.into(), value.to_string()));
        self
    }

    /// The name of the gate that denied, as stamped by the gate set (empty
    /// for a denial that has not been through one).
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::{Denial, GateSet, Proposal};
    /// use batpak::Coordinate;
    ///
    /// let gates: GateSet<(), Denial> =
    ///     GateSet::new().with_fn("market_open", |_, _| Err(Denial::new("closed", "try at 9:00")));
    /// let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
    /// let denial = gates.evaluate(&(), &proposal).unwrap_err();
    /// assert_eq!(denial.gate(), "market_open");
    /// assert!(denial.to_string().starts_with("gate `market_open` denied [closed]"));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn gate(&self) -> &str {
        &self.gate
    }

    /// The stable code.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::Denial;
    ///
    /// assert_eq!(Denial::new("frozen", "unfreeze the account first").code(), "frozen");
    /// ```
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::Denial;
    ///
    /// assert_eq!(Denial::new("frozen", "unfreeze the account first").message(), "unfreeze the account first");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The context pairs, in insertion order.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::Denial;
    ///
    /// let denial = Denial::new("c", "m").with_context("b", 2).with_context("a", 1);
    /// let keys: Vec<&str> = denial.context().iter().map(|(k, _)| k.as_str()).collect();
    /// assert_eq!(keys, ["b", "a"]);
    /// ```
    pub fn context(&self) -> &[(String, String)] {
        &self.context
    }

    /// The first value recorded under `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use batpak::guard::Denial;
    ///
    /// let denial = Denial::new("c", "m").with_context("try", 1).with_context("try", 2);
    /// assert_eq!(denial.context_value("try"), Some("1"));
    /// assert_eq!(denial.context_value("missing"), None);
    /// ```
    pub fn context_value(&self, key: &str) -> Option<&str> {
        self.context
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn stamped(mut self, gate: &str) -> Denial {
        gate.clone_into(&mut self.gate);
        self
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.gate.is_empty() {
            write!(f, "denied [{}]: {}", self.code, self.message)?;
        } else {
            write!(
                f,
                "gate `{}` denied [{}]: {}",
                self.gate, self.code, self.message
            )?;
        }
        for (i, (key, value)) in self.context.iter().enumerate() {
            let sep = if i == 0 { " (" } else { ", " };
            write!(f, "{sep}{key}={value}")?;
        }
        if !self.context.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Denial {}

impl EventPayload for Denial {
    const KINDS: &'static [EventKind] = &[EventKind::SYSTEM_DENIAL];
    const VERSION: u16 = 1;
    const TYPE_NAME: &'static str = "batpak::guard::Denial";

    fn kind(&self) -> EventKind {
        EventKind::SYSTEM_DENIAL
    }

    fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
        encode_msgpack(Self::TYPE_NAME, self)
    }

    fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
        check_kind::<Self>(kind)?;
        decode_msgpack(Self::TYPE_NAME, kind, bytes)
    }
}

impl SingleKind for Denial {
    const KIND: EventKind = EventKind::SYSTEM_DENIAL;
}

/// Every denial of one evaluation, in gate order (never empty), as returned
/// by [`GateSet::evaluate_all`](super::GateSet::evaluate_all).
///
/// # Examples
///
/// ```
/// use batpak::guard::{Denial, GateSet, Proposal};
/// use batpak::Coordinate;
///
/// fn no(_: &(), _: &Proposal<batpak::guard::Denial>) -> Result<(), Denial> {
///     Err(Denial::new("no", "never"))
/// }
/// let gates = GateSet::new().with_fn("first", no).with_fn("second", no);
/// let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
/// let denials = gates.evaluate_all(&(), &proposal).unwrap_err();
/// let names: Vec<&str> = denials.iter().map(Denial::gate).collect();
/// assert_eq!(names, ["first", "second"]);
/// # Ok::<(), batpak::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Denials(Vec<Denial>);

impl Denials {
    pub(crate) fn from_vec(denials: Vec<Denial>) -> Option<Denials> {
        (!denials.is_empty()).then_some(Denials(denials))
    }

    /// The first denial. A gate set never returns an empty `Denials`; the
    /// `Option` covers values deserialized from elsewhere.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let gates: GateSet<(), Denial> = GateSet::new()
    /// #     .with_fn("first", |_, _| Err(Denial::new("a", "no")))
    /// #     .with_fn("second", |_, _| Err(Denial::new("b", "no")));
    /// # let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
    /// let denials = gates.evaluate_all(&(), &proposal).unwrap_err();
    /// assert_eq!(denials.first().map(Denial::gate), Some("first"));
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn first(&self) -> Option<&Denial> {
        self.0.first()
    }

    /// Every denial, in gate order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let gates: GateSet<(), Denial> = GateSet::new()
    /// #     .with_fn("first", |_, _| Err(Denial::new("a", "no")))
    /// #     .with_fn("second", |_, _| Err(Denial::new("b", "no")));
    /// # let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
    /// let denials = gates.evaluate_all(&(), &proposal).unwrap_err();
    /// let codes: Vec<&str> = denials.iter().map(Denial::code).collect();
    /// assert_eq!(codes, ["a", "b"]);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Denial> {
        self.0.iter()
    }

    /// How many gates denied.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let gates: GateSet<(), Denial> = GateSet::new()
    /// #     .with_fn("first", |_, _| Err(Denial::new("a", "no")))
    /// #     .with_fn("second", |_, _| Err(Denial::new("b", "no")));
    /// # let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
    /// let denials = gates.evaluate_all(&(), &proposal).unwrap_err();
    /// assert_eq!(denials.len(), 2);
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (never, for a `Denials` a gate set returned).
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let gates: GateSet<(), Denial> = GateSet::new()
    /// #     .with_fn("first", |_, _| Err(Denial::new("a", "no")))
    /// #     .with_fn("second", |_, _| Err(Denial::new("b", "no")));
    /// # let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
    /// let denials = gates.evaluate_all(&(), &proposal).unwrap_err();
    /// assert!(!denials.is_empty());
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The denials as a vector, in gate order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use batpak::guard::{Denial, GateSet, Proposal};
    /// # use batpak::Coordinate;
    /// # let gates: GateSet<(), Denial> = GateSet::new()
    /// #     .with_fn("first", |_, _| Err(Denial::new("a", "no")))
    /// #     .with_fn("second", |_, _| Err(Denial::new("b", "no")));
    /// # let proposal = Proposal::new(Coordinate::new("e", "s")?, Denial::new("x", "y"));
    /// let denials = gates.evaluate_all(&(), &proposal).unwrap_err();
    /// let all: Vec<Denial> = denials.into_vec();
    /// assert_eq!(all[1].gate(), "second");
    /// # Ok::<(), batpak::Error>(())
    /// ```
    pub fn into_vec(self) -> Vec<Denial> {
        self.0
    }
}

impl<'a> IntoIterator for &'a Denials {
    type Item = &'a Denial;
    type IntoIter = std::slice::Iter<'a, Denial>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Denials {
    type Item = Denial;
    type IntoIter = std::vec::IntoIter<Denial>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Denials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} gate(s) denied", self.0.len())?;
        for denial in &self.0 {
            write!(f, "; {denial}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Denials {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_gate_code_message_and_context() {
        let denial = Denial::new("limit", "over the daily limit")
            .with_context("limit", 500)
            .stamped("daily_limit");
        assert_eq!(
            denial.to_string(),
            "gate `daily_limit` denied [limit]: over the daily limit (limit=500)"
        );
    }

    #[test]
    fn payload_roundtrip_keeps_every_field() {
        let denial = Denial::new("c", "m").with_context("k", "v").stamped("g");
        let bytes = denial.encode_payload().unwrap();
        assert_eq!(
            Denial::decode_payload(Denial::KIND, &bytes).unwrap(),
            denial
        );
        assert!(Denial::decode_payload(EventKind::SYSTEM_BYPASS_AUDIT, &bytes).is_err());
    }
}
