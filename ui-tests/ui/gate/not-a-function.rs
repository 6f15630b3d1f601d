#[batpak::gate]
struct SufficientFunds;

fn main() {}
