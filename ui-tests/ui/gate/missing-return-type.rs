use batpak::guard::Proposal;
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) {
    let _ = (account, proposal);
}

fn main() {}
