use batpak::projection::{EventMeta, Projection};
use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Deposited { cents: u64 },
    #[batpak(type_id = 2)]
    Withdrawn { cents: u64 },
    // Added later: every projection's `apply` must now handle it.
    #[batpak(type_id = 3)]
    Frozen,
}

struct Balance(u64);

impl Projection for Balance {
    type Event = AccountEvent;
    fn initial() -> Self {
        Balance(0)
    }
    fn apply(&mut self, event: &AccountEvent, _: &EventMeta<'_>) {
        match event {
            AccountEvent::Deposited { cents } => self.0 += cents,
            AccountEvent::Withdrawn { cents } => self.0 -= cents,
        }
    }
}

fn main() {}
