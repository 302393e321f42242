//! The `uctriage serve` web UI in headless Chromium, driven through
//! ChromeDriver (WebDriver over HTTP on loopback): log in, see the incident a
//! replayed syslog opened, read its findings and its report, watch a host's
//! timeline take a new event live, search. Screenshots are kept under
//! `target/serve-ui/`.
//!
//! Without `/usr/bin/chromium` and `/usr/bin/chromedriver` the test is
//! skipped with a message, except when `CI` is set: there it must run
//! (`.ci/run` installs both).

mod serve_common;

use serde_json::{json, Value};
use serve_common::{example_syslog, init, passwd, send_tcp, Server};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1600",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let mut r = agent
            .post(&format!("{base}/session"))
            .send_json(&caps)
            .expect("new session");
        let v: Value = r.body_mut().read_json().unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Driver {
            child,
            base,
            session,
            agent,
            _profile: profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut r = match (method, body) {
            ("GET", _) => self.agent.get(&url).call().unwrap(),
            (_, b) => self
                .agent
                .post(&url)
                .send_json(b.unwrap_or(json!({})))
                .unwrap(),
        };
        let v: Value = r.body_mut().read_json().unwrap();
        assert!(v["value"].get("error").is_none(), "{method} {path}: {v}");
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), None);
    }

    fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn source(&self) -> String {
        self.cmd("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Wait (bounded) until the script returns true.
    fn wait(&self, secs: u64, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.js(script) != json!(true) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for `{script}` on {}",
                self.js("return location.href")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn screenshot(&self, to: &Path) {
        use std::io::Write;
        let b64 = self.cmd("GET", "/screenshot", None);
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "empty screenshot"
        );
        std::fs::File::create(to).unwrap().write_all(&png).unwrap();
        eprintln!("screenshot: {}", to.display());
    }
}

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("serve-ui");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_web_ui_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(DRIVER).exists() {
        if std::env::var_os("CI").is_some() {
            panic!("{CHROMIUM} or {DRIVER} is missing and CI is set: .ci/run must install chromium and chromium-driver");
        }
        eprintln!("skipped: chromium or chromium-driver not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    passwd(dir.path(), "noc", "a-long-enough-password");
    let srv = Server::start(dir.path(), &token, &[]);
    let lines = example_syslog();
    send_tcp(srv.tcp.unwrap(), &lines);
    srv.wait_stats(30, |s| s["stored"] == lines.len() as u64);
    let deadline = Instant::now() + Duration::from_secs(30);
    while srv.incidents().is_empty() {
        assert!(Instant::now() < deadline, "no incident");
        std::thread::sleep(Duration::from_millis(200));
    }
    // localhost: browsers keep Secure cookies there without HTTPS.
    let base = format!("http://localhost:{}", srv.http.port());
    let out = out_dir();
    let d = Driver::start();

    // Log in.
    d.go(&format!("{base}/"));
    d.wait(10, "return location.pathname === '/login'");
    d.type_in("input[name=user]", "noc");
    d.type_in("input[name=password]", "a-long-enough-password");
    d.click("form.login button");
    d.wait(
        10,
        "return location.pathname === '/' && !!document.querySelector('table.incidents')",
    );
    d.wait(
        5,
        "return document.documentElement.getAttribute('data-ready') === '1'",
    );
    assert_eq!(
        d.js("return document.cookie"),
        json!(""),
        "the session cookie is HttpOnly"
    );
    let src = d.source();
    assert!(src.contains("crashed"), "the incident is listed");
    d.screenshot(&out.join("incidents.png"));

    // The incident, its findings, its report.
    d.click("table.incidents td a");
    d.wait(10, "return location.pathname.startsWith('/incidents/')");
    let findings = d.js("return document.querySelectorAll('section.finding').length");
    assert!(findings.as_u64().unwrap() >= 2, "{findings}");
    assert!(d.source().contains("root_cause"));
    d.screenshot(&out.join("incident.png"));
    d.click("a.report");
    d.wait(20, "return !!document.getElementById('f-root_cause-1')");
    d.wait(10, "return document.documentElement.getAttribute('data-ready') === '1' || document.body.getAttribute('data-ready') === '1' || !!document.querySelector('[data-ready=\"1\"]')");
    d.screenshot(&out.join("report.png"));

    // A host's timeline takes a new event while it is open.
    d.go(&format!("{base}/hosts"));
    d.wait(
        10,
        "return document.body.textContent.includes('bldcucmsub7')",
    );
    d.go(&format!("{base}/hosts/bldcucmsub7"));
    d.wait(
        10,
        "return document.querySelectorAll('table.events tbody tr').length > 3",
    );
    send_tcp(
        srv.tcp.unwrap(),
        &["<187>61999: bldcucmsub7.voip.com: Jul 12 2019 17:59:00.000 UTC : %UC_GENERIC-6-ServiceStarted: %[ServiceName=Cisco CallManager][ProcessID=1][AppID=Cisco Service Manager][ClusterID=][NodeID=bldcucmsub7]: Service started.".to_string()],
    );
    d.wait(15, "return !!document.querySelector('table.events tr.fresh') && document.querySelector('table.events tr.fresh').textContent.includes('ServiceStarted')");
    d.screenshot(&out.join("host.png"));

    // Search by text and kind.
    d.go(&format!("{base}/search"));
    d.type_in("input[name=q]", "CoreDumpFileFound");
    d.click("form.search button");
    d.wait(10, "return location.search.includes('q=CoreDumpFileFound')");
    let rows = d.js("return document.querySelectorAll('table.events tbody tr').length");
    assert!(rows.as_u64().unwrap() >= 1, "{rows}");
    d.go(&format!("{base}/search?kind=service_core&host=bldcucmsub7"));
    let rows = d.js("return document.querySelectorAll('table.events tbody tr').length");
    assert_eq!(rows, json!(2));
    d.screenshot(&out.join("search.png"));
    drop(d);
    srv.stop();
}
