//! A bundle full of bad input: every bad file is reported with what went
//! wrong, nothing panics, and the good file is still analysed.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::Path;
use uctriage_engine::{load, Config, Silent};

const GOOD: &str = "Events from March 3, 2024\n08:15:00:100 PG2B-jgw1 Trace: CiscoTermOutOfServiceEv Term: CTIP9001 Cause: DEVICE_UNREGISTERED\n";

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) {
    std::fs::write(dir.join(name), data).unwrap();
}

fn bad_bundle(dir: &Path) {
    write(dir, "good.txt", GOOD.as_bytes());
    write(dir, "empty.txt", b"");
    write(
        dir,
        "binary.dat",
        &[
            0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0,
        ],
    );
    let mut latin1 = GOOD.as_bytes().to_vec();
    latin1.extend_from_slice(b"08:15:01:000 PG2B-jgw1 Trace: agent M\xfcller logged out\n");
    write(dir, "latin1.txt", &latin1);
    let mut long = b"Events from March 3, 2024\n08:15:02:000 PG2B-jgw1 Trace: ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 10 << 20));
    long.extend_from_slice(b"\n08:15:03:000 PG2B-jgw1 Trace: after the long line\n");
    write(dir, "long.txt", &long);
    let full = gz(GOOD.repeat(2000).as_bytes());
    write(dir, "truncated.txt.gz", &full[..full.len() / 2]);
    write(dir, "open.txt.gzo", &full[..full.len() - 9]);
    write(
        dir,
        "corrupt.gz",
        &[0x1f, 0x8b, 8, 0, 9, 9, 9, 9, 9, 9, 9, 9],
    );
    write(dir, "unknown.txt", b"just some words\nwithout any time\n");
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("../../escape.txt", opts).unwrap();
    z.write_all(GOOD.as_bytes()).unwrap();
    let zipped = z.finish().unwrap().into_inner();
    write(dir, "evil.zip", &zipped);
    write(dir, "truncated.zip", &zipped[..zipped.len() - 30]);
}

#[test]
fn bad_files_are_reported_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    bad_bundle(dir.path());
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    let bundle = load(&cfg, &Silent);
    let file = |name: &str| {
        bundle
            .files
            .iter()
            .find(|f| f.path == name)
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    let said = |name: &str, needle: &str| {
        let f = file(name);
        assert!(
            f.problems.iter().any(|p| p.message.contains(needle)),
            "{name}: {:?}",
            f.problems
        );
    };
    assert_eq!(file("good.txt").understood, 2);
    said("empty.txt", "empty");
    said("binary.dat", "binary");
    said("latin1.txt", "invalid UTF-8");
    assert_eq!(
        file("latin1.txt").understood,
        3,
        "the bad bytes are replaced, the line still read"
    );
    said("long.txt", "cut");
    assert_eq!(
        (file("long.txt").lines, file("long.txt").understood),
        (3, 3),
        "the line after the cut one is still read"
    );
    said("truncated.txt.gz", "read stopped early");
    assert!(
        file("truncated.txt.gz").understood > 100,
        "lines before the cut are read"
    );
    said("open.txt.gzo", "still being written");
    said("corrupt.gz", "");
    said("unknown.txt", "format not recognised");
    said("evil.zip!/escape.txt", "outside the archive");
    assert!(!dir.path().parent().unwrap().join("escape.txt").exists());
    assert!(bundle
        .files
        .iter()
        .any(|f| f.path.starts_with("truncated.zip")));
    assert!(bundle
        .events
        .iter()
        .any(|e| e.summary.contains("CTIP9001") && &*e.evidence.file == "good.txt"));
}

#[test]
fn one_thread_and_many_give_the_same_timeline() {
    let dir = tempfile::tempdir().unwrap();
    bad_bundle(dir.path());
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| load(&cfg, &Silent));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| load(&cfg, &Silent));
    let key = |b: &uctriage_engine::Bundle| {
        b.events
            .iter()
            .map(|e| (e.time, e.evidence.file.clone(), e.evidence.line))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&one), key(&many));
}

/// The bad bundle packed as one `.tar.gz`, as a customer would send it.
fn bad_tarball(dir: &Path) -> std::path::PathBuf {
    let loose = dir.join("loose");
    std::fs::create_dir(&loose).unwrap();
    bad_bundle(&loose);
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_dir_all("collection", &loose).unwrap();
    // A member with a problem of the tar's (its escaping name), then of its
    // own (a zip cut short), on the same path, in that order.
    let cut_zip = std::fs::read(loose.join("truncated.zip")).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(cut_zip.len() as u64);
    h.set_mode(0o644);
    let name = b"../escape.zip";
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    h.set_cksum();
    tar.append(&h, &cut_zip[..]).unwrap();
    let path = dir.join("collection.tar.gz");
    std::fs::write(&path, gz(&tar.into_inner().unwrap())).unwrap();
    path
}

/// Members of a tar.gz read on other threads: the same files, counts,
/// problems and events as one thread reading them in turn.
#[test]
fn a_tarball_reads_the_same_with_one_thread_and_many() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        inputs: vec![bad_tarball(dir.path())],
        ..Default::default()
    };
    let with = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| load(&cfg, &Silent))
    };
    let (one, many) = (with(1), with(4));
    let files = |b: &uctriage_engine::Bundle| {
        b.files
            .iter()
            .map(|f| {
                let problems: Vec<&str> = f.problems.iter().map(|p| p.message.as_str()).collect();
                format!(
                    "{} {} {}/{} {} {problems:?}",
                    f.path, f.format, f.understood, f.lines, f.events
                )
            })
            .collect::<Vec<_>>()
    };
    let events = |b: &uctriage_engine::Bundle| {
        b.events
            .iter()
            .map(|e| {
                (
                    e.time,
                    e.evidence.file.clone(),
                    e.evidence.line,
                    e.summary.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(files(&one), files(&many));
    assert_eq!(events(&one), events(&many));
    let listed = files(&many);
    let member = |name: &str| {
        listed
            .iter()
            .find(|f| f.starts_with(&format!("collection.tar.gz!/collection/{name} ")))
            .unwrap_or_else(|| panic!("{name} in {listed:#?}"))
            .clone()
    };
    assert!(member("truncated.txt.gz").contains("read stopped early"));
    assert!(member("latin1.txt").contains("invalid UTF-8"));
    assert!(member("good.txt").contains(" 2/2 "));
    let escaped = listed
        .iter()
        .find(|f| f.starts_with("collection.tar.gz!/escape.zip "))
        .expect("the escaping member is listed under its neutralised name");
    assert!(escaped.contains("outside the archive"), "{escaped}");
    assert!(escaped.contains("zip directory unreadable"), "{escaped}");
}

/// Progress counts every byte on disk exactly once, archives included.
#[test]
fn progress_adds_up_to_the_bytes_on_disk() {
    use std::sync::atomic::{AtomicU64, Ordering};
    struct Count(AtomicU64, AtomicU64);
    impl uctriage_engine::Progress for Count {
        fn start(&self, total: u64, _: usize) {
            self.0.store(total, Ordering::Relaxed);
        }
        fn advance(&self, bytes: u64, _: &str) {
            self.1.fetch_add(bytes, Ordering::Relaxed);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    bad_bundle(dir.path());
    let count = Count(AtomicU64::new(0), AtomicU64::new(0));
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    load(&cfg, &count);
    let total = count.0.load(Ordering::Relaxed);
    assert!(total > 10 << 20);
    assert_eq!(count.1.load(Ordering::Relaxed), total);
}

/// Windows exports in UTF-16, with and without a byte order mark, in both
/// orders: read like the UTF-8 file, never "not recognised".
#[test]
fn utf16_files_are_decoded_and_read_like_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let text = "2024-03-01 10:00:00 cucm1 disk full on /common\r\n2024-03-01 10:00:05 cucm1 Müller logged out\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    write(dir.path(), "a_utf8.log", text.as_bytes());
    write(
        dir.path(),
        "b_le_bom.log",
        &[&[0xFF, 0xFE][..], &le].concat(),
    );
    write(
        dir.path(),
        "c_be_bom.log",
        &[&[0xFE, 0xFF][..], &be].concat(),
    );
    write(dir.path(), "d_le.log", &le);
    write(dir.path(), "e_be.log", &be);
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    let bundle = load(&cfg, &Silent);
    let utf8 = &bundle.files[0];
    assert_eq!((utf8.lines, utf8.understood), (2, 2));
    for f in &bundle.files[1..] {
        assert_eq!(
            (f.format, f.lines, f.understood, f.events),
            (utf8.format, 2, 2, 2),
            "{} {:?}",
            f.path,
            f.problems
        );
    }
    let summaries = |file: &str| -> Vec<String> {
        bundle
            .events
            .iter()
            .filter(|e| &*e.evidence.file == file)
            .map(|e| e.summary.to_string())
            .collect()
    };
    for f in ["b_le_bom.log", "c_be_bom.log", "d_le.log", "e_be.log"] {
        assert_eq!(summaries(f), summaries("a_utf8.log"), "{f}");
    }
}

fn load_dir(dir: &Path, options: uctriage_engine::Options) -> uctriage_engine::Bundle {
    let cfg = Config {
        inputs: vec![dir.to_path_buf()],
        options,
        ..Default::default()
    };
    load(&cfg, &Silent)
}

fn problems_of<'b>(b: &'b uctriage_engine::Bundle, name: &str) -> Vec<(Option<u64>, &'b str)> {
    b.files
        .iter()
        .find(|f| f.path == name)
        .unwrap_or_else(|| panic!("{name} listed"))
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect()
}

const LEAP_SYSLOG: &str =
    "Feb 29 12:00:01 cucm1 kernel: a leap day\nMar  1 12:00:01 cucm1 kernel: the day after\n";
/// An SDL trace whose FileHead dates it in the year 9999, at UTC-5: its
/// lines fall after the last instant there is.
const SDL_9999: &str = "1.000 |00:00:00.206 |FileHead |UTC:-05:00,Date: 9999/12/31, AppName: CCM, AppId: 100, HostName: cucm2, FileNumber: 1, TraceVer: 3.0\n5.0 |23:59:59.000 |AppInfo  |SDLLinkISV - SDL link restored App ID:Cisco CallManager Cluster ID:C Node ID:n\n";

#[test]
fn times_that_cannot_be_placed_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "syslog", LEAP_SYSLOG.as_bytes());
    // The bundle's dated lines say 2023: February 29 does not exist then.
    write(
        dir.path(),
        "app.log",
        b"2023-03-01 10:00:00 cucm1 something\n",
    );
    write(dir.path(), "SDL001_100_000001.txt", SDL_9999.as_bytes());
    let b = load_dir(dir.path(), Default::default());
    let syslog = problems_of(&b, "syslog");
    assert!(
        syslog
            .iter()
            .any(|(l, m)| *l == Some(1) && m.contains("month 2 day 29 exists in no year")),
        "{syslog:?}"
    );
    let sdl = problems_of(&b, "SDL001_100_000001.txt");
    assert!(
        sdl.iter().any(|(l, m)| *l == Some(2)
            && m.contains("9999-12-31T23:59:59")
            && m.contains("year 9999")),
        "{sdl:?}"
    );
    assert!(
        b.notes
            .iter()
            .any(|n| n.starts_with("2 lines of 2 files have a time that cannot be placed")),
        "{:?}",
        b.notes
    );
    // The day after is placed.
    assert!(b
        .events
        .iter()
        .any(|e| e.summary.contains("the day after") && e.time.is_some()));
}

#[test]
fn a_year_less_syslog_alone_asks_for_a_date_and_feb_29_is_read_with_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "syslog", LEAP_SYSLOG.as_bytes());
    let b = load_dir(dir.path(), Default::default());
    assert!(b.events.iter().all(|e| e.time.is_none()));
    assert!(
        b.notes.iter().any(|n| n.contains("2 lines of 1 file")
            && n.contains("carry no year or no date")
            && n.contains("pass --date")),
        "{:?}",
        b.notes
    );
    assert!(problems_of(&b, "syslog")
        .iter()
        .any(|(l, m)| *l == Some(2) && m.contains("no dated event in the bundle")));
    // With a date late in a leap year, the year inference would move
    // February to the next year, where it has no 29th: it stays in 2024.
    let hinted = load_dir(
        dir.path(),
        uctriage_engine::Options {
            date_hint: Some("2024-12-20".parse().unwrap()),
            ..Default::default()
        },
    );
    let times: Vec<String> = hinted
        .events
        .iter()
        .map(|e| e.time.map(|t| t.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(times, ["2024-02-29T12:00:01Z", "2025-03-01T12:00:01Z"]);
    assert!(hinted.notes.iter().all(|n| !n.contains("cannot be placed")));
}

/// What `files` shows per file, whatever is kept.
fn file_rows(b: &uctriage_engine::Bundle) -> Vec<String> {
    b.files
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {}/{} {} {:?} {:?} {:?}",
                f.path,
                f.format,
                f.host,
                f.understood,
                f.lines,
                f.events,
                f.first,
                f.last,
                f.problems
            )
        })
        .collect()
}

/// Events not kept change nothing but memory: the same files, times,
/// problems and notes, and the events kept are the same ones.
#[test]
fn events_not_kept_are_counted_and_change_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    bad_bundle(dir.path());
    write(dir.path(), "syslog", LEAP_SYSLOG.as_bytes());
    write(dir.path(), "SDL001_100_000001.txt", SDL_9999.as_bytes());
    // Out of order, two hosts, a line without a year, continuation lines.
    write(
        dir.path(),
        "mixed.log",
        b"2024-03-03 09:00:00 late line\n  continued\n2024-03-03 08:00:00 early line\nJan  2 10:00:00 other-host kernel: no year\n2024-03-03T07:30:00Z stated in UTC\n",
    );
    let with = |retain: uctriage_engine::Retain| {
        let cfg = Config {
            inputs: vec![dir.path().to_path_buf()],
            retain,
            ..Default::default()
        };
        load(&cfg, &Silent)
    };
    let all = with(uctriage_engine::Retain::All);
    let none = with(uctriage_engine::Retain::CountOnly);
    let not_log = with(uctriage_engine::Retain::Only(std::sync::Arc::new(|e| {
        e.kind != uctriage_core::Kind::Log
    })));
    assert!(none.events.is_empty());
    assert!(all.events.len() > not_log.events.len() && !not_log.events.is_empty());
    assert!(not_log
        .events
        .iter()
        .all(|e| e.kind != uctriage_core::Kind::Log));
    for other in [&none, &not_log] {
        assert_eq!(file_rows(other), file_rows(&all));
        assert_eq!(other.notes, all.notes);
        assert_eq!(other.display.zone, all.display.zone);
        assert_eq!(
            other.hosts.hosts().keys().collect::<Vec<_>>(),
            all.hosts.hosts().keys().collect::<Vec<_>>()
        );
    }
    let key = |b: &uctriage_engine::Bundle| {
        b.events
            .iter()
            .filter(|e| e.kind != uctriage_core::Kind::Log)
            .map(|e| {
                (
                    e.time,
                    e.evidence.file.clone(),
                    e.evidence.line,
                    e.evidence.text.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&not_log), key(&all));
}
