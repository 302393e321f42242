//! Fuzz detection plus whichever parser it picks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_formats::{parse_reader, FileContext};

fuzz_target!(|data: &[u8]| {
    let parsed = parse_reader(None, &FileContext::new("bundle/node/file.txt"), data);
    assert!(parsed.understood <= parsed.lines);
});
