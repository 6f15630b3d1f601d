use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn open(
    _: &Account,
    _: &::batpak::guard::Proposal<Withdrawn>,
) -> ::core::result::Result<(), batpak::guard::Denial> {
    Ok(())
}

fn main() {
    let _gates = batpak::guard::GateSet::new().with(Open);
}
