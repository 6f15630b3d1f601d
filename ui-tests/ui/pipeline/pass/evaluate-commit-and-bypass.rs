use batpak::guard::{Denial, GateSet, Proposal};
use batpak::pipeline::{EncodedEvent, Pipeline};
use batpak::Coordinate;
use batpak_ui_tests::bank::{Account, Withdrawn};

#[batpak::gate]
fn sufficient_funds(account: &Account, proposal: &Proposal<Withdrawn>) -> Result<(), Denial> {
    if proposal.payload().cents > account.balance_cents {
        return Err(Denial::new("insufficient_funds", "the balance does not cover it"));
    }
    Ok(())
}

fn main() -> Result<(), batpak::Error> {
    let pipeline = Pipeline::new(GateSet::new().with(SufficientFunds));
    let coord = Coordinate::new("acct-1", "bank")?;
    let account = Account { balance_cents: 100 };
    let receipt = pipeline.evaluate(&account, Proposal::new(coord.clone(), Withdrawn { cents: 5 }))?;
    let written: EncodedEvent = pipeline.commit(receipt, |event| event)?;
    assert_eq!(written.coordinate, coord);
    let bypass = pipeline.bypass(Proposal::new(coord, Withdrawn { cents: 500 }), "refund")?;
    let writes: Vec<EncodedEvent> = pipeline.commit_bypass(bypass, |writes| writes)?;
    assert_eq!(writes.len(), 2);
    Ok(())
}
