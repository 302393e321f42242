//! `uctriage templates`: plain text and parsed logs mined into templates,
//! every line assigned, bad input mined or skipped without a crash, and the
//! same templates with one thread and many. (Every JSON output is checked
//! against its schema by the run helper.)

mod common;

use common::{output, run};
use serde_json::Value;
use std::io::Write;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn plain_lines() -> String {
    let mut s = String::new();
    for i in 0..60 {
        s += &format!(
            "Invalid user {} from 10.0.{}.{}\n",
            ["ann", "bob", "cy", "dee", "eve"][i % 5],
            i % 4,
            i
        );
        s += &format!(
            "Connection closed by 192.168.1.{} port {} [preauth]\n",
            i,
            40000 + i
        );
        if i % 20 == 0 {
            s += "\n";
            s += &format!(
                "Device SEP0023EB54A{:03X} unregistered, reason {}\n",
                i,
                i % 9
            );
        }
    }
    s
}

#[test]
fn a_plain_text_file_is_mined_into_templates_by_count() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "messages.txt", plain_lines().as_bytes());
    let doc: Value = serde_json::from_str(&run(&["templates", &f, "--format", "json"])).unwrap();
    let t = doc["templates"].as_array().unwrap();
    let texts: Vec<&str> = t.iter().map(|t| t["template"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "Connection closed by <*> port <*> [preauth]",
            "Invalid user <*> from <*>",
            "Device <*> unregistered, reason <*>"
        ]
    );
    assert_eq!(t[0]["count"], 60);
    assert_eq!(t[2]["count"], 3);
    assert!(t[0]["example"]
        .as_str()
        .unwrap()
        .starts_with("Connection closed by 192.168.1.0"));
    let text = run(&["templates", &f]);
    assert!(text.contains("3 templates from 123 messages"), "{text}");
    assert!(text.contains("Device <*> unregistered, reason <*>"));
}

#[test]
fn assign_gives_every_line_its_template_numbered_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "messages.txt", plain_lines().as_bytes());
    let out = run(&["templates", &f, "--assign", "--format", "json"]);
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Blank lines carry no message.
    assert_eq!(rows.len(), 123);
    assert_eq!(rows[0]["line"], 1);
    assert_eq!(rows[0]["template"], "Invalid user <*> from <*>");
    assert_eq!(rows[1]["line"], 2);
    assert_eq!(
        rows[1]["template"],
        "Connection closed by <*> port <*> [preauth]"
    );
    let dev = rows.iter().find(|r| r["line"] == 4).unwrap();
    assert_eq!(dev["template"], "Device <*> unregistered, reason <*>");
    assert!(rows.iter().all(|r| r["file"] == "messages.txt"));
    let ids: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["template_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
}

#[test]
fn a_parsed_log_is_mined_by_its_message_with_time_and_host() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::new();
    for i in 0..30 {
        s += &format!(
            "Dec 10 06:{:02}:46 LabSZ sshd[{}]: Failed password for {} from 5.36.59.{} port {} ssh2\n",
            i,
            24200 + i,
            ["root", "admin", "guest", "oracle"][i % 4],
            i,
            42000 + i
        );
    }
    let f = write(dir.path(), "auth.log", s.as_bytes());
    let doc: Value = serde_json::from_str(&run(&[
        "templates",
        &f,
        "--format",
        "json",
        "--date",
        "2017-12-10",
    ]))
    .unwrap();
    let t = &doc["templates"][0];
    assert_eq!(
        t["template"],
        "Failed password for <*> from <*> port <*> ssh2"
    );
    assert_eq!(t["count"], 30);
    assert_eq!(t["hosts"][0], "labsz");
    assert_eq!(t["first"], "2017-12-10T06:00:46.000Z");
    assert_eq!(t["last"], "2017-12-10T06:29:46.000Z");
}

#[test]
fn binary_huge_and_invalid_lines_are_mined_or_skipped_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    // Past the first 64 KiB, where a file is judged text or binary.
    let mut bytes = Vec::new();
    for i in 0..3000 {
        bytes.extend(
            format!(
                "Connection closed by 10.1.{}.{} port {} [preauth]\n",
                i / 250,
                i % 250,
                i
            )
            .as_bytes(),
        );
    }
    bytes.extend(b"garbage \x00\x01\x02 in a line\n");
    bytes.extend(b"bad utf-8 \xff\xfe\xc3 here\n");
    bytes.extend(vec![b'z'; 1 << 20]);
    bytes.extend(b"\nInvalid user u1 from 10.9.9.9\nInvalid user u2 from 10.9.9.8\n");
    let f = write(dir.path(), "mixed.txt", &bytes);
    let out = output(&["templates", &f, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let t = doc["templates"].as_array().unwrap();
    let total: u64 = t.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 3005);
    assert_eq!(t[0]["count"], 3000);
    assert!(t
        .iter()
        .any(|t| t["template"] == "Invalid user <*> from <*>" && t["count"] == 2));
    let notes = doc["notes"].to_string();
    assert!(notes.contains("2 lines were not text"), "{notes}");
    assert!(notes.contains("1 lines longer than 64 KiB"), "{notes}");
    let out = output(&["templates", &f, "--assign", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 3005);
    // A file binary from its first bytes is left out, as everywhere.
    let bin = write(
        dir.path(),
        "core.bin",
        &[0u8, 1, 2, 3, 0, 0, 255, 0].repeat(4096),
    );
    let out = output(&["templates", &bin, &f, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["templates"][0]["count"], 3000);
}

#[test]
fn one_thread_and_many_give_the_same_templates() {
    let dir = tempfile::tempdir().unwrap();
    for k in 0..4 {
        let body = plain_lines().replace("Invalid", if k % 2 == 0 { "Invalid" } else { "Unknown" });
        write(dir.path(), &format!("m{k}.txt"), body.as_bytes());
    }
    let d = dir.path().to_str().unwrap();
    let one = run(&["templates", d, "--format", "json", "-j", "1"]);
    let many = run(&["templates", d, "--format", "json", "-j", "4"]);
    assert_eq!(one, many);
}

#[test]
fn parsed_and_plain_files_stream_to_the_same_output_with_one_thread_and_two() {
    let dir = tempfile::tempdir().unwrap();
    for (k, host) in ["alpha", "bravo", "charlie"].iter().enumerate() {
        let mut s = String::new();
        for i in 0..40 {
            s += &format!(
                "Dec 10 0{k}:{:02}:46 {host} sshd[{}]: Failed password for {} from 5.36.59.{} port {} ssh2\n",
                i,
                24200 + i,
                ["root", "admin", "guest", "oracle"][i % 4],
                i,
                42000 + i
            );
        }
        write(dir.path(), &format!("{host}.log"), s.as_bytes());
    }
    write(dir.path(), "notes.txt", plain_lines().as_bytes());
    let d = dir.path().to_str().unwrap();
    let args = |j: &'static str, assign: bool| {
        let mut v = vec![
            "templates",
            d,
            "--format",
            "json",
            "--date",
            "2017-12-10",
            "-j",
            j,
        ];
        if assign {
            v.push("--assign");
        }
        v.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let go = |v: Vec<String>| run(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let one = go(args("1", false));
    assert_eq!(one, go(args("2", false)));
    let doc: Value = serde_json::from_str(&one).unwrap();
    let t = &doc["templates"][0];
    assert_eq!(
        t["template"],
        "Failed password for <*> from <*> port <*> ssh2"
    );
    assert_eq!(t["count"], 120);
    assert_eq!(t["hosts"], serde_json::json!(["alpha", "bravo", "charlie"]));
    assert_eq!(t["first"], "2017-12-10T00:00:46.000Z");
    assert_eq!(t["last"], "2017-12-10T02:39:46.000Z");
    // The example: the earliest message, in input order, of the template's
    // first signature (by count, then text: `admin`, line 2 of alpha.log).
    assert_eq!(
        t["example"],
        "Failed password for admin from 5.36.59.1 port 42001 ssh2"
    );
    let assigned = go(args("1", true));
    assert_eq!(assigned, go(args("2", true)));
    let rows: Vec<Value> = assigned
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3 * 40 + 123);
    let of = |file: &str| -> Vec<u64> {
        rows.iter()
            .filter(|r| r["file"] == file)
            .map(|r| r["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(of("bravo.log"), (1..=40).collect::<Vec<_>>());
    // The plain file's blank lines carry no message: 123 of its 126 lines.
    let plain = of("notes.txt");
    assert_eq!((plain.len(), plain[1], plain[2]), (123, 2, 4));
}

#[test]
fn an_sdl_trace_is_mined_by_its_records_messages_without_their_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("1.000 |10:00:00.000 |FileHead |UTC:+01:00,Date: 2024/06/01, AppName: CCM, AppId: 100, HostName: cm1, HostIPAddress: 192.0.2.1, AppStartTime: 2024/06/01 09:00:00, FileNumber: 1, TraceVer: 3.0\n");
    for i in 0..40u32 {
        s += &format!(
            "{:08}.{:03} |10:00:{:02}.{:03} |AppInfo  |HttpConnection - checkConnQueue found no connData\n",
            1000 + 2 * i,
            i % 7,
            i,
            i * 13 % 1000
        );
        s += &format!(
            "{:08}.{:03} |10:00:{:02}.{:03} |SdlSig   |StationKeepAlive                        |connected                     |StationD(1,100,63,{}) |StationInit(1,100,62,1)  |1,100,14,1.{}^*^*  |[R:N-H:0,N:0,L:0,V:0,Z:0,D:0]\n",
            1001 + 2 * i,
            i % 5,
            i,
            i * 17 % 1000,
            i,
            i * 3
        );
    }
    let f = write(dir.path(), "SDL001_100_000001.txt", s.as_bytes());
    let doc: Value = serde_json::from_str(&run(&["templates", &f, "--format", "json"])).unwrap();
    let t = doc["templates"].as_array().unwrap();
    let texts: Vec<&str> = t.iter().map(|t| t["template"].as_str().unwrap()).collect();
    // The sequence number, time and type are the trace's header, not the
    // message: no template carries them.
    assert_eq!(
        texts,
        [
            "HttpConnection - checkConnQueue found no connData",
            "StationKeepAlive |connected |StationD(<*>,<*>,<*>,<*>) |StationInit(<*>,<*>,<*>,<*>) |<*>,<*>,<*>,<*>.<*>^*^* |[R:N-H:<*>,N:<*>,L:<*>,V:<*>,Z:<*>,D:<*>]"
        ],
        "{doc}"
    );
    assert_eq!(
        (t[0]["count"].as_u64(), t[1]["count"].as_u64()),
        (Some(40), Some(40))
    );
    assert_eq!(t[0]["hosts"][0], "cm1");
    assert_eq!(t[0]["first"], "2024-06-01T09:00:00.000Z");
    assert_eq!(
        t[0]["example"],
        "HttpConnection - checkConnQueue found no connData"
    );
}
