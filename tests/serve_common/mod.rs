//! Helpers for the `uctriage serve` end-to-end tests: the real binary on
//! loopback ports it picks itself, a small HTTP client, syslog senders.
//! Every wait is bounded; a server left running is killed on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_uctriage");

/// The example's CiscoSyslog file, line by line.
pub fn example_syslog() -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ctios-outage-2019-07-12/bldcucmpub/syslog/CiscoSyslog");
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `serve init`: the data folder and the token it printed.
pub fn init(dir: &Path) -> String {
    let out = Command::new(BIN)
        .args(["serve", "init", "--data"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `serve passwd`, the password on standard input.
pub fn passwd(dir: &Path, user: &str, password: &str) {
    let mut child = Command::new(BIN)
        .args(["serve", "passwd", "--user", user, "--data"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    assert!(child.wait().unwrap().success());
}

/// A running server.
pub struct Server {
    pub child: Child,
    pub log: Arc<Mutex<String>>,
    pub tcp: Option<SocketAddr>,
    pub udp: Option<SocketAddr>,
    pub tls: Option<SocketAddr>,
    pub http: SocketAddr,
    pub token: String,
    pub data: PathBuf,
}

impl Server {
    /// Start `serve` on loopback (TCP, UDP, HTTP on ports of its choosing) with extra args.
    pub fn start(data: &Path, token: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--data"])
            .arg(data)
            .args([
                "--syslog-tcp",
                "127.0.0.1:0",
                "--syslog-udp",
                "127.0.0.1:0",
                "--http",
                "127.0.0.1:0",
                "--debounce",
                "1s",
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start uctriage serve");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let l = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut g = l.lock().unwrap();
                g.push_str(&line);
                g.push('\n');
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let find = |name: &str| -> Option<SocketAddr> {
            let g = log.lock().unwrap();
            let at = g.find(&format!("listening: {name} "))?;
            let rest = &g[at + name.len() + 12..];
            rest.split_whitespace().next()?.parse().ok()
        };
        loop {
            if let Some(http) = find("http").or_else(|| find("https")) {
                return Server {
                    tcp: find("syslog-tcp"),
                    udp: find("syslog-udp"),
                    tls: find("syslog-tls"),
                    http,
                    child,
                    log,
                    token: token.to_string(),
                    data: data.to_path_buf(),
                };
            }
            if let Ok(Some(st)) = child.try_wait() {
                panic!("serve exited with {st}: {}", log.lock().unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "serve did not start: {}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into()
    }

    /// GET with the token: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.get_as(path, &self.token)
    }

    /// GET with another token: status and body.
    pub fn get_as(&self, path: &str, token: &str) -> (u16, String) {
        let mut r = Self::agent()
            .get(&self.url(path))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        (
            r.status().as_u16(),
            r.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// GET without any credential.
    pub fn get_anon(&self, path: &str) -> (u16, Option<String>) {
        let r = Self::agent().get(&self.url(path)).call().unwrap();
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (r.status().as_u16(), loc)
    }

    pub fn stats(&self) -> serde_json::Value {
        let (st, body) = self.get("/api/v1/stats");
        assert_eq!(st, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Wait (bounded) until `pred` holds for the stats; returns them.
    pub fn wait_stats(
        &self,
        secs: u64,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.stats();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out; last stats {s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn incidents(&self) -> Vec<serde_json::Value> {
        let (st, body) = self.get("/api/v1/incidents");
        assert_eq!(st, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["incidents"].as_array().unwrap().clone()
    }

    /// SIGTERM, then wait (bounded) for the exit.
    pub fn stop(mut self) -> String {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        self.wait_exit(30);
        self.log.lock().unwrap().clone()
    }

    /// SIGKILL, then wait for the exit.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        self.wait_exit(10);
    }

    fn wait_exit(&mut self, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                // Let the log reader drain the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!(
            "serve did not stop within {secs} s: {}",
            self.log.lock().unwrap()
        );
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send lines over one TCP connection, newline-framed.
pub fn send_tcp(addr: SocketAddr, lines: &[String]) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut buf = Vec::new();
    for l in lines {
        buf.extend_from_slice(l.as_bytes());
        buf.push(b'\n');
    }
    s.write_all(&buf).unwrap();
    s.flush().unwrap();
}

/// A numbered RFC 3164 message (plain syslog; the number is the text).
pub fn numbered(n: u64) -> String {
    format!("<14>Dec  6 12:00:00 loadgen app[1]: message {n:09} of the load test")
}

/// Among Set-Cookie header values, the one for cookie `name`: its value and
/// the whole header value.
pub fn cookie_named<'a>(
    mut set_cookies: impl Iterator<Item = &'a str>,
    name: &str,
) -> Option<(String, String)> {
    set_cookies
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..].split(';').next().unwrap().to_string();
            (value, v.to_string())
        })
}

/// The CSRF token of a page's hidden `csrf` field.
pub fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + 64].to_string()
}
