#![deny(missing_docs)]
//! A crate that documents everything.

/// The bank rules.
pub mod rules {
    use batpak::guard::{Denial, Proposal};
    use batpak_ui_tests::bank::{Account, Withdrawn};

    /// Lets everything through.
    #[batpak::gate]
    pub fn open(_: &Account, _: &Proposal<Withdrawn>) -> Result<(), Denial> {
        Ok(())
    }
}

fn main() {
    let _gates = batpak::guard::GateSet::new().with(rules::Open);
}
