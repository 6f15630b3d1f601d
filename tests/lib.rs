//! Shared helpers for batpak's integration tests; the tests themselves are
//! the other files in this folder, one per capability.

pub mod typestate_support;
