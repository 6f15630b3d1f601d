use batpak::guard::{Denial, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
#[allow(non_snake_case)]
fn Funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let _ = (account, proposal);
    Ok(())
}

fn main() {}
