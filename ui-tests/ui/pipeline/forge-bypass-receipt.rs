use batpak::pipeline::BypassReceipt;
use batpak_ui_tests::bank::Withdrawn;

fn main() {
    // Skipping the gates goes through `Pipeline::bypass`, which records why.
    let receipt: BypassReceipt<Withdrawn> = BypassReceipt {
        audit_bytes: Vec::new(),
    };
}
