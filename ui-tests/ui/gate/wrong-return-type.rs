use batpak::guard::Proposal;
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> bool {
    proposal.payload().cents <= account.balance_cents
}

fn main() {}
