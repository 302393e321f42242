//! The progress bar as a user at a terminal sees it: once the input is read
//! it names what the run is doing (placing events, each rule, writing a
//! report to a file), and it is gone when the run ends. stderr is a real
//! pseudo-terminal here; the report goes to a file.
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Some 35 MB of CiscoSyslog registration alarms from four nodes: enough for
/// a debug build to work for several seconds, so the bar (shown after one)
/// has stages to name.
fn dense_syslog(dir: &std::path::Path) {
    for node in 0..4 {
        let host = format!("node{node}");
        let folder = dir.join(&host).join("syslog");
        std::fs::create_dir_all(&folder).unwrap();
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(folder.join("CiscoSyslog")).unwrap());
        for i in 0..25_000u32 {
            let (s, ms) = (i / 2, (i % 2) * 500);
            let (hh, mm, ss) = (s / 3600, s / 60 % 60, s % 60);
            let device = 0x1000 + (i * 7 + node) % 5_000;
            writeln!(
                f,
                "Mar  3 {hh:02}:{mm:02}:{ss:02} {host} local7 6 : {seq}: {host}.example.net: Mar 03 2025 {hh:02}:{mm:02}:{ss:02}.{ms:03} UTC :  %UC_CALLMANAGER-6-EndPointUnregistered: %[DeviceName=SEP00AA0000{device:04X}][IPAddress=10.1.{a}.{b}][Protocol=SIP][DeviceType=36670][Description=Phone {device}][Reason=8][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=C1][NodeID={host}]: An endpoint has unregistered",
                seq = i + 1,
                a = device / 250,
                b = device % 250,
            )
            .unwrap();
        }
    }
}

/// Run uctriage with stderr on a new pseudo-terminal; what was drawn there
/// (control sequences kept) and the exit code. Bounded: killed after 5 minutes.
fn on_a_terminal(args: &[&str]) -> (String, Option<i32>) {
    on_a_terminal_with(args, None)
}

/// [`on_a_terminal`], with `TMPDIR` set to `tmpdir`.
fn on_a_terminal_with(args: &[&str], tmpdir: Option<&std::path::Path>) -> (String, Option<i32>) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two descriptors it opened; no other pointer is read.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "no pseudo-terminal");
    // SAFETY: both descriptors were just opened and are owned here only.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut command = Command::new(env!("CARGO_BIN_EXE_uctriage"));
    if let Some(dir) = tmpdir {
        command.env("TMPDIR", dir);
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("run uctriage");
    // The parent's copy of the terminal's child end goes with the command,
    // so the reader sees the end once the child exits.
    drop(command);
    let mut reader = std::fs::File::from(master);
    let drawn = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends when the child's end of the terminal closes (EIO on Linux).
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    let until = Instant::now() + Duration::from_secs(300);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("uctriage ran for more than 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Bounded too: the reader ends soon after the child.
    let until = Instant::now() + Duration::from_secs(30);
    while !drawn.is_finished() {
        assert!(Instant::now() < until, "the terminal never closed");
        std::thread::sleep(Duration::from_millis(20));
    }
    (drawn.join().expect("reader"), code)
}

#[test]
fn after_reading_the_bar_names_each_stage_and_is_gone_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    dense_syslog(&bundle);
    let report = dir.path().join("report.txt");
    let (b, r) = (bundle.to_str().unwrap(), report.to_str().unwrap());

    // A small budget, so the events go through the sorted runs on disk too.
    let (drawn, code) = on_a_terminal(&["analyze", b, "--max-memory", "2M", "-o", r]);
    // 0 or 1: found something or not (routine unregistrations).
    assert!(matches!(code, Some(0 | 1)), "{code:?}: {drawn}");
    let report_text = std::fs::read_to_string(&report).unwrap();
    assert!(
        report_text.starts_with("uctriage analysis"),
        "{report_text}"
    );
    for stage in [
        "reading ",
        "placing the events in time order: 65,536 of 100,000 events (",
        "correlating: rule impact (",
    ] {
        assert!(drawn.contains(stage), "`{stage}` never drawn:\n{drawn}");
    }
    // The spill note is printed on a line of its own, not into the bar.
    let note = drawn
        .split(['\r', '\n'])
        .find(|l| l.contains("kept in a temporary file while reading"));
    assert!(note.is_some_and(|l| l.starts_with("uctriage: ")), "{drawn}");
    // The last thing drawn clears the bar's line: nothing is left on screen.
    let last = drawn.rsplit('\r').next().unwrap_or("");
    assert!(
        !last.contains("correlating") && !last.contains("writing"),
        "the bar was left on screen: {last:?}"
    );

    // A timeline written to a file: the bar says how much is written.
    let (drawn, code) = on_a_terminal(&["timeline", b, "-o", r]);
    assert_eq!(code, Some(0), "{drawn}");
    assert!(
        drawn.contains("writing the report: 65,536 of 100,000 events"),
        "{drawn}"
    );

    // No temporary file can be made: the user is told at once, above the
    // bar, where they go and how to move them (not only when the run ends).
    let missing = dir.path().join("no-such-folder");
    let (drawn, code) = on_a_terminal_with(
        &["analyze", b, "--max-memory", "2M", "-o", r],
        Some(&missing),
    );
    assert!(matches!(code, Some(0 | 1)), "{code:?}: {drawn}");
    let told = drawn
        .split(['\r', '\n'])
        .find(|l| l.contains("stay in memory from now on"));
    assert!(
        told.is_some_and(|l| l.starts_with("uctriage: ")
            && l.contains(&format!("temporary files go to {}", missing.display()))
            && l.contains("point TMPDIR at a folder with more free space")),
        "{drawn}"
    );

    // -q: no bar at all (notes of what went to disk are still printed).
    let (drawn, code) = on_a_terminal(&["files", "-q", b, "-o", r]);
    assert_eq!(code, Some(0));
    assert!(
        !drawn.contains(" MiB/") && !drawn.contains("placing the events"),
        "{drawn}"
    );
}
