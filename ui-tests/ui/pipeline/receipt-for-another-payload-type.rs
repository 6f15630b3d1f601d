use batpak::guard::{GateSet, Proposal};
use batpak::pipeline::Pipeline;
use batpak::Coordinate;
use batpak_ui_tests::bank::{Deposited, Withdrawn};

fn main() {
    let deposits: Pipeline<(), Deposited> = Pipeline::new(GateSet::new());
    let withdrawals: Pipeline<(), Withdrawn> = Pipeline::new(GateSet::new());
    let proposal = Proposal::new(Coordinate::new("acct-1", "bank").unwrap(), Deposited { cents: 5 });
    let receipt = deposits.evaluate(&(), proposal).unwrap();
    withdrawals.commit(receipt, |event| drop(event));
}
