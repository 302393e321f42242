//! Fuzz the `cucm-cli` sections added for issue 15 (ntp server add/list,
//! network capture and connectivity, open ports, cert list/own, diskusage,
//! runtime disk, perf query, runtimestate summary, diagnose, info registers):
//! the first byte picks a command echo, the rest is its output. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_formats::{by_name, parse_reader, FileContext};

const ECHOES: [&str; 13] = [
    "admin:utils ntp server add 10.0.0.1\n",
    "admin:utils ntp server list\n",
    "admin:utils network capture port 123\n",
    "admin:utils network connectivity 10.0.0.2 port 1515\n",
    "admin:show open ports regexp 1500\n",
    "admin:show cert list own\n",
    "admin:show cert own tomcat/tomcat.pem\n",
    "admin:show diskusage common sort\n",
    "admin:show tech runtime disk\n",
    "admin:show perf query class Memory\n",
    "admin:utils dbreplication runtimestate\n",
    "admin:utils diagnose test\n",
    "admin:utils core active analyze core.1.6.ccm.1562952957\n====\ninfo registers\n====\n",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut input = ECHOES[usize::from(pick) % ECHOES.len()].as_bytes().to_vec();
    input.extend_from_slice(rest);
    let ctx = FileContext::new("fuzz/capture_2019-12-14.txt");
    let parsed = parse_reader(by_name("cucm-cli"), &ctx, &input[..]);
    assert!(parsed.understood <= parsed.lines);
});
