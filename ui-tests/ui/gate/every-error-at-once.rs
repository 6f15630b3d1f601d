use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate(title = "funds", name = "a", name = "b")]
async fn sufficient_funds(account: &mut Account, proposal: Withdrawn) -> bool {
    let _ = (account, proposal);
    true
}

fn main() {}
