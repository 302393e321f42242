//! Fuzz the `cucm-sdl` parser: any bytes, forced through it, never panic,
//! and asking for every record (`timeline --all`) changes no count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_formats::{by_name, parse_reader, FileContext};

fuzz_target!(|data: &[u8]| {
    let mut ctx = FileContext::new("fuzz/input_190712_000000.txt");
    let parsed = parse_reader(by_name("cucm-sdl"), &ctx, data);
    assert!(parsed.understood <= parsed.lines);
    ctx.keep_ordinary = true;
    let all = parse_reader(by_name("cucm-sdl"), &ctx, data);
    assert_eq!((all.lines, all.understood), (parsed.lines, parsed.understood));
    assert!(all.events.len() >= parsed.events.len());
});
