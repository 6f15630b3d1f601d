use batpak::guard::Receipt;
use batpak_ui_tests::bank::Withdrawn;

fn main() {
    // Only the pipeline can make a receipt: its fields are private.
    let receipt: Receipt<Withdrawn> = Receipt {
        bytes: vec![0x80],
        gates_passed: vec!["sufficient_funds".to_owned()],
    };
}
