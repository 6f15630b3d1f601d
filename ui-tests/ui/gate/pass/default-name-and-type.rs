use batpak::guard::{Denial, Gate, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

/// Refuses a withdrawal larger than the balance.
#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    if proposal.payload().cents > account.balance_cents {
        return Err(Denial::new("insufficient_funds", "the balance does not cover it"));
    }
    Ok(())
}

fn main() {
    assert_eq!(SufficientFunds.name(), "sufficient_funds");
    assert_eq!(SufficientFunds.description(), "Refuses a withdrawal larger than the balance.");
}
