//! End to end: the reference example served by `uctriage-sim` on loopback
//! (HTTPS/SOAP and SSH, real TLS and host keys), gathered by
//! `uctriage collect`, then analysed. Every server stops by itself
//! (`--lifetime`); every wait is bounded.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The tests run one at a time: each runs a whole cluster and a collector on a 2-core machine.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

const PASSWORD: &str = "Pa55-w0rd!sim#7";
const EXAMPLE: &str = "examples/ctios-outage-2019-07-12";

struct Sim {
    ready: Value,
    https: u16,
    ssh: u16,
}

/// A free port on loopback (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start the simulator in this process on `first` and the addresses after it.
fn start_sim(dir: &Path, first: &str, faults: &[&str]) -> Sim {
    start_sim_on(
        dir,
        Path::new(EXAMPLE),
        first,
        (free_port(), free_port()),
        faults,
    )
}

/// Start the simulator serving `bundle` on `first` with these HTTPS and SSH ports.
fn start_sim_on(
    dir: &Path,
    bundle: &Path,
    first: &str,
    (https, ssh): (u16, u16),
    faults: &[&str],
) -> Sim {
    let ready_file = dir.join(format!("ready-{first}.json"));
    let mut args: Vec<String> = vec![
        "uctriage-sim".into(),
        "--bundle".into(),
        bundle.display().to_string(),
        "--https-port".into(),
        https.to_string(),
        "--ssh-port".into(),
        ssh.to_string(),
        "--user".into(),
        "triage".into(),
        "--password-env".into(),
        "UCTRIAGE_SIM_TEST_PASSWORD".into(),
        "--ready-file".into(),
        ready_file.display().to_string(),
        "--first-address".into(),
        first.into(),
        "--lifetime".into(),
        "60".into(),
    ];
    args.extend(faults.iter().map(|s| s.to_string()));
    std::env::set_var("UCTRIAGE_SIM_TEST_PASSWORD", PASSWORD);
    std::thread::spawn(move || {
        use clap::Parser;
        let a = uctriage_sim::Args::parse_from(args);
        uctriage_sim::run(a).unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready_file.exists() {
        assert!(Instant::now() < deadline, "the simulator did not get ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ready: Value =
        serde_json::from_str(&std::fs::read_to_string(&ready_file).unwrap()).unwrap();
    Sim { ready, https, ssh }
}

/// Run `uctriage collect` against the simulator.
fn collect(sim: &Sim, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_uctriage"));
    cmd.args(["collect", "--publisher"])
        .arg(sim.ready["publisher_name"].as_str().unwrap())
        .args(["--user", "triage", "--password-env", "UCTRIAGE_TEST_PW"])
        .args(["--since", "2019-07-12 06:00", "--until", "2019-07-12 13:10"])
        .arg("--out")
        .arg(out)
        .args([
            "--https-port",
            &sim.https.to_string(),
            "--ssh-port",
            &sim.ssh.to_string(),
        ])
        .arg("--ca")
        .arg(sim.ready["ca"].as_str().unwrap())
        .args(["--retries", "2", "--retry-delay", "0.05"])
        .env("UCTRIAGE_TEST_PW", PASSWORD);
    for r in sim.ready["resolve"].as_array().unwrap() {
        cmd.arg("--resolve").arg(r.as_str().unwrap());
    }
    if !extra.contains(&"--known-hosts") {
        cmd.arg("--known-hosts")
            .arg(sim.ready["known_hosts"].as_str().unwrap());
    }
    cmd.args(extra);
    cmd.output().unwrap()
}

fn manifest(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

fn analyze_json(paths: &[PathBuf]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .arg("analyze")
        .args(paths)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A finding reduced to what survives a redesign: kind, hosts, evidence (file, text).
type Finding = (String, Vec<String>, BTreeSet<(String, String)>);

/// Findings as (kind, hosts, evidence).
fn findings(v: &Value) -> Vec<Finding> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut hosts: Vec<String> = f["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect();
            hosts.sort();
            let ev = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["file"].as_str().unwrap().to_string(),
                        e["text"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (f["kind"].as_str().unwrap().to_string(), hosts, ev)
        })
        .collect()
}

#[test]
fn the_example_served_collected_and_analysed_gives_the_same_cucm_findings() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let sim = start_sim(dir.path(), "127.0.1.10", &[]);
    let out = dir.path().join("bundle");
    let run = collect(&sim, &out, &["--timeout", "30"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "collect failed: {stderr}");
    let m = manifest(&out);
    assert_eq!(m["format"], "uctriage-collection");
    // The manifest follows its published schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("schema/collection-manifest.schema.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&m)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "manifest.json breaks its schema: {problems:?}"
    );
    let items = m["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["status"] == "ok"), "{stderr}");
    let sub7 = m["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "bldcucmsub7")
        .unwrap();
    assert_eq!(sub7["zone"], "America/Chicago");
    // Only the core dumped in the window is analysed, not the older ones.
    let analysed: Vec<&str> = items
        .iter()
        .filter(|i| {
            i["request"]
                .as_str()
                .unwrap()
                .starts_with("utils core active analyze")
        })
        .map(|i| i["request"].as_str().unwrap())
        .collect();
    assert_eq!(analysed.len(), 2, "{analysed:?}");
    assert!(analysed.iter().all(|r| r.ends_with(".1562952957")));

    // The UCCE gateway logs and the ping capture come from outside the
    // cluster: the engineer adds them, as with the original bundle.
    let extra = dir.path().join("extra");
    for f in ["pg1a", "nms01"] {
        std::fs::create_dir_all(extra.join(f)).unwrap();
        for e in std::fs::read_dir(Path::new(EXAMPLE).join(f)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), extra.join(f).join(e.file_name())).unwrap();
        }
    }
    let before = findings(&analyze_json(&[PathBuf::from(EXAMPLE)]));
    let after = findings(&analyze_json(&[
        out.clone(),
        extra.join("pg1a"),
        extra.join("nms01"),
    ]));
    for kind in ["root_cause", "recurrence", "coincidental"] {
        let want: Vec<_> = before.iter().filter(|f| f.0 == kind).collect();
        assert!(!want.is_empty(), "the example has no {kind} finding");
        for (k, hosts, evidence) in want {
            // Several findings may share kind and hosts: take the one sharing most evidence.
            let overlap = |f: &&Finding| {
                f.2.iter()
                    .filter(|(_, t)| evidence.iter().any(|(_, w)| w == t))
                    .count()
            };
            let got = after
                .iter()
                .filter(|f| f.0 == *k && f.1 == *hosts)
                .max_by_key(overlap)
                .unwrap_or_else(|| {
                    panic!("no {k} finding for {hosts:?} after collection: {after:?}")
                });
            // Every evidence line from syslog, PerfMon and CLI comes back word for word
            // (the BAT export's lines are replaced by AXL's device rows).
            let texts: BTreeSet<&str> = got.2.iter().map(|(_, t)| t.as_str()).collect();
            for (file, text) in evidence {
                if file.ends_with(".csv") && file.contains("export")
                    || file.starts_with("pg1a")
                    || file.starts_with("nms01")
                {
                    continue;
                }
                assert!(
                    texts.contains(text.as_str()),
                    "{k} {hosts:?}: evidence `{text}` ({file}) missing after collection"
                );
            }
        }
    }
    // The root cause still names the device pool of the lost ports, now from AXL.
    let root = after.iter().find(|f| f.0 == "root_cause").unwrap();
    assert!(
        root.2
            .iter()
            .any(|(f, t)| f.ends_with("axl/device.txt") && t.starts_with("LCP50001148")),
        "{:?}",
        root.2
    );

    // A second run into the same folder fetches nothing again.
    let stamp = |m: &Value| -> Vec<String> {
        m["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["source"] == "dime:GetOneFile" || i["source"] == "ssh:cli")
            .map(|i| format!("{} {}", i["request"], i["started"]))
            .collect()
    };
    let first = stamp(&m);
    let again = collect(&sim, &out, &["--no-ssh", "--timeout", "30"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(stamp(&manifest(&out)), first, "files were fetched again");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already there"));
}

#[test]
fn each_injected_fault_is_reported_recorded_and_the_rest_is_collected() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let sim = start_sim(
        dir.path(),
        "127.0.2.10",
        &[
            "--down",
            "syrcucmsub6",
            "--unauthorized",
            "syrcucmsub2",
            "--throttle",
            "syrcucmsub4=1000",
            "--slow",
            "syrcucmtftp2=10000",
            "--wrong-cert",
            "bldcucmsub3",
            "--drop-ssh",
            "bldcucmsub7=2",
        ],
    );
    let out = dir.path().join("bundle.zip");
    let started = Instant::now();
    let run = collect(&sim, &out, &["--timeout", "5"]);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "faulty nodes held the others up"
    );
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    let mut zip = zip_archive(&out);
    zip.extract(&unpacked).unwrap();
    let m = manifest(&unpacked);
    let items = m["items"].as_array().unwrap();
    let errors = |node: &str| -> Vec<String> {
        items
            .iter()
            .filter(|i| i["node"] == node && i["status"] != "ok")
            .map(|i| i["error"].as_str().unwrap_or("").to_string())
            .collect()
    };
    for (node, words) in [
        ("syrcucmsub6", "node unreachable"),
        ("syrcucmsub2", "HTTP 401"),
        ("syrcucmsub4", "throttled"),
        ("syrcucmtftp2", "no answer within"),
        ("bldcucmsub3", "TLS handshake failed"),
    ] {
        let e = errors(node);
        assert!(
            !e.is_empty() && e.iter().any(|x| x.contains(words)),
            "{node}: {e:?}"
        );
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(node) && l.contains(words)),
            "{node} `{words}` not on stderr:\n{stderr}"
        );
    }
    // The dropped session was re-opened: every capture of bldcucmsub7 is there, and the manifest says so.
    assert!(
        errors("bldcucmsub7").is_empty(),
        "{:?}",
        errors("bldcucmsub7")
    );
    let sub7 = m["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "bldcucmsub7")
        .unwrap();
    assert!(
        sub7["notes"][0]
            .as_str()
            .unwrap()
            .contains("SSH session dropped"),
        "{sub7}"
    );
    assert!(stderr.contains("bldcucmsub7") && stderr.contains("SSH session dropped"));
    // The rest was collected.
    for path in [
        "bldcucmpub/dime/syslog/CiscoSyslog",
        "bldcucmtftp1/dime/cm/log/ris/csv/PerfMon_bldcucmtftp1_07_12_2019_06_00.csv",
        "bldcucmsub7/cli/utils_core_active_analyze_core.28448.6.ccm.1562952957.txt",
    ] {
        assert!(
            items
                .iter()
                .any(|i| i["path"] == path && i["status"] == "ok"),
            "{path} missing"
        );
        assert!(unpacked.join(path).is_file());
    }
}

fn zip_archive(path: &Path) -> zip::ZipArchive<std::fs::File> {
    zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap()
}

#[test]
fn the_password_is_nowhere_in_the_output_stderr_or_manifest() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // Faults too: error paths must not leak it either.
    let sim = start_sim(
        dir.path(),
        "127.0.3.10",
        &[
            "--unauthorized",
            "syrcucmsub2",
            "--drop-ssh",
            "bldcucmpub=1",
        ],
    );
    let out = dir.path().join("bundle");
    let run = collect(&sim, &out, &["--timeout", "30"]);
    let encoded = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("triage:{PASSWORD}"))
    };
    let needles = [PASSWORD.as_bytes(), encoded.as_bytes()];
    let mut haystacks: Vec<(String, Vec<u8>)> = vec![
        ("stderr".into(), run.stderr.clone()),
        ("stdout".into(), run.stdout.clone()),
    ];
    let mut files = Vec::new();
    walk(&out, &mut files);
    assert!(
        files.len() > 50,
        "too little was collected to prove anything"
    );
    for f in files {
        haystacks.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    for (name, bytes) in &haystacks {
        for n in needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n),
                "the password is in {name}"
            );
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn ssh_host_keys_are_checked_learnt_on_request_and_a_changed_key_is_refused() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // A one-node cluster: its zone comes from `show status`.
    let bundle = dir.path().join("tiny");
    std::fs::create_dir_all(bundle.join("cm1")).unwrap();
    std::fs::write(
        bundle.join("cm1/cli.txt"),
        "admin:show status\n\nHost Name          : cm1\nTime Zone          : Japan Standard Time (Asia/Tokyo)\nProduct Ver        : 12.5.1.11900-146\n",
    )
    .unwrap();
    let history = "07/15/2023 11:10:01 | root: Restart 12.5.1.11900-146 Start\n07/15/2023 11:14:29 | root: Boot 12.5.1.11900-146 Start\n";
    std::fs::write(bundle.join("cm1/system-history.log"), history).unwrap();
    let ports = (free_port(), free_port());
    let sim = start_sim_on(dir.path(), &bundle, "127.0.4.10", ports, &[]);
    let known = dir.path().join("known_hosts");
    std::fs::write(&known, "").unwrap();
    let run = |sim: &Sim, out: &str, extra: &[&str]| -> (Output, Value) {
        let out = dir.path().join(out);
        let mut args = vec!["--timeout", "30", "--known-hosts", known.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = collect(sim, &out, &args);
        (o, manifest(&out))
    };
    let ssh_errors = |m: &Value| -> Vec<String> {
        m["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["source"] == "ssh:cli" && i["status"] != "ok")
            .map(|i| i["error"].as_str().unwrap().to_string())
            .collect()
    };

    // Unknown key: refused, the HTTPS side still collected.
    let (o, m) = run(&sim, "a", &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let e = ssh_errors(&m);
    assert!(
        !e.is_empty() && e.iter().all(|x| x.contains("is not in")),
        "{e:?}"
    );
    assert!(stderr.contains("--accept-new-host-keys"), "{stderr}");
    assert!(m["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["source"] == "perfmon:perfmonCollectCounterData" && i["status"] == "ok"));

    // Accepted on first use when asked: recorded, and the capture is there.
    let (o, m) = run(&sim, "b", &["--accept-new-host-keys"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(ssh_errors(&m).is_empty());
    assert!(std::fs::read_to_string(&known)
        .unwrap()
        .contains(&format!("[cm1]:{}", ports.1)));
    assert_eq!(m["nodes"][0]["zone"], "Asia/Tokyo");
    // `file view install system-history.log` is kept as the file it shows, and read as one.
    let kept = dir.path().join("b/cm1/cli/system-history.log");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), history);
    let files = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(["files", "--format", "json", "-q"])
        .arg(dir.path().join("b"))
        .output()
        .unwrap();
    let files: Value = serde_json::from_slice(&files.stdout).unwrap();
    let entry = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "cm1/cli/system-history.log")
        .unwrap();
    assert_eq!(entry["format"], "vos-system-history", "{entry}");
    assert_eq!(entry["host"], "cm1");

    // The same name and port with another key: refused even with --accept-new-host-keys.
    let other = start_sim_on(dir.path(), &bundle, "127.0.5.10", ports, &[]);
    let (o, m) = run(&other, "c", &["--accept-new-host-keys"]);
    assert_eq!(o.status.code(), Some(1));
    let e = ssh_errors(&m);
    assert!(
        !e.is_empty() && e.iter().all(|x| x.contains("CHANGED")),
        "{e:?}"
    );
}

#[test]
fn a_download_over_the_total_cap_is_skipped_and_fetched_by_the_next_run_into_the_same_zip() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("tiny");
    std::fs::create_dir_all(bundle.join("cm1/syslog")).unwrap();
    let syslog = std::fs::read(Path::new(EXAMPLE).join("bldcucmpub/syslog/CiscoSyslog")).unwrap();
    std::fs::write(bundle.join("cm1/syslog/CiscoSyslog"), &syslog).unwrap();
    let sim = start_sim_on(
        dir.path(),
        &bundle,
        "127.0.6.10",
        (free_port(), free_port()),
        &[],
    );
    let out = dir.path().join("incident.zip");
    let entry = |out: &Path| -> Value {
        let mut zip = zip_archive(out);
        let m: Value = serde_json::from_reader(zip.by_name("manifest.json").unwrap()).unwrap();
        m["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["source"] == "dime:GetOneFile")
            .unwrap()
            .clone()
    };

    let first = collect(
        &sim,
        &out,
        &["--no-ssh", "--timeout", "30", "--max-total-mib", "0"],
    );
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let item = entry(&out);
    assert_eq!(item["status"], "skipped");
    assert!(
        item["error"].as_str().unwrap().contains("total cap"),
        "{item}"
    );

    let second = collect(&sim, &out, &["--no-ssh", "--timeout", "30"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let item = entry(&out);
    assert_eq!(item["status"], "ok");
    let mut zip = zip_archive(&out);
    let mut got = Vec::new();
    std::io::Read::read_to_end(
        &mut zip.by_name("cm1/dime/syslog/CiscoSyslog").unwrap(),
        &mut got,
    )
    .unwrap();
    assert_eq!(got, syslog, "the file came through DIME byte for byte");
    assert_eq!(item["bytes"], syslog.len());
}
