//! Hostile and odd input, end to end through the binary: what a user who
//! feeds uctriage a stranger's bundle sees (and must never see).

#![cfg(unix)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Run `uctriage` with `args` and `stdin`, whatever its exit code; killed
/// (and failed) if it takes longer than 60 s.
fn run_with(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run uctriage");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("uctriage {args:?} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.join().unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const LOG: &str = "2024-03-01 10:00:00 cucm1 first line\n2024-03-01 10:00:05 cucm1 second line\n";

#[test]
fn a_dash_reads_standard_input_plain_or_gzipped() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(LOG.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    for input in [LOG.as_bytes(), &gz[..]] {
        let o = run_with(
            &["timeline", "-q", "--format", "json", "--tz", "UTC", "-"],
            input,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let lines: Vec<serde_json::Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["file"], "(stdin)");
        assert_eq!(lines[1]["time"], "2024-03-01T10:00:05.000Z");
    }
}

/// A bundle with a link to a file of the analyst's (a temporary file
/// standing for /etc/passwd) and a link to a folder of theirs.
fn crafted(outside: &Path, bundle: &Path) {
    std::fs::write(
        outside.join("passwd"),
        "2024-03-01 10:00:01 root:x:0:0:SECRET-OF-THE-ANALYST\n",
    )
    .unwrap();
    std::fs::create_dir(outside.join("home")).unwrap();
    std::fs::write(
        outside.join("home/.bash_history"),
        "2024-03-01 10:00:02 PRIVATE-HISTORY\n",
    )
    .unwrap();
    std::fs::create_dir(bundle).unwrap();
    std::fs::write(bundle.join("app.log"), LOG).unwrap();
    std::os::unix::fs::symlink(outside.join("passwd"), bundle.join("passwd")).unwrap();
    std::os::unix::fs::symlink(outside.join("home"), bundle.join("home")).unwrap();
}

#[test]
fn links_out_of_a_bundle_never_reach_a_report() {
    let outside = tempfile::tempdir().unwrap();
    let bundle = outside.path().join("bundle");
    crafted(outside.path(), &bundle);
    let b = bundle.to_str().unwrap();
    for args in [
        vec!["timeline", "-q", "--all", b],
        vec!["timeline", "-q", "--format", "json", "--all", b],
        vec!["analyze", "-q", "--format", "md", b],
        vec!["analyze", "-q", "--format", "json", b],
        vec!["analyze", "-q", "--format", "html", b],
        vec!["files", "-q", "--format", "json", b],
    ] {
        let out = stdout(&run_with(&args, b""));
        assert!(
            !out.contains("SECRET-OF-THE-ANALYST") && !out.contains("PRIVATE-HISTORY"),
            "{args:?} leaked: {out}"
        );
        assert!(out.contains("first line") || args[0] != "timeline", "{out}");
    }
    let files = stdout(&run_with(&["files", "-q", b], b""));
    assert!(
        files.contains("outside the folder: not read (--follow-outside reads it)"),
        "{files}"
    );
    // Asked for, they are read.
    let followed = stdout(&run_with(&["timeline", "-q", "--follow-outside", b], b""));
    assert!(followed.contains("SECRET-OF-THE-ANALYST") && followed.contains("PRIVATE-HISTORY"));
}

#[test]
fn escape_sequences_and_newlines_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let evil =
        "2024-03-01 10:00:00 cucm1 \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[1A\rfake line \u{9b}31m\n";
    std::fs::write(dir.path().join("evil\nname\u{1b}[31m.log"), evil).unwrap();
    std::fs::write(dir.path().join("good.log"), LOG).unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [
        vec!["timeline", "-q", "--tz", "UTC", d],
        vec!["files", "-q", d],
        vec!["analyze", "-q", d],
        vec!["analyze", "-q", "--format", "md", d],
    ] {
        let out = stdout(&run_with(&args, b""));
        assert!(
            !out.contains('\u{1b}')
                && !out.contains('\r')
                && !out.contains('\u{7}')
                && !out.contains('\u{9b}'),
            "{args:?}: {out:?}"
        );
        assert!(
            !out.lines().any(|l| l.starts_with("name")),
            "{args:?}: a newline in a file name broke a line: {out}"
        );
    }
    let timeline = stdout(&run_with(&["timeline", "-q", "--tz", "UTC", d], b""));
    assert!(
        timeline.contains("\\e]0;pwned\\x07\\e[2J\\e[1A\\rfake line \\u{9b}31m"),
        "{timeline}"
    );
    let files = stdout(&run_with(&["files", "-q", d], b""));
    assert!(files.contains("evil\\nname\\e[31m.log"), "{files}");
}

#[test]
fn absurd_thread_counts_are_clamped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.log"), LOG).unwrap();
    let start = Instant::now();
    let o = run_with(
        &["files", "-q", "-j", "100000", dir.path().to_str().unwrap()],
        b"",
    );
    assert!(o.status.success());
    assert!(start.elapsed() < Duration::from_secs(20));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("-j 100000 is more than this machine can use"),
        "{err}"
    );
}

#[test]
fn a_pipe_on_the_command_line_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = run_with(&["files", "-q", fifo.to_str().unwrap()], b"");
    let out = stdout(&o);
    assert!(out.contains("a named pipe (FIFO): refused"), "{out}");
    assert!(!o.status.success(), "nothing was read");
}

#[test]
fn an_empty_folder_says_it_holds_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_with(&["files", "-q", dir.path().to_str().unwrap()], b"");
    assert!(
        stdout(&o).contains("the folder holds no files"),
        "{}",
        stdout(&o)
    );
    assert!(!o.status.success());
}

/// Log lines with a code fence, pipes and HTML in them, and a host folder
/// named with backticks: the Markdown report keeps every evidence line
/// inside its code block, and no markup from the bundle outside one.
#[test]
fn markup_in_log_lines_does_not_break_the_markdown_report() {
    let dir = tempfile::tempdir().unwrap();
    let syslog = dir.path().join("```/syslog");
    std::fs::create_dir_all(&syslog).unwrap();
    let lines: Vec<String> = (1..=4)
        .map(|n| {
            format!(
                "May  2 11:00:0{n} cm-s1 local7 3 : 100{n}: cm-s1.example.net: May 02 2024 09:00:0{n}.000 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0A1B2C3D4E5{n}][IPAddress=10.9.8.{n}][Protocol=SIP][Reason=13][AppID=Cisco CallManager][ClusterID=C1][NodeID=cm-s1]: ``` | <script>alert({n})</script> |"
            )
        })
        .collect();
    std::fs::write(syslog.join("CiscoSyslog"), lines.join("\n") + "\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let md = stdout(&run_with(&["analyze", "-q", "--format", "md", d], b""));
    assert!(md.contains("## "), "a finding: {md}");
    // Walk the document as CommonMark does: a fence opens a block that only
    // a line of at least as many backticks (and nothing else) closes.
    let mut open: Option<usize> = None;
    let mut inside = 0;
    for l in md.lines() {
        let ticks = l.chars().take_while(|c| *c == '`').count();
        match open {
            None if ticks >= 3 => open = Some(ticks),
            Some(n) if ticks >= n && l.trim().chars().all(|c| c == '`') => open = None,
            Some(n) => {
                assert!(ticks < n, "a line a lenient renderer would close on: {l}");
                if l.contains("<script>") {
                    inside += 1;
                }
            }
            None => {
                assert!(!l.contains("<script>"), "raw HTML outside code: {l}\n{md}");
                assert!(!l.contains("```"), "a fence outside code: {l}\n{md}");
            }
        }
    }
    assert!(open.is_none(), "an unclosed code block: {md}");
    assert!(inside >= 4, "the evidence lines are in the block: {md}");
}

/// A customer's collection packed as `.rar` or `.Z` (formats uctriage does
/// not read), inside a folder or inside a `.tar.gz`: each is named for what
/// it is, with what to do, and the rest is still read; alone, it is
/// "nothing readable", not a silent success. A damaged `.xz` or `.7z`
/// (formats it reads) says what is wrong with it.
#[test]
fn compressed_formats_it_does_not_read_are_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("app.log"), LOG).unwrap();
    // The formats' own first bytes, then bytes that are no text.
    let packed: [(&str, &[u8]); 4] = [
        ("damaged.7z", b"7z\xBC\xAF\x27\x1C\x00\x04\x8D\x9B"),
        ("traces.rar", b"Rar!\x1A\x07\x01\x00"),
        ("syslog.Z", b"\x1F\x9D\x90"),
        ("damaged.tar.xz", b"\xFD7zXZ\x00\x00\x04\xE6\xD6\xB4\x46"),
    ];
    for (name, head) in packed {
        let mut bytes = head.to_vec();
        bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
        std::fs::write(bundle.join(name), bytes).unwrap();
    }
    // The same RAR file inside a .tar.gz.
    let tgz = dir.path().join("outer.tar.gz");
    {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&tgz).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        tar.append_path_with_name(bundle.join("traces.rar"), "inner/traces.rar")
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    let o = run_with(
        &[
            "files",
            "-q",
            bundle.to_str().unwrap(),
            tgz.to_str().unwrap(),
        ],
        b"",
    );
    let table = stdout(&o);
    assert!(o.status.success(), "{table}");
    for what in [
        "damaged.7z",
        "traces.rar",
        "syslog.Z",
        "damaged.tar.xz",
        "inner/traces.rar",
    ] {
        let named = table.lines().any(|l| l.contains(what));
        assert!(named, "{what} missing: {table}");
    }
    for said in [
        "a RAR archive: not read",
        "compressed by Unix `compress` (.Z): not read",
        "xz data: ",
        "7z archive unreadable: ",
    ] {
        assert!(table.contains(said), "{said}: {table}");
    }
    assert!(table.contains("unpack it and give uctriage what comes out"));
    assert!(!table.contains("binary content"), "{table}");
    // The log beside them is still read.
    assert!(table.contains("app.log"), "{table}");

    // Alone: nothing readable, and stderr says why.
    let alone = run_with(
        &["analyze", "-q", bundle.join("traces.rar").to_str().unwrap()],
        b"",
    );
    assert_eq!(alone.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&alone.stderr);
    assert!(stderr.contains("a RAR archive: not read"), "{stderr}");
}
