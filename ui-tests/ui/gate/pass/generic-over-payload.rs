use batpak::guard::{Denial, GateSet, Proposal};
use batpak::EventPayload;
use batpak_ui_tests::bank::{Account, Deposited, Withdrawn};

/// Refuses any event while the account is frozen (balance 0 here).
#[batpak::gate]
fn not_frozen<P: EventPayload>(account: &Account, _: &Proposal<P>) -> Result<(), Denial> {
    if account.balance_cents == 0 {
        return Err(Denial::new("frozen", "the account is frozen"));
    }
    Ok(())
}

fn main() {
    let _withdrawals: GateSet<Account, Withdrawn> = GateSet::new().with(NotFrozen);
    let _deposits: GateSet<Account, Deposited> = GateSet::new().with(NotFrozen);
}
