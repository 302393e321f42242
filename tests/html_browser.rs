//! Load the HTML report in headless Chromium: the DOM after scripts ran, no
//! console message (errors, uncaught exceptions, blocked loads), and a
//! screenshot kept as a CI artifact under `target/html-report/`.
//!
//! Without `/usr/bin/chromium` the test is skipped with a message, except
//! when `CI` is set: there it must run (`.ci/run` installs chromium).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium headless with no network, no background traffic, a fresh profile.
fn chromium(profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

#[test]
fn html_report_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var_os("CI").is_some() {
            panic!("{CHROMIUM} is missing and CI is set: .ci/run must install chromium");
        }
        eprintln!(
            "skipped: chromium not installed ({CHROMIUM}); apt-get install chromium to run it"
        );
        return;
    }
    let dir = out_dir();
    let page = dir.join("report.html");
    let html = common::run(&[
        "analyze",
        common::example().to_str().unwrap(),
        "--format",
        "html",
    ]);
    std::fs::write(&page, &html).unwrap();
    let page = page.canonicalize().unwrap();

    // The DOM after the scripts ran, and the console.
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(
        profile.path(),
        &["--enable-logging=stderr", "--v=1", "--dump-dom"],
        &page,
    );
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not run to its end"
    );
    for id in ["impact-1", "root_cause-1", "coincidental-1"] {
        assert!(
            dom.contains(&format!("id=\"f-{id}\"")),
            "no finding {id} in the DOM"
        );
    }
    let charts = dom.matches("<figure class=\"chart\"").count();
    assert!(charts >= 1, "no chart in the DOM");
    let chart = &dom[dom.find("<figure class=\"chart\"").unwrap()..];
    let chart = &chart[..chart.find("</figure>").unwrap()];
    assert!(chart.contains("<svg") && (chart.contains("<path") || chart.contains("<polyline")));
    assert!(dom.contains("Events per host over time"));
    assert!(
        !dom.contains("id=\"tools\" hidden"),
        "the toolbar was not shown"
    );

    // The page logs nothing: any console line from it is an error, an
    // uncaught exception or a load the Content Security Policy blocked.
    let log = String::from_utf8_lossy(&out.stderr);
    let page_url = format!("file://{}", page.display());
    let console: Vec<&str> = log
        .lines()
        .filter(|l| {
            (l.contains("CONSOLE") && l.contains(&page_url))
                || l.contains("Uncaught")
                || l.contains("Content Security Policy")
        })
        .collect();
    assert!(
        console.is_empty(),
        "console messages from the page:\n{}",
        console.join("\n")
    );

    // The screenshot, kept as a CI artifact.
    let png = dir.join("report.png");
    let _ = std::fs::remove_file(&png);
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(
        profile.path(),
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
        &page,
    );
    assert!(
        out.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "screenshot looks empty"
    );
    eprintln!("screenshot: {}", png.display());
}
