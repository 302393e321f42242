//! Fuzz the `vos-system-history` parser: any bytes, forced through it, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_formats::{by_name, parse_reader, FileContext};

fuzz_target!(|data: &[u8]| {
    let ctx = FileContext::new("fuzz/input_190712_000000.txt");
    let parsed = parse_reader(by_name("vos-system-history"), &ctx, data);
    assert!(parsed.understood <= parsed.lines);
});
