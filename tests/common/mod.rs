//! Helpers for the end-to-end tests: run the real binary, and check every
//! JSON document it writes against the schemas in `schema/`.

#![allow(dead_code)]

pub mod incident;
pub mod schema;
pub mod transform;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundled example incident.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ctios-outage-2019-07-12")
}

/// What a run of the binary gave.
pub struct Outcome {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Run `uctriage` with `args` in a fixed environment (no COLUMNS, no colour
/// forced), whatever its exit code. Any JSON it wrote (to stdout or to
/// `-o FILE`) is validated against its schema.
pub fn output(args: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(args)
        .env_remove("COLUMNS")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .output()
        .expect("run uctriage");
    let outcome = Outcome {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 output"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    };
    schema::check_output(args, &outcome.stdout);
    outcome
}

/// The number `text` says right after `words` (stderr's counts: "then N
/// in R sorted runs").
pub fn number_after(text: &str, words: &str) -> Option<u64> {
    let rest = text.split(words).nth(1)?;
    rest.split(' ').next()?.parse().ok()
}

/// Run `uctriage` with `args`, then `b`, at `--max-memory none` and at each
/// of `budgets`: the same exit code and stdout at every budget (`what`
/// names the output in the message); `check` then looks at each budget's
/// run. Returns the run without a budget.
pub fn same_at_budgets(
    args: &[&str],
    b: &str,
    budgets: &[&str],
    what: &str,
    check: impl Fn(&Outcome, &str),
) -> Outcome {
    let with = |budget: &str| {
        let mut a = args.to_vec();
        a.extend(["--max-memory", budget, b]);
        output(&a)
    };
    let whole = with("none");
    for budget in budgets {
        let spilled = with(budget);
        assert_eq!(spilled.code, whole.code, "{args:?} {budget} {b}");
        assert!(
            spilled.stdout == whole.stdout,
            "{args:?} {budget} {b}: the {what} changed when events were kept on disk"
        );
        check(&spilled, budget);
    }
    whole
}

/// Run `uctriage` expecting exit code `code`; returns stdout.
pub fn run_expect(args: &[&str], code: i32) -> String {
    let out = output(args);
    assert_eq!(
        out.code, code,
        "uctriage {args:?} exited {} (expected {code}): {}",
        out.code, out.stderr
    );
    out.stdout
}

/// Run `uctriage` with `args`; returns stdout, panicking unless it exits 0
/// (analysed, and something found).
pub fn run(args: &[&str]) -> String {
    run_expect(args, 0)
}

/// Run `uctriage` and parse NDJSON output.
pub fn events(args: &[&str]) -> Vec<serde_json::Value> {
    run(args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON line"))
        .collect()
}

/// Copy a bundle folder (recursively) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The findings of one kind in an `analyze --format json` document.
pub fn of_kind<'a>(doc: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

/// A JSON array of strings as `&str`s.
pub fn strs(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}
