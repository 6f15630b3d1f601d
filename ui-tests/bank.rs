//! A tiny bank domain shared by the `gate` and `pipeline` cases, with
//! `EventPayload` written by hand so these cases do not depend on the derive.

use batpak::{EventKind, EventPayload, PayloadError, SingleKind};
use serde::{Deserialize, Serialize};

/// What gates read.
pub struct Account {
    /// The balance, in cents.
    pub balance_cents: u64,
}

/// Money taken out of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withdrawn {
    /// How much, in cents.
    pub cents: u64,
}

/// Money put into an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deposited {
    /// How much, in cents.
    pub cents: u64,
}

macro_rules! payload {
    ($ty:ident, $kind:expr) => {
        impl EventPayload for $ty {
            const KINDS: &'static [EventKind] = &[$kind];
            const VERSION: u16 = 1;
            const TYPE_NAME: &'static str = stringify!($ty);
            fn kind(&self) -> EventKind {
                $kind
            }
            fn encode_payload(&self) -> Result<Vec<u8>, PayloadError> {
                batpak::event::encode_msgpack(Self::TYPE_NAME, self)
            }
            fn decode_payload(kind: EventKind, bytes: &[u8]) -> Result<Self, PayloadError> {
                batpak::event::check_kind::<Self>(kind)?;
                batpak::event::decode_msgpack(Self::TYPE_NAME, kind, bytes)
            }
        }
        impl SingleKind for $ty {
            const KIND: EventKind = $kind;
        }
    };
}

payload!(Withdrawn, EventKind::custom(1, 1));
payload!(Deposited, EventKind::custom(1, 2));
