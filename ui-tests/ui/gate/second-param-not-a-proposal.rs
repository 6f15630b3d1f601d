use batpak::guard::Denial;
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: &Account, payload: &Withdrawn) -> Result<(), Denial> {
    let _ = (account, payload);
    Ok(())
}

fn main() {}
