//! Any bytes as a whole segment file: the scan must end in a typed result
//! (clean, torn tail or damage) without panicking, and never claim more
//! valid bytes than it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(summary) = batpak::__fuzz::scan_segment(bytes) {
        assert!(summary.valid_len <= bytes.len() as u64);
        assert!(summary.torn.is_none() || summary.damaged.is_none());
    }
});
