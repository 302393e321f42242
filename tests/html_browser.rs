//! Load the HTML report in headless Chromium: the DOM after scripts ran, no
//! console message (errors, uncaught exceptions, blocked loads), and a
//! screenshot kept as a CI artifact under `target/html-report/`; then its
//! layout as laid out at 1400 and 800 px wide, measured by a probe script
//! the test adds to a copy of the report: no two labels overlap, the host
//! lanes and the charts put the same instant at the same x, the inset spans
//! the incident, the causal chain reads left to right with every title whole
//! on hover, the ping-loss chart shows the loss ping reported, and nothing
//! scrolls sideways.
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

/// Whether chromium is there; without it the tests skip, unless CI is set.
fn have_chromium() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{CHROMIUM} is missing and CI is set: .ci/run must install chromium");
    }
    eprintln!("skipped: chromium not installed ({CHROMIUM}); apt-get install chromium to run it");
    false
}

#[test]
fn html_report_in_headless_chromium() {
    if !have_chromium() {
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

/// Measures the laid-out page and leaves the result, as JSON, in the
/// `data-probe` attribute of `<html>`.
const PROBE: &str = r#"<script>
(function(){
var d=document,out={width:innerWidth,scroll:d.documentElement.scrollWidth,overlaps:[],axes:[],ticks:{},boxes:[],arrows:[],charts:[]};
function box(e){return e.getBoundingClientRect();}
d.querySelectorAll('svg').forEach(function(svg){
  var t=[].slice.call(svg.querySelectorAll('text')).map(function(e){return{s:e.textContent,r:box(e)};}).filter(function(x){return x.r.width>0;});
  for(var i=0;i<t.length;i++)for(var j=i+1;j<t.length;j++){
    var a=t[i].r,b=t[j].r,w=Math.min(a.right,b.right)-Math.max(a.left,b.left),h=Math.min(a.bottom,b.bottom)-Math.max(a.top,b.top);
    if(w>0.5&&h>0.5)out.overlaps.push([svg.getAttribute('aria-label'),t[i].s,t[j].s]);
  }
  var role=svg.getAttribute('data-axis');
  if(role){
    out.axes.push({role:role,from:+svg.getAttribute('data-from'),to:+svg.getAttribute('data-to'),label:svg.getAttribute('aria-label'),left:box(svg).left,right:box(svg).right});
    if(role==='overview')svg.querySelectorAll('line.tick').forEach(function(l){var k=l.getAttribute('data-t');(out.ticks[k]=out.ticks[k]||[]).push(box(l).left);});
  }
});
d.querySelectorAll('#chain g.box').forEach(function(g){var t=g.querySelector('title');out.boxes.push({id:g.getAttribute('data-id'),x:box(g).left,hover:t?t.textContent:''});});
d.querySelectorAll('#chain path[marker-end]').forEach(function(p){var m=/M([-0-9.]+) [-0-9.]+L([-0-9.]+)/.exec(p.getAttribute('d'));if(m)out.arrows.push([+m[1],+m[2]]);});
d.querySelectorAll('figure.chart').forEach(function(f){out.charts.push({caption:f.querySelector('figcaption').textContent,texts:[].slice.call(f.querySelectorAll('svg text')).map(function(e){return e.textContent;})});});
d.documentElement.setAttribute('data-probe',JSON.stringify(out));
})();
</script>"#;

/// The probe's JSON from a dumped DOM.
fn probe_result(dom: &str) -> serde_json::Value {
    let start = dom.find("data-probe=\"").expect("the probe ran") + "data-probe=\"".len();
    let end = start + dom[start..].find('"').unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    serde_json::from_str(&json).expect("probe JSON")
}

#[test]
fn html_report_layout_at_1400_and_800_px() {
    if !have_chromium() {
        return;
    }
    let ex = common::example();
    let ex = ex.to_str().unwrap();
    let html = common::run(&["analyze", ex, "--format", "html"]);
    let doc: serde_json::Value =
        serde_json::from_str(&common::run(&["analyze", ex, "--format", "json"])).unwrap();
    let dir = out_dir();
    let page = dir.join("report-probed.html");
    std::fs::write(&page, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let page = page.canonicalize().unwrap();
    let impact_start = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "impact")
        .and_then(|f| f["start"].as_str())
        .unwrap()
        .parse::<uctriage_core::jiff::Timestamp>()
        .unwrap()
        .as_millisecond();

    for width in [1400, 800] {
        let profile = tempfile::tempdir().unwrap();
        let out = chromium(
            profile.path(),
            &[&format!("--window-size={width},3000"), "--dump-dom"],
            &page,
        );
        assert!(out.status.success(), "chromium at {width} px failed");
        let p = probe_result(&String::from_utf8_lossy(&out.stdout));
        let at = format!("at {width} px");
        assert_eq!(p["width"], width, "the window is {width} px wide");
        assert!(
            p["scroll"].as_i64().unwrap() <= width,
            "{at}: the page scrolls sideways ({} px)",
            p["scroll"]
        );
        assert_eq!(
            p["overlaps"].as_array().unwrap().len(),
            0,
            "{at}: labels overlap: {}",
            p["overlaps"]
        );

        // One time axis: the lanes and every chart span the same time, and
        // put each tick (each instant) at the same x on the screen.
        let axes = p["axes"].as_array().unwrap();
        let overview: Vec<&serde_json::Value> =
            axes.iter().filter(|a| a["role"] == "overview").collect();
        assert!(overview.len() >= 3, "{at}: lanes and charts: {overview:?}");
        assert!(overview
            .iter()
            .any(|a| a["label"] == "Events per host over time"));
        for a in &overview {
            assert_eq!(
                (&a["from"], &a["to"]),
                (&overview[0]["from"], &overview[0]["to"]),
                "{at}"
            );
            assert!(
                (a["left"].as_f64().unwrap() - overview[0]["left"].as_f64().unwrap()).abs() < 1.0,
                "{at}: figures are not aligned: {a}"
            );
        }
        let ticks = p["ticks"].as_object().unwrap();
        let shared = ticks
            .values()
            .filter(|xs| xs.as_array().unwrap().len() == overview.len())
            .count();
        assert!(shared >= 4, "{at}: ticks shared by every figure: {shared}");
        for (t, xs) in ticks {
            let xs: Vec<f64> = xs
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            let spread = xs.iter().cloned().fold(f64::MIN, f64::max)
                - xs.iter().cloned().fold(f64::MAX, f64::min);
            assert!(spread < 1.0, "{at}: the instant {t} is at x {xs:?}");
        }

        // The inset: a zoom around the incident, much shorter than the overview.
        let inset = axes
            .iter()
            .find(|a| a["role"] == "inset")
            .expect("an inset");
        let (from, to) = (
            inset["from"].as_i64().unwrap(),
            inset["to"].as_i64().unwrap(),
        );
        assert!(
            from < impact_start && impact_start < to,
            "{at}: the inset holds the impact"
        );
        let span = overview[0]["to"].as_i64().unwrap() - overview[0]["from"].as_i64().unwrap();
        assert!((to - from) * 10 < span, "{at}: the inset zooms in");

        // The chain reads left to right, each box whole on hover.
        let boxes = p["boxes"].as_array().unwrap();
        let x_of = |id: &str| {
            boxes
                .iter()
                .find(|b| b["id"] == id)
                .unwrap_or_else(|| panic!("no box {id}"))["x"]
                .as_f64()
                .unwrap()
        };
        assert!(
            x_of("root_cause-1") < x_of("impact-1"),
            "{at}: cause left of effect"
        );
        for a in p["arrows"].as_array().unwrap() {
            assert!(
                a[0].as_f64() < a[1].as_f64(),
                "{at}: an arrow points left: {a}"
            );
        }
        for b in boxes {
            let f = doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["id"] == b["id"])
                .unwrap();
            let hover = b["hover"].as_str().unwrap();
            assert!(
                hover.contains(f["title"].as_str().unwrap()),
                "{at}: {} hover lacks its title",
                b["id"]
            );
            assert!(
                hover.contains(f["summary"].as_str().unwrap()),
                "{at}: {} hover lacks its summary",
                b["id"]
            );
        }

        // Ping loss as ping reported it: 0 % in the morning, 30 % at 12:50.
        let loss = p["charts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["caption"].as_str().unwrap().contains("ping loss percent"))
            .expect("a ping-loss chart");
        let texts: Vec<&str> = loss["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(
            texts.contains(&"30 %"),
            "{at}: the 30 % loss is labelled: {texts:?}"
        );
        assert!(texts.contains(&"0 %"), "{at}: {texts:?}");

        let png = dir.join(format!("report-{width}.png"));
        let _ = std::fs::remove_file(&png);
        let profile = tempfile::tempdir().unwrap();
        let shot = chromium(
            profile.path(),
            &[
                &format!("--screenshot={}", png.display()),
                &format!("--window-size={width},4000"),
                "--hide-scrollbars",
            ],
            &page,
        );
        assert!(
            shot.status.success() && png.exists(),
            "screenshot at {width} px"
        );
    }
}
