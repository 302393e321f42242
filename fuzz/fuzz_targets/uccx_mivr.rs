//! Fuzz the `uccx-mivr` parser: any bytes, forced through it, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_formats::{by_name, parse_reader, FileContext};

fuzz_target!(|data: &[u8]| {
    let mut ctx = FileContext::new("fuzz/Cisco001MIVR01.log");
    let parsed = parse_reader(by_name("uccx-mivr"), &ctx, data);
    assert!(parsed.understood <= parsed.lines);
    ctx.keep_ordinary = true;
    let all = parse_reader(by_name("uccx-mivr"), &ctx, data);
    assert_eq!(all.lines, parsed.lines);
    assert!(all.events.len() >= parsed.events.len());
});
