//! `uctriage serve` tells a webhook when an incident opens: a JSON POST to
//! an address read from `--webhooks FILE`, whose path (a chat service's
//! credential) never appears in the server's log.

mod serve_common;

use serve_common::{example_syslog, init, send_tcp, Server};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A one-route HTTP receiver on loopback: every request's path and JSON body
/// go to the channel, each answered 200. It stops by itself after `life`.
fn receiver(life: Duration) -> (u16, mpsc::Receiver<(String, serde_json::Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let end = Instant::now() + life;
        while Instant::now() < end {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let mut stream = reader.into_inner();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if let Ok(v) = serde_json::from_slice(&body) {
                let _ = tx.send((path, v));
            }
        }
    });
    (port, rx)
}

#[test]
fn an_opened_incident_is_posted_to_the_webhook_and_its_address_is_never_logged() {
    let (port, posts) = receiver(Duration::from_secs(90));
    let dir = tempfile::tempdir().unwrap();
    let secret = "T0SECRET/B0HOOK/xoxb-not-for-logs";
    let hooks = dir.path().join("webhooks.txt");
    std::fs::write(
        &hooks,
        format!("# the NOC channel\nhttp://127.0.0.1:{port}/{secret}\n"),
    )
    .unwrap();
    let data = dir.path().join("data");
    let token = init(&data);
    let srv = Server::start(&data, &token, &["--webhooks", hooks.to_str().unwrap()]);
    let lines = example_syslog();
    send_tcp(srv.tcp.unwrap(), &lines);

    let deadline = Instant::now() + Duration::from_secs(60);
    let opened = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no incident.opened was posted");
        match posts.recv_timeout(left) {
            Ok((path, v)) if v["event"] == "incident.opened" => break (path, v),
            Ok(_) => continue,
            Err(_) => panic!("no incident.opened was posted"),
        }
    };
    assert_eq!(opened.0, format!("/{secret}"));
    let incident = &opened.1["incident"];
    // The posted incident is the one the API lists, with analyze's findings.
    let listed = srv.incidents();
    assert!(
        listed.iter().any(|i| i["id"] == incident["id"]),
        "{incident} not in {listed:?}"
    );
    let kinds: Vec<&str> = incident["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"root_cause"), "{kinds:?}");

    let log = srv.stop();
    assert!(!log.contains("SECRET") && !log.contains("xoxb"), "{log}");
}
