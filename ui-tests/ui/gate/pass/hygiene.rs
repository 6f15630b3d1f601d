#![allow(dead_code)]
use batpak_ui_tests::bank::{Account, Withdrawn};

// Names the generated code must not pick up from the caller's scope.
trait Gate {}
struct Proposal;
struct Denial;
type Result = ();
mod core {}
mod batpak {}

#[::batpak::gate]
fn open(
    _: &Account,
    _: &::batpak::guard::Proposal<Withdrawn>,
) -> std::result::Result<(), ::batpak::guard::Denial> {
    Ok(())
}

fn main() {
    let _gates = ::batpak::guard::GateSet::new().with(Open);
}
