use batpak::guard::{Denial, Proposal};
use batpak_ui_tests::bank::Withdrawn;

#[batpak::gate]
fn sufficient_funds(proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    let _ = proposal;
    Ok(())
}

fn main() {}
