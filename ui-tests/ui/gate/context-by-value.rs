use batpak::guard::{Denial, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let _ = (account, proposal);
    Ok(())
}

fn main() {}
