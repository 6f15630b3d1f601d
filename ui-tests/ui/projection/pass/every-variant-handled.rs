use batpak::projection::{EventMeta, Projection};
use batpak::EventPayload;

#[derive(EventPayload)]
#[batpak(category = 1)]
enum AccountEvent {
    #[batpak(type_id = 1)]
    Deposited { cents: u64 },
    #[batpak(type_id = 2)]
    Withdrawn { cents: u64 },
    #[batpak(type_id = 3)]
    Frozen,
}

struct Balance {
    cents: u64,
    frozen: bool,
}

impl Projection for Balance {
    type Event = AccountEvent;
    const VERSION: u32 = 2;
    fn initial() -> Self {
        Balance { cents: 0, frozen: false }
    }
    fn apply(&mut self, event: &AccountEvent, meta: &EventMeta<'_>) {
        let _ = meta.header.entity_sequence;
        match event {
            AccountEvent::Deposited { cents } => self.cents += cents,
            AccountEvent::Withdrawn { cents } => self.cents -= cents,
            AccountEvent::Frozen => self.frozen = true,
        }
    }
}

fn main() {}
