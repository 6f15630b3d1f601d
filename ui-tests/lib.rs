//! Holds nothing: the cases live in `ui/`, driven by `ui.rs`.

pub mod bank;
