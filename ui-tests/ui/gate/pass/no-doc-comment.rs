use batpak::guard::{Denial, Gate, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn open(_account: &Account, _proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    Ok(())
}

fn main() {
    assert_eq!(Open.description(), "");
}
