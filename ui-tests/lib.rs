//! Shared fixtures for the cases (`bank`); the cases live in `ui/`, driven by `ui.rs`.

pub mod bank;
