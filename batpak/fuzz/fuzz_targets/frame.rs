//! Any bytes as one frame, and as one event record: decoding returns a
//! value or a typed error, never a panic, and never reads past the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = batpak::__fuzz::decode_frame(bytes);
    if let Ok(len) = batpak::__fuzz::decode_event(bytes) {
        assert!(len <= bytes.len());
    }
});
