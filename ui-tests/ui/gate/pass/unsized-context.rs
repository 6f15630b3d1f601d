use batpak::guard::{Denial, GateSet, Proposal};
use batpak_ui_tests::bank::Withdrawn;

/// The context is the name of the branch.
#[batpak::gate]
fn head_office_only(branch: &str, _: &Proposal<Withdrawn>) -> Result<(), Denial> {
    if branch != "head office" {
        return Err(Denial::new("wrong_branch", "go to the head office"));
    }
    Ok(())
}

fn main() {
    let _gates: GateSet<str, Withdrawn> = GateSet::new().with(HeadOfficeOnly);
}
