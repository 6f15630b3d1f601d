use batpak::guard::Receipt;
use batpak_ui_tests::bank::Withdrawn;

fn read_back<T: serde::de::DeserializeOwned>() {}

fn main() {
    // A receipt read from elsewhere would prove nothing.
    read_back::<Receipt<Withdrawn>>();
}
