use batpak::guard::{Denial, Proposal};
use batpak_ui_tests::bank::{Account, Withdrawn};

struct Bank;

impl Bank {
    #[batpak::gate]
    fn sufficient_funds(&self, account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
        let _ = (account, proposal);
        Ok(())
    }
}

fn main() {}
