use batpak::guard::{Denial, Gate, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

/// Refuses large withdrawals.
///
/// Large means above 10 000 cents.
#[batpak::gate]
fn not_too_large(_: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    if proposal.payload().cents > 10_000 {
        return Err(Denial::new("too_large", "split the withdrawal"));
    }
    Ok(())
}

fn main() {
    assert_eq!(
        NotTooLarge.description(),
        "Refuses large withdrawals.\n\nLarge means above 10 000 cents."
    );
}
