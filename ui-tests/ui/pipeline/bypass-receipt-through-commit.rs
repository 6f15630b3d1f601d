use batpak::guard::{GateSet, Proposal};
use batpak::pipeline::Pipeline;
use batpak::Coordinate;
use batpak_ui_tests::bank::Withdrawn;

fn main() {
    let pipeline: Pipeline<(), Withdrawn> = Pipeline::new(GateSet::new());
    let proposal = Proposal::new(Coordinate::new("acct-1", "bank").unwrap(), Withdrawn { cents: 5 });
    let bypass = pipeline.bypass(proposal, "migration").unwrap();
    // A bypass must be committed with its audit event.
    pipeline.commit(bypass, |event| drop(event));
}
