//! Runnable examples for batpak. Each example is a file beside this one;
//! run one from the workspace root with `cargo run --example NAME`.
