//! The incident harness: what an incident's `TRUTH.toml` declares, how an
//! analysis is checked against it, and the renamed-and-shifted guard (the
//! bundle rewritten with other names, times and site zone must give the same
//! findings, mapped). `tests/incidents/README.md` documents the file;
//! `tests/incident_truth.rs` runs it on every incident, and
//! `tests/renamed_incident.rs` uses the same guard on the reference bundle.

#![allow(dead_code)]

use super::transform::{cached, Rename, Shift};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use uctriage_core::jiff::{SignedDuration, Timestamp};

/// `tests/incidents/<name>/TRUTH.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Truth {
    /// The site zone `analyze` must report (`time_zone`).
    pub zone: String,
    /// Share of its lines `uctriage files` must understand, per file.
    #[serde(default = "min_understood")]
    pub min_understood: f64,
    /// Exact number of findings of these kinds (kinds not listed: any number).
    #[serde(default)]
    pub kinds: BTreeMap<String, usize>,
    /// Findings that must be present.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Findings that must not be present.
    #[serde(default)]
    pub forbid: Vec<Expect>,
    /// The renamed-and-shifted copy.
    pub guard: Guard,
}

fn min_understood() -> f64 {
    0.95
}

/// What a finding must (or must not) look like; every field given must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Why this is expected (documentation only).
    #[serde(default)]
    pub note: Option<String>,
    pub kind: Option<String>,
    pub class: Option<String>,
    pub rule: Option<String>,
    /// Exactly these hosts (any order).
    pub hosts: Option<Vec<String>>,
    #[serde(default)]
    pub hosts_include: Vec<String>,
    /// Exactly these devices (any order).
    pub devices: Option<Vec<String>>,
    #[serde(default)]
    pub devices_include: Vec<String>,
    pub devices_count: Option<usize>,
    pub services: Option<Vec<String>>,
    /// The finding carries these tags (or has one of them as its class).
    #[serde(default)]
    pub tags: Vec<String>,
    /// RFC 3339 instant, or `none`.
    pub start: Option<String>,
    pub end: Option<String>,
    /// Classes of the findings it is caused by (each must be among them).
    #[serde(default)]
    pub caused_by: Vec<String>,
    /// Classes of the findings it explains.
    #[serde(default)]
    pub explains: Vec<String>,
    #[serde(default)]
    pub title_contains: Vec<String>,
    #[serde(default)]
    pub summary_contains: Vec<String>,
    pub confirmed: Option<bool>,
    pub min_confidence: Option<f64>,
    pub max_confidence: Option<f64>,
    /// Exactly this many findings match (default: at least one).
    pub count: Option<usize>,
}

/// The renamed-and-shifted copy: a time shift, another site zone, and the
/// names and numbers to replace.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guard {
    /// `1603d 3h 17m` (a leading `-` moves back).
    pub shift: String,
    /// The new site zone.
    pub zone: String,
    /// Its long name, as `show status` and PDH-CSV headers print it.
    pub zone_name: String,
    /// Literal names (hosts, FQDNs, domains, devices, pools, groups, trunks,
    /// route lists, ...), replaced anywhere, longest first.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Exact numeric tokens (IP addresses, directory numbers).
    #[serde(default)]
    pub numbers: BTreeMap<String, String>,
    /// Substrings that must not survive the rename (case-insensitive).
    #[serde(default)]
    pub gone: Vec<String>,
    /// The year of year-less syslog lines in files without a CiscoLog stamp
    /// (platform `messages`): the transform needs it to move them.
    #[serde(default)]
    pub syslog_year: Option<i16>,
}

/// Read an incident's TRUTH.toml (strictly: a misspelled field is an error).
pub fn load_truth(dir: &Path) -> Truth {
    let path = dir.join("TRUTH.toml");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `1603d 3h 17m`, `-400d 2h`.
pub fn parse_shift(s: &str) -> SignedDuration {
    let (neg, rest) = match s.trim().strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.trim()),
    };
    let mut total = SignedDuration::ZERO;
    for tok in rest.split_whitespace() {
        let (num, unit) = tok.split_at(tok.len() - 1);
        let n: i64 = num
            .parse()
            .unwrap_or_else(|_| panic!("shift `{s}`: bad `{tok}`"));
        total += match unit {
            "d" => SignedDuration::from_hours(24 * n),
            "h" => SignedDuration::from_hours(n),
            "m" => SignedDuration::from_mins(n),
            "s" => SignedDuration::from_secs(n),
            _ => panic!("shift `{s}`: unit of `{tok}` is not d, h, m or s"),
        };
    }
    if neg {
        -total
    } else {
        total
    }
}

impl Guard {
    /// The rename table.
    pub fn rename(&self) -> Rename {
        for (old, new) in &self.names {
            assert!(
                !old.eq_ignore_ascii_case(new),
                "{old} → {new} is not a rename"
            );
        }
        Rename::new(self.names.clone(), self.numbers.clone())
    }

    /// The time shift from the incident's zone `old`.
    pub fn shift(&self, old: &str) -> Shift {
        let mut s = Shift::new(parse_shift(&self.shift), old, &self.zone, &self.zone_name);
        s.syslog_year = self.syslog_year;
        s
    }
}

/// Names and times as they are in the bundle analysed: identity for the
/// original, the guard's mapping for the renamed-and-shifted copy.
pub struct Mapping<'a> {
    pub rename: Option<&'a Rename>,
    pub shift: Option<&'a Shift>,
}

impl Mapping<'_> {
    pub const IDENTITY: Mapping<'static> = Mapping {
        rename: None,
        shift: None,
    };

    fn name(&self, s: &str) -> String {
        self.rename.map_or(s.to_string(), |r| r.text(s))
    }

    fn instant(&self, t: Timestamp) -> Timestamp {
        self.shift.map_or(t, |s| s.instant(t))
    }
}

/// A JSON time (or null), parsed: `.24Z` and `.240Z` are the same instant.
pub fn time(v: &Value) -> Option<Timestamp> {
    v.as_str()
        .map(|s| s.parse().unwrap_or_else(|e| panic!("not a time: {s}: {e}")))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn same_set(got: &[String], want: &[String]) -> bool {
    let g: BTreeSet<&String> = got.iter().collect();
    let w: BTreeSet<&String> = want.iter().collect();
    g == w
}

/// Classes of the findings whose ids are listed in `f[key]`.
fn linked_classes(doc: &Value, f: &Value, key: &str) -> Vec<String> {
    let ids = strings(&f[key]);
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| ids.iter().any(|id| g["id"] == id.as_str()))
        .map(|g| g["class"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Why `f` does not match `e` (None: it matches).
fn mismatch(doc: &Value, f: &Value, e: &Expect, m: &Mapping) -> Option<String> {
    let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
    let map_all = |v: &[String]| v.iter().map(|x| m.name(x)).collect::<Vec<_>>();
    let tags: Vec<String> = strings(&f["tags"]);
    let checks: Vec<(bool, String)> = vec![
        (
            e.kind.as_ref().is_none_or(|k| *k == s("kind")),
            format!("kind {}", s("kind")),
        ),
        (
            e.class.as_ref().is_none_or(|c| *c == s("class")),
            format!("class {}", s("class")),
        ),
        (
            e.rule.as_ref().is_none_or(|r| *r == s("rule")),
            format!("rule {}", s("rule")),
        ),
        (
            e.hosts
                .as_ref()
                .is_none_or(|h| same_set(&strings(&f["hosts"]), &map_all(h))),
            format!("hosts {:?}", strings(&f["hosts"])),
        ),
        (
            map_all(&e.hosts_include)
                .iter()
                .all(|h| strings(&f["hosts"]).contains(h)),
            format!("hosts {:?}", strings(&f["hosts"])),
        ),
        (
            e.devices
                .as_ref()
                .is_none_or(|d| same_set(&strings(&f["devices"]), &map_all(d))),
            format!("devices {:?}", strings(&f["devices"])),
        ),
        (
            map_all(&e.devices_include)
                .iter()
                .all(|d| strings(&f["devices"]).contains(d)),
            format!("devices {:?}", strings(&f["devices"])),
        ),
        (
            e.devices_count
                .is_none_or(|n| strings(&f["devices"]).len() == n),
            format!("{} devices", strings(&f["devices"]).len()),
        ),
        (
            e.services
                .as_ref()
                .is_none_or(|sv| same_set(&strings(&f["services"]), &map_all(sv))),
            format!("services {:?}", strings(&f["services"])),
        ),
        (
            e.tags.iter().all(|t| tags.contains(t) || *t == s("class")),
            format!("tags {tags:?}"),
        ),
        (
            e.start
                .as_ref()
                .is_none_or(|t| at(t, m) == time(&f["start"])),
            format!("start {}", f["start"]),
        ),
        (
            e.end.as_ref().is_none_or(|t| at(t, m) == time(&f["end"])),
            format!("end {}", f["end"]),
        ),
        (
            e.caused_by
                .iter()
                .all(|c| linked_classes(doc, f, "caused_by").contains(c)),
            format!("caused by {:?}", linked_classes(doc, f, "caused_by")),
        ),
        (
            e.explains
                .iter()
                .all(|c| linked_classes(doc, f, "explains").contains(c)),
            format!("explains {:?}", linked_classes(doc, f, "explains")),
        ),
        (
            map_all(&e.title_contains)
                .iter()
                .all(|w| s("title").contains(w.as_str())),
            format!("title {:?}", s("title")),
        ),
        (
            map_all(&e.summary_contains)
                .iter()
                .all(|w| s("summary").contains(w.as_str())),
            format!("summary {:?}", s("summary")),
        ),
        (
            e.confirmed
                .is_none_or(|c| f["confirmed"].as_bool() == Some(c)),
            format!("confirmed {}", f["confirmed"]),
        ),
        (
            e.min_confidence
                .is_none_or(|c| f["confidence"].as_f64().unwrap_or(0.0) >= c),
            format!("confidence {}", f["confidence"]),
        ),
        (
            e.max_confidence
                .is_none_or(|c| f["confidence"].as_f64().unwrap_or(1.0) <= c),
            format!("confidence {}", f["confidence"]),
        ),
    ];
    let failed: Vec<String> = checks
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, why)| why)
        .collect();
    (!failed.is_empty()).then(|| failed.join("; "))
}

fn at(t: &str, m: &Mapping) -> Option<Timestamp> {
    (t != "none").then(|| {
        m.instant(
            t.parse()
                .unwrap_or_else(|e| panic!("TRUTH time `{t}`: {e}")),
        )
    })
}

/// Check an `analyze --format json` document against the truth; every
/// failure, described.
pub fn check_truth(doc: &Value, truth: &Truth, zone: &str, m: &Mapping) -> Vec<String> {
    let mut failures = Vec::new();
    if doc["time_zone"] != zone {
        failures.push(format!("time_zone {} (expected {zone})", doc["time_zone"]));
    }
    let findings = doc["findings"].as_array().expect("findings");
    for (kind, want) in &truth.kinds {
        let got = findings
            .iter()
            .filter(|f| f["kind"] == kind.as_str())
            .count();
        if got != *want {
            failures.push(format!("{got} findings of kind {kind}, expected {want}"));
        }
    }
    for (i, e) in truth.expect.iter().enumerate() {
        let hits = findings
            .iter()
            .filter(|f| mismatch(doc, f, e, m).is_none())
            .count();
        let ok = e.count.map_or(hits >= 1, |n| hits == n);
        if !ok {
            let near: Vec<String> = findings
                .iter()
                .filter(|f| {
                    e.kind.as_ref().is_none_or(|k| f["kind"] == k.as_str())
                        && e.class.as_ref().is_none_or(|c| f["class"] == c.as_str())
                })
                .map(|f| {
                    format!(
                        "{} ({}): {}",
                        f["id"],
                        f["title"],
                        mismatch(doc, f, e, m).unwrap_or_else(|| "matches".into())
                    )
                })
                .collect();
            failures.push(format!(
                "expect #{} {e:?}: {hits} findings match{}\n    near: {}",
                i + 1,
                e.count.map_or(String::new(), |n| format!(", expected {n}")),
                if near.is_empty() {
                    "none of that kind and class".to_string()
                } else {
                    near.join("\n          ")
                }
            ));
        }
    }
    for (i, e) in truth.forbid.iter().enumerate() {
        for f in findings.iter().filter(|f| mismatch(doc, f, e, m).is_none()) {
            failures.push(format!(
                "forbid #{} {e:?} matches {} ({})",
                i + 1,
                f["id"],
                f["title"]
            ));
        }
    }
    failures
}

/// Every file of `uctriage files --format json` is understood to at least
/// `min` of its lines and has a host.
pub fn check_files(doc: &Value, min: f64) -> Vec<String> {
    let mut failures = Vec::new();
    for f in doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["format"] != "document")
    {
        let lines = f["lines"].as_f64().unwrap_or(0.0);
        let understood = f["understood"].as_f64().unwrap_or(0.0);
        if lines > 0.0 && understood / lines < min {
            failures.push(format!(
                "{}: {understood} of {lines} lines understood (< {:.0} %)",
                f["path"],
                min * 100.0
            ));
        }
        if !f["host"].is_string() {
            failures.push(format!("{}: no host", f["path"]));
        }
    }
    failures
}

// --- The renamed-and-shifted copy -------------------------------------------------------

/// A bundle path, renamed and re-timed component by component.
pub fn map_path(rel: &str, r: &Rename, s: &Shift) -> String {
    rel.split('/')
        .map(|c| r.text(&s.file_name(c)))
        .collect::<Vec<_>>()
        .join("/")
}

/// Copy `src` into `dst`, transformed. Documents the analysis skips (the
/// bundle's README.md and TRUTH.toml, full of the old names) are left out.
pub fn copy_transformed(src: &Path, dst: &Path, rel: &str, r: &Rename, s: &Shift) {
    for entry in fs::read_dir(src.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type().unwrap().is_dir() {
            copy_transformed(src, dst, &child, r, s);
        } else if child != "README.md" && child != "TRUTH.toml" {
            let text = fs::read_to_string(entry.path()).unwrap();
            let out = dst.join(map_path(&child, r, s));
            fs::create_dir_all(out.parent().unwrap()).unwrap();
            fs::write(out, r.text(&s.text(&text))).unwrap();
        }
    }
}

/// Every file of a directory tree: (relative path, contents).
pub fn read_tree(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type().unwrap().is_dir() {
            read_tree(dir, &child, out);
        } else {
            out.push((child.clone(), fs::read_to_string(entry.path()).unwrap()));
        }
    }
}

/// No old name, number, `gone` substring or old zone name survives in the
/// transformed tree (contents and paths).
pub fn check_nothing_survives(dir: &Path, r: &Rename, s: &Shift, gone: &[String]) -> Vec<String> {
    let mut files = Vec::new();
    read_tree(dir, "", &mut files);
    let number_token = cached(r"[0-9]+(?:\.[0-9]+)*");
    let old_zone = s.old_tz.iana_name().unwrap_or("").to_string();
    let changes_zone = Some(old_zone.as_str()) != s.new_tz.iana_name();
    let mut failures = Vec::new();
    for (path, text) in &files {
        let lower = format!("{path}\n{text}").to_lowercase();
        for old in r.names.keys().chain(gone) {
            if lower.contains(&old.to_lowercase()) {
                failures.push(format!("{old} survives in {path}"));
            }
        }
        for tok in number_token
            .find_iter(text)
            .chain(number_token.find_iter(path))
        {
            if r.numbers.contains_key(tok.as_str()) {
                failures.push(format!("{} survives in {path}", tok.as_str()));
            }
        }
        if changes_zone && !old_zone.is_empty() && text.contains(&old_zone) {
            failures.push(format!("{old_zone} survives in {path}"));
        }
    }
    failures
}

/// Every host a file was attributed to and every host and device a finding
/// names is renamed by the table (else the guard would not test names).
pub fn check_rename_covers(files: &Value, analysis: &Value, r: &Rename) -> Vec<String> {
    let mut named: BTreeSet<String> = BTreeSet::new();
    for f in files["files"].as_array().unwrap() {
        if let Some(h) = f["host"].as_str() {
            named.insert(h.to_string());
        }
    }
    for f in analysis["findings"].as_array().unwrap() {
        named.extend(strings(&f["hosts"]));
        named.extend(strings(&f["devices"]));
    }
    named
        .into_iter()
        .filter(|n| r.text(n) == *n)
        .map(|n| format!("`{n}` is not renamed by the guard's table"))
        .collect()
}

/// Report text, projected so that the original and the transformed runs can
/// be compared: the full stamps (`2019-07-12 12:33:19 -05:00`) are listed
/// apart, and any remaining date or clock is masked.
struct Projected {
    stamps: Vec<Timestamp>,
    masked: String,
}

fn project(text: &str) -> Projected {
    let stamp = cached(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{2}:\d{2}");
    let stamps = stamp
        .find_iter(text)
        .map(|m| {
            m.as_str()
                .replacen(' ', "T", 1)
                .replace(' ', "")
                .parse()
                .unwrap()
        })
        .collect();
    let t = stamp.replace_all(text, "<STAMP>");
    let date = cached(r"\d{4}-\d{2}-\d{2}");
    let clock = cached(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?");
    let t = date.replace_all(&t, "<DATE>");
    let masked = clock.replace_all(&t, "<CLOCK>").into_owned();
    Projected { stamps, masked }
}

/// The new text is the old one renamed, with every full stamp moved by the
/// shift and written in the new zone.
pub fn text_maps(old: &str, new: &str, r: &Rename, s: &Shift, what: &str) -> Vec<String> {
    let o = project(&r.text(&s.core_file_names(old)));
    let n = project(new);
    let mut failures = Vec::new();
    if n.masked != o.masked {
        failures.push(format!(
            "{what}: wording differs:\n    old: {}\n    new: {}",
            o.masked, n.masked
        ));
    }
    let o_stamps: Vec<Timestamp> = o.stamps.iter().map(|t| s.instant(*t)).collect();
    if n.stamps != o_stamps {
        failures.push(format!("{what}: instants not shifted by the delta"));
    }
    let stamp = cached(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? ([+-]\d{2}:\d{2})");
    for (c, t) in stamp.captures_iter(new).zip(&n.stamps) {
        let want = t
            .to_zoned_datetime(s.new_tz.clone())
            .strftime("%:z")
            .to_string();
        if c[1] != want {
            failures.push(format!("{what}: {} not in the new zone", &c[0]));
        }
    }
    failures
}

/// The transformed analysis is the original one, mapped: the same findings
/// (ids, kinds, rules, confidence, links, services), hosts and devices
/// renamed, times shifted, the same evidence lines, references, and the same
/// wording with renamed names and moved stamps.
pub fn compare_analyses(old: &Value, new: &Value, r: &Rename, s: &Shift) -> Vec<String> {
    let by_id = |doc: &Value| -> BTreeMap<String, Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].as_str().unwrap().to_string(), f.clone()))
            .collect()
    };
    let (of, nf) = (by_id(old), by_id(new));
    let mut failures = Vec::new();
    if nf.keys().collect::<Vec<_>>() != of.keys().collect::<Vec<_>>() {
        failures.push(format!(
            "finding ids differ:\n    old: {:?}\n    new: {:?}",
            of.keys().collect::<Vec<_>>(),
            nf.keys().collect::<Vec<_>>()
        ));
        return failures;
    }
    let map_strs = |v: &Value| -> Vec<String> { strings(v).iter().map(|x| r.text(x)).collect() };
    for (id, o) in &of {
        let n = &nf[id];
        for key in [
            "kind",
            "class",
            "tags",
            "rule",
            "confidence",
            "caused_by",
            "services",
        ] {
            if n[key] != o[key] {
                failures.push(format!("{id}.{key}: {} became {}", o[key], n[key]));
            }
        }
        for key in ["hosts", "devices"] {
            if strings(&n[key]) != map_strs(&o[key]) {
                failures.push(format!("{id}.{key}: {} became {}", o[key], n[key]));
            }
        }
        for key in ["start", "end"] {
            if time(&n[key]) != time(&o[key]).map(|t| s.instant(t)) {
                failures.push(format!("{id}.{key}: {} became {}", o[key], n[key]));
            }
        }
        let evidence = |f: &Value, map: bool| -> Vec<(String, u64)> {
            f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let file = e["file"].as_str().unwrap();
                    let file = if map {
                        map_path(file, r, s)
                    } else {
                        file.to_string()
                    };
                    (file, e["line"].as_u64().unwrap())
                })
                .collect()
        };
        if evidence(n, false) != evidence(o, true) {
            failures.push(format!("{id}.evidence differs"));
        }
        let refs = |f: &Value| -> Vec<Value> {
            f["references"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["key"].clone())
                .collect()
        };
        if refs(n) != refs(o) {
            failures.push(format!("{id}.references differ"));
        }
        for key in ["title", "summary"] {
            let (ot, nt) = (o[key].as_str().unwrap(), n[key].as_str().unwrap());
            failures.extend(text_maps(ot, nt, r, s, &format!("{id}.{key}")));
        }
        let (on, nn) = (strings(&o["next_checks"]), strings(&n["next_checks"]));
        if nn.len() != on.len() {
            failures.push(format!(
                "{id}.next_checks: {} became {}",
                on.len(),
                nn.len()
            ));
        } else {
            for (a, b) in on.iter().zip(&nn) {
                failures.extend(text_maps(a, b, r, s, &format!("{id}.next_checks")));
            }
        }
    }
    failures
}

/// Per file: the same format, host, coverage and time range.
pub fn compare_files(old: &Value, new: &Value, r: &Rename, s: &Shift) -> Vec<String> {
    let files = |doc: &Value| -> BTreeMap<String, Value> {
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["format"] != "document")
            .map(|f| (f["path"].as_str().unwrap().to_string(), f.clone()))
            .collect()
    };
    let (ofl, nfl) = (files(old), files(new));
    let mut failures = Vec::new();
    if nfl.len() != ofl.len() {
        failures.push(format!("{} files became {}", ofl.len(), nfl.len()));
    }
    for (path, o) in &ofl {
        let mapped = map_path(path, r, s);
        let Some(n) = nfl.get(&mapped) else {
            failures.push(format!("{mapped} ({path}) not read"));
            continue;
        };
        for key in ["format", "host_source", "lines", "understood", "events"] {
            if n[key] != o[key] {
                failures.push(format!("{path}: {key} {} became {}", o[key], n[key]));
            }
        }
        if n["host"].as_str().unwrap_or("") != r.text(o["host"].as_str().unwrap_or("")) {
            failures.push(format!("{path}: host {} became {}", o["host"], n["host"]));
        }
        for key in ["first", "last"] {
            if time(&n[key]) != time(&o[key]).map(|t| s.instant(t)) {
                failures.push(format!("{path}: {key} {} became {}", o[key], n[key]));
            }
        }
        if n["problems"].as_array().map(Vec::len) != o["problems"].as_array().map(Vec::len) {
            failures.push(format!("{path}: problems differ"));
        }
    }
    failures
}
