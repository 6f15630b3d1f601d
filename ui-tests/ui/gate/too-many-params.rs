use batpak::guard::{Denial, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>, limit: u64) -> Result<(), Denial> {
    let _ = (account, proposal, limit);
    Ok(())
}

fn main() {}
