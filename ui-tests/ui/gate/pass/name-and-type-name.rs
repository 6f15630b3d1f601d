use batpak::guard::{Denial, Gate, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate(name = "funds-check", type_name = FundsCheck)]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let _ = (account, proposal);
    Ok(())
}

#[batpak::gate(type_name = Open)]
fn always_open(_: &Account, _: &Proposal<Withdrawn>) -> Result<(), Denial> {
    Ok(())
}

fn main() {
    assert_eq!(FundsCheck.name(), "funds-check");
    assert_eq!(Open.name(), "always_open");
}
