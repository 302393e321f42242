//! Fuzz the archive layer: any bytes as a file (gzip, tar, zip or plain).
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_sources::{read_unit, Limits, Unit};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("uctriage-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.bin");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let limits = Limits { max_unit_bytes: 64 << 20, ..Limits::default() };
    let unit = Unit::file(path, "input.bin".into());
    read_unit(&unit, &limits, &mut |_, r| {
        let mut sink = [0u8; 8192];
        while let Ok(n) = r.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
    });
});
