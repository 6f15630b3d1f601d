use batpak::guard::{GateSet, Proposal};
use batpak::pipeline::Pipeline;
use batpak::Coordinate;
use batpak_ui_tests::bank::Withdrawn;

fn main() {
    let pipeline: Pipeline<(), Withdrawn> = Pipeline::new(GateSet::new());
    let proposal = Proposal::new(Coordinate::new("acct-1", "bank").unwrap(), Withdrawn { cents: 5 });
    let receipt = pipeline.evaluate(&(), proposal).unwrap();
    pipeline.commit(receipt, |event| drop(event));
    pipeline.commit(receipt, |event| drop(event));
}
