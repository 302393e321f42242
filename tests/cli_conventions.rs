//! What users of ripgrep and lnav expect of a command-line tool: exit codes
//! a script can branch on, a message per unreadable file, quiet broken
//! pipes, colour only where it is wanted, `-o FILE`, completions, a man page,
//! relative times counted from the bundle, and another display zone.

mod common;

use common::{example, output, run, run_expect};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn exit_codes_tell_found_from_nothing_found_from_nothing_readable() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    // 0: findings reported.
    assert_eq!(output(&["analyze", ex]).code, 0);
    // 1: read, understood, and nothing found.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pg/jgw.txt",
        "Events from March 3, 2024\n08:15:00:100 PG9A-jgw1 Trace: CiscoTermInServiceEv Term: X1\n",
    );
    let quiet = dir.path().to_str().unwrap();
    let out = output(&["analyze", quiet, "--tz", "UTC"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("No impact"), "{}", out.stdout);
    // timeline: 1 when no event matches the filters, 0 when some do.
    assert_eq!(
        output(&["timeline", ex, "--kind", "service_core", "--host", "nms01"]).code,
        1
    );
    assert_eq!(output(&["timeline", ex, "--kind", "service_core"]).code, 0);
    // 2: bad arguments.
    let bad = output(&["timeline", ex, "--since", "yesterday-ish"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("is not a time"), "{}", bad.stderr);
    assert_eq!(output(&["analyze", "--no-such-flag", ex]).code, 2);
}

/// Nothing understood: exit 2, no report, and stderr names every file with
/// the reason the pipeline gave for it.
#[test]
fn nothing_readable_names_each_file_and_why() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes.md", "# what we saw\n\nphones dropped\n");
    write(
        dir.path(),
        "Cargo.lock",
        "[[package]]\nname = \"x\"\nversion = \"1\"\n",
    );
    std::fs::write(dir.path().join("blob.bin"), b"\x00\x01\x02\x03binary").unwrap();
    std::fs::write(dir.path().join("empty.log"), b"").unwrap();
    let p = dir.path().to_str().unwrap();
    for cmd in ["analyze", "timeline"] {
        let out = output(&[cmd, p]);
        assert_eq!(out.code, 2, "{cmd}: {}", out.stderr);
        assert!(
            out.stdout.is_empty(),
            "{cmd} wrote a report: {}",
            out.stdout
        );
        let err = &out.stderr;
        assert!(err.contains("nothing readable"), "{err}");
        for (file, why) in [
            ("notes.md", "a document"),
            ("Cargo.lock", "format not recognised"),
            ("blob.bin", "binary"),
            ("empty.log", "empty"),
        ] {
            let line = err
                .lines()
                .find(|l| l.contains(file))
                .unwrap_or_else(|| panic!("{file} not named: {err}"));
            assert!(line.contains(why), "{file}: {line}");
        }
    }
    // `files` still prints its table (it is the diagnosis), and exits 2.
    let out = output(&["files", p]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("Cargo.lock"));
    assert!(out.stderr.contains("nothing readable"));
    // A missing path is a bad argument, said as such.
    let out = output(&["analyze", "/no/such/bundle"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no such file or folder"),
        "{}",
        out.stderr
    );
}

/// `uctriage timeline ... | head -1`: the reader goes away, uctriage ends
/// quietly with 0.
#[test]
fn a_closed_pipe_ends_quietly() {
    let ex = example();
    let mut child = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(["timeline", ex.to_str().unwrap(), "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The read end is dropped here, before uctriage has written everything.
    assert!(first.starts_with("# times in"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let plain = run(&["analyze", ex]);
    assert!(!plain.contains('\x1b'), "no colour into a pipe");
    let coloured = run(&["analyze", ex, "--color", "always"]);
    assert!(coloured.contains("\x1b["), "--color always colours");
    let stripped = coloured
        .split('\x1b')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find('m').unwrap() + 1..]
            }
        })
        .collect::<String>();
    assert_eq!(stripped, plain, "colour changes nothing but colour");
    let tl = run(&["timeline", ex, "--kind", "service_core", "--color=always"]);
    assert!(
        tl.contains("\x1b[31m") || tl.contains("\x1b[1m\x1b[31m"),
        "errors in red: {tl}"
    );
    // NO_COLOR and CLICOLOR_FORCE reach the auto mode; --color never wins over both.
    let forced = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(["analyze", ex])
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    let never = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(["analyze", ex, "--color", "never"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\x1b'));
}

#[test]
fn text_wraps_to_columns() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    for cols in [60usize, 100, 160] {
        let out = Command::new(env!("CARGO_BIN_EXE_uctriage"))
            .args(["analyze", ex])
            .env("COLUMNS", cols.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= cols, "COLUMNS={cols}: a {widest}-character line");
        assert!(widest > cols * 3 / 4, "COLUMNS={cols}: lines use the width");
    }
}

#[test]
fn output_file_for_every_report_command() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, (args, needle)) in [
        (vec!["analyze", ex, "--format", "md"], "# uctriage analysis"),
        (vec!["analyze", ex, "--format", "html"], "<!doctype html>"),
        (vec!["timeline", ex], "# times in"),
        (vec!["files", ex, "--format", "json"], "\"files\""),
        (vec!["templates", ex, "--format", "json"], "\"templates\""),
        (vec!["knowledge"], "ALARMS AND RTMT ALERTS"),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("{i}.out"));
        let mut a = args.clone();
        a.extend(["-o", path.to_str().unwrap()]);
        let out = output(&a);
        assert_eq!(out.code, 0, "{a:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{a:?} also wrote to stdout");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(written.contains(needle), "{a:?}");
        assert_eq!(written, run(&args), "{a:?}: the file is what stdout gets");
    }
    // An unwritable destination fails before any work, naming the file.
    let out = output(&["analyze", ex, "-o", "/no/such/folder/report.txt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("/no/such/folder/report.txt"),
        "{}",
        out.stderr
    );
    // A run that fails leaves no file behind, not even half of one.
    let target = dir.path().join("never.txt");
    let out = output(&["analyze", "/no/such/bundle", "-o", target.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        6,
        "temporary files left"
    );
}

/// `-o` naming a pipe (or a device such as /dev/null) writes into it: the
/// report reaches whoever reads it, and the pipe is still a pipe (renamed
/// over, /dev/null became a regular file when run as root).
#[cfg(unix)]
#[test]
fn output_into_a_named_pipe_is_written_in_place() {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let ex = example();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // Open for reading without waiting for a writer, then read until the
    // writer has come and gone, or a minute has passed.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let read = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut got = Vec::new();
        let mut buf = [0u8; 1 << 16];
        while std::time::Instant::now() < deadline {
            match reader.read(&mut buf) {
                Ok(0) if !got.is_empty() => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("reading the pipe: {e}"),
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        got
    });
    let args = ["analyze", ex.to_str().unwrap(), "--format", "md"];
    let mut a = args.to_vec();
    a.extend(["-o", fifo.to_str().unwrap()]);
    let out = output(&a);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got = String::from_utf8(read.join().unwrap()).unwrap();
    assert_eq!(got, run(&args), "the reader got the report");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced: {kind:?}");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for (shell, marker) in [
        ("bash", "complete -F _uctriage"),
        ("zsh", "#compdef uctriage"),
        ("fish", "complete -c uctriage"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = run(&["completions", shell]);
        assert!(script.contains(marker), "{shell}");
        for word in ["analyze", "timeline", "display-tz", "since"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    let man = run(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH uctriage 1"),
        "{man}"
    );
    assert!(man.contains("analyze") && man.contains("timeline"));
    let dir = tempfile::tempdir().unwrap();
    run(&["man", "--dir", dir.path().to_str().unwrap()]);
    let page = std::fs::read_to_string(dir.path().join("uctriage-analyze.1")).unwrap();
    for opt in ["display\\-tz", "since", "output", "color"] {
        assert!(page.contains(opt), "uctriage-analyze.1 documents --{opt}");
    }
}

/// `--since -2h` counts back from the bundle's last record, whatever the
/// date today, and the header says which instant that was.
#[test]
fn relative_times_count_from_the_bundle_not_the_clock() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let text = run(&[
        "timeline",
        ex,
        "--since",
        "-40m",
        "--kind",
        "device_out_of_service",
    ]);
    assert!(
        text.contains("--since -40m = 2019-07-12 12:25:40.000 -05:00"),
        "the last record is 13:05:40 CDT: {text}"
    );
    let relative = common::events(&[
        "timeline", ex, "--since", "-40m", "--until", "-30m", "--format", "json",
    ]);
    let absolute = common::events(&[
        "timeline",
        ex,
        "--since",
        "2019-07-12 12:25:40",
        "--until",
        "2019-07-12 12:35:40",
        "--format",
        "json",
    ]);
    assert!(!relative.is_empty());
    assert_eq!(relative, absolute);
    // A window that ends before it starts is a bad argument.
    let out = output(&["timeline", ex, "--since", "-10m", "--until", "-20m"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("after --until"), "{}", out.stderr);
}

#[test]
fn display_zone_moves_times_not_instants() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let args = ["--kind", "cluster_auth", "--host", "bldcucmtftp1"];
    let mut tokyo = vec!["timeline", ex, "--display-tz", "Asia/Tokyo"];
    tokyo.extend(args);
    let text = run(&tokyo);
    assert!(text.contains("2019-07-13 02:33:47.000 +09:00"), "{text}");
    assert!(text.contains("times in Asia/Tokyo"), "{text}");
    // Civil --since/--until are read in the shown zone.
    let mut window = tokyo.clone();
    window.extend(["--since", "2019-07-13 02:33", "--until", "2019-07-13 02:34"]);
    assert!(run(&window).contains("02:33:47.000 +09:00"));
    let bad = output(&["analyze", ex, "--display-tz", "Mars/Olympus"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a time zone"), "{}", bad.stderr);
    let md = run(&[
        "analyze",
        ex,
        "--format",
        "md",
        "--display-tz",
        "Europe/Berlin",
    ]);
    assert!(md.contains("Times in Europe/Berlin"));
    assert!(
        md.contains("2019-07-12 19:33:19 +02:00"),
        "impact start in Berlin time"
    );
}

/// `analyze --host/--since/--until` analyses only what is inside, and says so.
#[test]
fn analyze_can_be_focused_on_hosts_and_a_window() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let whole: serde_json::Value =
        serde_json::from_str(&run(&["analyze", ex, "--format", "json"])).unwrap();
    assert!(!common::of_kind(&whole, "impact").is_empty());
    // The hour before the impact: the TFTP node's CPU episode, no impact yet.
    let before: serde_json::Value = serde_json::from_str(&run(&[
        "analyze",
        ex,
        "--format",
        "json",
        "--since",
        "2019-07-12 11:00",
        "--until",
        "2019-07-12 12:30",
    ]))
    .unwrap();
    assert!(
        common::of_kind(&before, "impact").is_empty(),
        "no impact before 12:33"
    );
    let notes = common::strs(&before["notes"]);
    assert!(
        notes.iter().any(|n| n.starts_with("analysis limited to")),
        "{notes:?}"
    );
    // Only the PG: it saw the devices go, but the crash is on another host.
    let pg = run_expect(&["analyze", ex, "--host", "pg1a", "--format", "json"], 0);
    let pg: serde_json::Value = serde_json::from_str(&pg).unwrap();
    assert!(common::of_kind(&pg, "root_cause")
        .iter()
        .all(|f| { !common::strs(&f["hosts"]).contains(&"bldcucmsub7") }));
    // Nothing inside the window: analysed, nothing found.
    let empty = output(&["analyze", ex, "--since", "2030-01-01 00:00"]);
    assert_eq!(empty.code, 1, "{}", empty.stderr);
}
