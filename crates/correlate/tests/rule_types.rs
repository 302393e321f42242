//! Rule types alone, rule ordering and parameter overrides, as a UC engineer
//! meets them through a knowledge folder (`--knowledge DIR`):
//! - every rule type has a positive and a negative case, shipped or in the
//!   fixture folder `tests/alarm_type/` (the declarative `alarm` type's
//!   groupings, ties, windows and field matches, one fixture rule each);
//! - a cycle between rules, or an input nothing produces, is refused when the
//!   knowledge is loaded, at the rule file's line;
//! - a parameter changed in a user folder changes the finding; a misspelled
//!   one is refused at its file and line with the name meant.

use std::path::{Path, PathBuf};
use uctriage_correlate::{rule_types, run_cases, CaseResult, Engine};
use uctriage_knowledge::{Knowledge, KnowledgeError};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alarm_type")
}

fn shipped(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../knowledge")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A knowledge folder holding these rule files.
fn folder(rules: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    for (name, text) in rules {
        std::fs::write(dir.path().join("rules").join(name), text).unwrap();
    }
    dir
}

fn engine_errors(dir: &Path) -> Vec<KnowledgeError> {
    let kb = Knowledge::load(Some(dir)).unwrap_or_else(|e| panic!("{e:#?}"));
    match Engine::new(&kb) {
        Ok(_) => panic!("the engine accepted {}", dir.display()),
        Err(e) => e,
    }
}

fn failed(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("{} / {}:\n  {}", r.rule, r.case, r.failures.join("\n  ")))
        .collect()
}

#[test]
fn the_alarm_type_fixtures_pass_their_positive_and_negative_cases() {
    let kb = Knowledge::load(Some(&fixtures())).unwrap_or_else(|e| panic!("{e:#?}"));
    let results = run_cases(&kb).unwrap_or_else(|e| panic!("{e:#?}"));
    let mine: Vec<CaseResult> = results
        .into_iter()
        .filter(|r| r.rule.starts_with("t-"))
        .collect();
    // Five fixture rules, a positive and a negative case each.
    assert_eq!(mine.len(), 10, "{mine:#?}");
    let f = failed(&mine);
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// A mutated fixture must fail: the cases really look at the finding.
#[test]
fn a_fixture_whose_tie_is_wrong_fails_its_case() {
    let text = std::fs::read_to_string(fixtures().join("rules/t-esxi.toml")).unwrap();
    let wrong = text.replace("via = \"same_esxi_host\"", "via = \"same_host\"");
    assert_ne!(wrong, text);
    let dir = folder(&[("t-esxi.toml", &wrong)]);
    let kb = Knowledge::load(Some(dir.path())).unwrap();
    let results = run_cases(&kb).unwrap();
    let f = failed(&results);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].contains("t-esxi / a fault logged by another VM"),
        "{f:#?}"
    );
}

/// Every rule type the engine registers is exercised alone by at least one
/// case that expects its finding and one that forbids a finding, so a new
/// rule type without cases fails here.
#[test]
fn every_rule_type_has_positive_and_negative_cases() {
    let kb = Knowledge::load(Some(&fixtures())).unwrap();
    for t in rule_types() {
        let rules: Vec<_> = kb
            .rules
            .iter()
            .filter(|r| r.enabled && r.rule_type == t.name)
            .collect();
        assert!(!rules.is_empty(), "rule type {} has no rule", t.name);
        let positive = rules
            .iter()
            .flat_map(|r| &r.cases)
            .any(|c| !c.expect.is_empty() || !c.expect_episode.is_empty());
        let negative = rules
            .iter()
            .flat_map(|r| &r.cases)
            .any(|c| !c.forbid.is_empty() || !c.forbid_episode.is_empty());
        assert!(positive, "rule type {} has no positive case", t.name);
        assert!(negative, "rule type {} has no negative case", t.name);
    }
    // And every enabled rule has both itself.
    for r in kb.rules.iter().filter(|r| r.enabled) {
        let positive = r
            .cases
            .iter()
            .any(|c| !c.expect.is_empty() || !c.expect_episode.is_empty());
        let negative = r
            .cases
            .iter()
            .any(|c| !c.forbid.is_empty() || !c.forbid_episode.is_empty());
        assert!(
            positive && negative,
            "rule {} ({}): positive {positive}, negative {negative}",
            r.id,
            r.origin.file
        );
    }
}

fn alarm_rule(id: &str, class: &str, to: &str) -> String {
    format!(
        r#"version = 2

[rule]
id = "{id}"
type = "alarm"
description = "Fixture."
sources = ["S-MSG125-ALM"]

[rule.params]
kinds = ["alarm"]
group_by = "host"
min_count = 1
window_s = 60
produce = {{ kind = "contributing", class = "{class}", confidence = 0.5 }}
relation = {{ to = ["{to}"], via = "same_host", before_s = 60, after_s = 60 }}

[[class]]
id = "{class}"
label = "{class}"
meaning = "Fixture."
"#
    )
}

#[test]
fn a_cycle_between_rules_is_refused_at_load_time_naming_both() {
    let dir = folder(&[
        ("t-a.toml", &alarm_rule("t-a", "t-a-class", "t-b-class")),
        ("t-b.toml", &alarm_rule("t-b", "t-b-class", "t-a-class")),
    ]);
    let errors = engine_errors(dir.path());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = errors[0].to_string();
    assert!(e.contains("cycle"), "{e}");
    assert!(e.contains("t-a → t-b") || e.contains("t-b → t-a"), "{e}");
    // At the line of `type` in the user's file (line 5).
    assert!(e.contains(".toml:5:"), "{e}");
    assert!(e.contains(&dir.path().display().to_string()), "{e}");
}

#[test]
fn an_input_nothing_produces_is_refused_at_load_time() {
    let mut text = alarm_rule("t-orphan", "t-orphan-class", "t-nobody");
    text.push_str("\n[[class]]\nid = \"t-nobody\"\nlabel = \"x\"\nmeaning = \"x\"\n");
    let dir = folder(&[("t-orphan.toml", &text)]);
    let errors = engine_errors(dir.path());
    let e = errors[0].to_string();
    assert!(
        e.contains(
            "rule `t-orphan` consumes findings of class `t-nobody`, which no enabled rule produces"
        ),
        "{e}"
    );
    assert!(e.contains("t-orphan.toml:5:"), "{e}");
}

#[test]
fn disabling_a_producer_its_consumers_need_is_refused() {
    // The impact rule produces registration-loss, which crash, site-network
    // and code-yellow consume: a folder that switches it off is refused
    // rather than silently explaining nothing.
    let text = shipped("rules/impact.toml").replacen(
        "type = \"impact\"",
        "type = \"impact\"\nenabled = false",
        1,
    );
    let dir = folder(&[("impact.toml", &text)]);
    let errors = engine_errors(dir.path());
    let e = errors[0].to_string();
    assert!(e.contains("which no enabled rule produces"), "{e}");
    assert!(
        e.contains("`registration-loss`") || e.contains("`service-loss`"),
        "{e}"
    );
}

#[test]
fn the_run_order_follows_declarations_not_file_names() {
    // `aaa-late` reads what `zzz-early` produces; file order would run it first.
    let dir = folder(&[
        (
            "aaa-late.toml",
            &alarm_rule("aaa-late", "t-late", "t-early"),
        ),
        (
            "zzz-early.toml",
            &alarm_rule("zzz-early", "t-early", "registration-loss"),
        ),
    ]);
    let kb = Knowledge::load(Some(dir.path())).unwrap();
    let engine = Engine::new(&kb).unwrap_or_else(|e| panic!("{e:#?}"));
    let order: Vec<&str> = engine.plan().iter().map(|(id, _, _)| *id).collect();
    let pos = |id: &str| order.iter().position(|x| *x == id).unwrap();
    assert!(pos("impact") < pos("zzz-early"), "{order:?}");
    assert!(pos("zzz-early") < pos("aaa-late"), "{order:?}");
    // Advice reads every finding: it runs after both.
    assert!(pos("aaa-late") < pos("advice"), "{order:?}");
}

#[test]
fn a_parameter_overridden_in_a_user_folder_changes_the_finding() {
    // The shipped site-network rule needs 3 devices in one place; its first
    // cases have a handful of phones of one place time out. Asking for 60
    // loses the network outage (the impact itself stays).
    let text = shipped("rules/site-network.toml");
    assert!(text.contains("min_devices = 3\n"));
    let dir = folder(&[(
        "site-network.toml",
        &text.replacen("min_devices = 3\n", "min_devices = 60\n", 1),
    )]);
    let kb = Knowledge::load(Some(dir.path())).unwrap();
    let results = run_cases(&kb).unwrap();
    let f = failed(&results);
    assert!(!f.is_empty(), "raising min_devices changed nothing");
    assert!(
        f.iter().all(|x| x.starts_with("site-network / ")
            && x.contains("class network-outage")
            && x.contains("impact registration-loss")),
        "{f:#?}"
    );
    assert!(
        f.iter()
            .any(|x| x.contains("a branch's phones all time out at once")),
        "{f:#?}"
    );
    // The shipped value passes the same cases.
    let kb = Knowledge::load(Some(folder(&[("site-network.toml", &text)]).path())).unwrap();
    assert!(failed(&run_cases(&kb).unwrap()).is_empty());
}

#[test]
fn a_misspelled_alarm_parameter_is_refused_at_its_line_with_the_name_meant() {
    let good = alarm_rule("t-typo", "t-typo-class", "registration-loss");
    for (from, to, meant) in [
        ("window_s = 60", "window_sec = 60", "window_s"),
        ("group_by = \"host\"", "group_by = \"hots\"", "host"),
        ("before_s = 60", "befor_s = 60", "before_s"),
    ] {
        let text = good.replacen(from, to, 1);
        let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
        let dir = folder(&[("t-typo.toml", &text)]);
        let errors = engine_errors(dir.path());
        let e = errors[0].to_string();
        assert!(e.contains(&format!("t-typo.toml:{line}:")), "{to}: {e}");
        assert!(e.contains(meant), "{to}: {e}");
    }
}
