use batpak::guard::{Denial, GateSet, Proposal};
use batpak_ui_tests::bank::{Account, Deposited, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let _ = (account, proposal);
    Ok(())
}

fn main() {
    let _deposits: GateSet<Account, Deposited> = GateSet::new().with(SufficientFunds);
}
