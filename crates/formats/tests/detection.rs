//! Detection tie-breaks: files that two formats both claim go to the
//! documented winner. For each pair the test first checks that both formats
//! really claim the file (else it would not be a tie-break), then which one
//! `detect` picks. The rule itself (higher score wins, the first listed among
//! equals) is unit-tested in `src/detect.rs`.

use uctriage_formats::{by_name, parse_reader, FileContext, Head};

fn fixture(rel: &str) -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    std::fs::read_to_string(format!("{p}{rel}")).unwrap()
}

/// Both formats claim `text` (named `name`), and `winner` gets it.
fn tie(name: &str, text: &str, winner: &str, loser: &str) {
    let head = Head {
        name,
        lines: text.lines().take(200).collect(),
    };
    for f in [winner, loser] {
        let score = by_name(f).unwrap().detect(&head);
        assert!(score > 0, "{f} does not claim {name}: no tie to break");
    }
    let parsed = parse_reader(
        None,
        &FileContext::new(&format!("b/{name}")),
        text.as_bytes(),
    );
    assert_eq!(parsed.format, winner, "{name}");
}

#[test]
fn a_uccx_mivr_log_is_mivr_though_its_headers_look_like_cisco_syslog() {
    // %MIVR- headers match the CiscoSyslog hints; the MIVR layout is more specific.
    tie(
        "Cisco001MIVR01.log",
        &fixture("uccx_mivr/tsg125_jtapi_subsystem.txt"),
        "uccx-mivr",
        "cisco-syslog",
    );
}

#[test]
fn a_syslog_file_with_a_stray_mivr_line_stays_cisco_syslog() {
    // Documented in uccx_mivr's detect: other Cisco headers count against MIVR.
    let mut text = fixture("cisco_syslog/c214607_ciscosyslog.txt");
    let mivr = fixture("cisco_syslog/mivr.txt");
    text.push_str(mivr.lines().next().unwrap());
    text.push('\n');
    tie("CiscoSyslog", &text, "cisco-syslog", "uccx-mivr");
}

#[test]
fn a_finesse_ccbu_log_is_ccbu_though_it_carries_cisco_headers() {
    tie(
        "Desktop-webservices.2017-04-14T14-01-17.123.log",
        &fixture("ccbu_log/c212077_agent_state.txt"),
        "ccbu-log",
        "cisco-syslog",
    );
}

#[test]
fn a_vmkernel_log_with_syslog_like_lines_is_esxi() {
    tie(
        "vmkernel.log",
        &fixture("esxi_log/vmkernel_kb289902_sense.log"),
        "esxi-log",
        "cisco-syslog",
    );
}

#[test]
fn plain_syslogd_lines_are_cisco_syslog_not_the_generic_catch_all() {
    tie(
        "messages",
        &fixture("cisco_syslog/messages.txt"),
        "cisco-syslog",
        "generic",
    );
}

#[test]
fn any_specific_format_beats_the_generic_catch_all() {
    for (name, rel, winner) in [
        (
            "jgw1_190712_000000.txt",
            "ucce_dumplog/jgw_blog.txt",
            "ucce-dumplog",
        ),
        (
            "system-history.log",
            "vos_history/tn220970_cucm14.log",
            "vos-system-history",
        ),
        ("fault.txt", "cimc_cli/fault_entries_c240.txt", "cimc-cli"),
    ] {
        tie(name, &fixture(rel), winner, "generic");
    }
}
