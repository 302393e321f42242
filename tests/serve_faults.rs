//! `uctriage serve` under load and faults, on loopback, bounded in count and
//! time: what is sent over TCP is stored, a graceful restart loses nothing
//! read, SIGKILL loses at most the last second, memory stays bounded when
//! senders outpace the store, a full store says so and recovers, garbage
//! costs counters and never the process.

mod serve_common;

use serve_common::{init, numbered, Server};
use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// These tests measure time and memory: one at a time, so they do not
/// starve each other on a 2-core machine.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Stored message numbers (from the events API, page by page), sorted.
/// The first number missing from a sorted list that should be 0..len, if any.
fn first_hole(n: &[u64]) -> Option<(usize, u64)> {
    n.iter()
        .enumerate()
        .find(|(i, v)| **v != *i as u64)
        .map(|(i, v)| (i, *v))
}

fn stored_numbers(srv: &Server) -> Vec<u64> {
    let mut n: Vec<u64> = Vec::new();
    let mut after = 0u64;
    loop {
        let (st, body) = srv.get(&format!(
            "/api/v1/events?q=of%20the%20load%20test&limit=5000&after={after}"
        ));
        assert_eq!(st, 200, "{body}");
        let page: Vec<serde_json::Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if page.is_empty() {
            break;
        }
        for v in &page {
            after = after.max(v["line"].as_u64().unwrap());
            let text = v["text"].as_str().unwrap();
            let at = text.find("message ").unwrap() + 8;
            n.push(text[at..at + 9].parse().unwrap());
        }
    }
    n.sort_unstable();
    n
}

#[test]
fn messages_sent_over_tcp_equal_messages_stored() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    let srv = Server::start(dir.path(), &token, &["--quiet"]);
    let addr = srv.tcp.unwrap();
    const CONNS: u64 = 4;
    const EACH: u64 = 5_000;
    let senders: Vec<_> = (0..CONNS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                let mut buf = Vec::new();
                for i in 0..EACH {
                    let msg = numbered(c * EACH + i);
                    if i % 2 == 0 {
                        // Octet counting (RFC 6587 §3.4.1) and newlines on one stream.
                        buf.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes());
                    } else {
                        buf.extend_from_slice(msg.as_bytes());
                        buf.push(b'\n');
                    }
                }
                s.write_all(&buf).unwrap();
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    let total = CONNS * EACH;
    let st = srv.wait_stats(60, |s| s["stored"] == total);
    assert_eq!(st["received"], total);
    assert_eq!(st["malformed"], 0);
    let numbers = stored_numbers(&srv);
    assert!(
        numbers == (0..total).collect::<Vec<_>>(),
        "not every message once: {} stored",
        numbers.len()
    );
    srv.stop();
}

/// Send numbered messages at about `rate` per second until `stop`; counts what was written.
fn paced_sender(
    addr: std::net::SocketAddr,
    rate: u64,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    start_at: u64,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Ok(mut s) = TcpStream::connect(addr) else {
            return;
        };
        let t0 = Instant::now();
        let mut n = start_at;
        let deadline = Duration::from_secs(20);
        while !stop.load(Ordering::SeqCst) && t0.elapsed() < deadline {
            let due = start_at + (t0.elapsed().as_secs_f64() * rate as f64) as u64;
            let mut buf = Vec::new();
            while n < due {
                buf.extend_from_slice(numbered(n).as_bytes());
                buf.push(b'\n');
                n += 1;
            }
            if !buf.is_empty() {
                if s.write_all(&buf).is_err() {
                    return;
                }
                sent.store(n, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    })
}

#[test]
fn a_graceful_restart_loses_nothing_read_and_sigkill_at_most_the_last_second() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());

    // 1. Restart mid-stream with SIGTERM: whatever was read is stored.
    let srv = Server::start(dir.path(), &token, &["--quiet"]);
    let (stop, sent) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let sender = paced_sender(srv.tcp.unwrap(), 5_000, stop.clone(), sent.clone(), 0);
    std::thread::sleep(Duration::from_millis(1500));
    srv.stop();
    stop.store(true, Ordering::SeqCst);
    sender.join().unwrap();
    let srv = Server::start(dir.path(), &token, &["--quiet"]);
    let st = srv.stats();
    assert!(st["received"].as_u64().unwrap() > 1000, "{st}");
    assert_eq!(
        st["received"], st["stored"],
        "everything read was stored: {st}"
    );
    let numbers = stored_numbers(&srv);
    let k = numbers.len() as u64;
    assert!(
        first_hole(&numbers).is_none(),
        "not an unbroken prefix of what was sent: {:?} of {}",
        first_hole(&numbers),
        numbers.len()
    );
    eprintln!(
        "graceful restart: {} sent before the stop, {} read and stored",
        sent.load(Ordering::SeqCst),
        k
    );

    // 2. SIGKILL mid-stream: at most the last second of traffic is lost.
    // Numbered apart from the first stream, whose last line a stop may cut.
    const RATE: u64 = 2_000;
    const FROM: u64 = 1_000_000;
    let (stop, sent) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(FROM)),
    );
    let sender = paced_sender(srv.tcp.unwrap(), RATE, stop.clone(), sent.clone(), FROM);
    std::thread::sleep(Duration::from_millis(2000));
    let written = sent.load(Ordering::SeqCst) - FROM;
    srv.kill();
    stop.store(true, Ordering::SeqCst);
    sender.join().unwrap();
    let srv = Server::start(dir.path(), &token, &["--quiet"]);
    let second: Vec<u64> = stored_numbers(&srv)
        .into_iter()
        .filter(|n| *n >= FROM)
        .map(|n| n - FROM)
        .collect();
    let stored = second.len() as u64;
    assert!(
        first_hole(&second).is_none(),
        "a hole in what was stored: {:?} of {}",
        first_hole(&second),
        second.len()
    );
    let lost = written.saturating_sub(stored);
    eprintln!(
        "SIGKILL: {written} written by the sender before the kill, {stored} stored: {lost} lost = {:.2} s of traffic at {RATE}/s",
        lost as f64 / RATE as f64
    );
    assert!(
        lost <= RATE,
        "lost {lost} messages: more than one second at {RATE}/s"
    );
    srv.stop();
}

#[test]
fn memory_stays_bounded_when_senders_outpace_the_store() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    // A 2 MiB intake: TCP senders wait, UDP datagrams beyond it are dropped and counted.
    let srv = Server::start(
        dir.path(),
        &token,
        &[
            "--quiet",
            "--intake-mib",
            "2",
            "--max-window-events",
            "5000",
        ],
    );
    let addr = srv.tcp.unwrap();
    const N: u64 = 30_000;
    let big = "x".repeat(900);
    let tcp = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        let mut buf = Vec::with_capacity(1 << 20);
        for i in 0..N {
            buf.extend_from_slice(format!("{} {big}\n", numbered(i)).as_bytes());
            if buf.len() > 1 << 20 {
                s.write_all(&buf).unwrap();
                buf.clear();
            }
        }
        s.write_all(&buf).unwrap();
    });
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = srv.udp.unwrap();
    let udp_sent = 10_000u64;
    for i in 0..udp_sent {
        let _ = udp.send_to(
            format!(
                "<14>Dec  6 12:00:00 udpgen app: datagram {i} {}",
                "y".repeat(900)
            )
            .as_bytes(),
            target,
        );
    }
    tcp.join().unwrap();
    let st = srv.wait_stats(90, |s| {
        let (r, stored, d) = (
            s["received"].as_u64().unwrap(),
            s["stored"].as_u64().unwrap(),
            s["dropped"].as_u64().unwrap(),
        );
        stored + d == r && stored >= N
    });
    let peak = srv.peak_rss_kib();
    eprintln!("flood: {st}; peak RSS {} MiB", peak / 1024);
    assert!(st["received"].as_u64().unwrap() >= N);
    // Some 30 MB of messages went through a 2 MiB intake.
    assert!(peak < 160 * 1024, "peak RSS {} MiB", peak / 1024);
    srv.stop();
}

#[test]
fn a_full_store_says_so_and_recovers() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    // 400 pages of 4 KiB: a 1.6 MB database, far less than what is sent.
    let srv = Server::start(dir.path(), &token, &["--max-db-pages", "400"]);
    let addr = srv.tcp.unwrap();
    const N: u64 = 20_000;
    let mut s = TcpStream::connect(addr).unwrap();
    let mut buf = Vec::new();
    for i in 0..N {
        buf.extend_from_slice(format!("{} {}\n", numbered(i), "z".repeat(200)).as_bytes());
    }
    s.write_all(&buf).unwrap();
    drop(s);
    let st = srv.wait_stats(60, |s| s["stored"] == N && s["store"] == "ok");
    assert!(
        st["store_full"].as_u64().unwrap() > 0,
        "the store never filled: {st}"
    );
    assert!(st["pruned"].as_u64().unwrap() > 0, "{st}");
    assert_eq!(srv.get_anon("/healthz").0, 200);
    let numbers = stored_numbers(&srv);
    assert_eq!(
        numbers.last(),
        Some(&(N - 1)),
        "the newest messages are kept"
    );
    let log = srv.stop();
    assert!(log.contains("store full"), "{log}");
    assert!(log.contains("store accepts writes again"), "{log}");
}

#[test]
fn garbage_costs_counters_never_the_process() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    let srv = Server::start(dir.path(), &token, &["--quiet", "--max-message", "1024"]);
    let addr = srv.tcp.unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    let mut junk: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    junk.extend_from_slice(b"\n999999999 truncated octet count\n");
    junk.extend_from_slice(&[b'a'; 10_000]);
    junk.extend_from_slice(b"\n<999>bad pri\n<13>1 notatime - - - - -\n");
    s.write_all(&junk).unwrap();
    drop(s);
    // Half-open and immediately closed connections, and a TLS hello on plain TCP.
    for _ in 0..50 {
        drop(TcpStream::connect(addr).unwrap());
    }
    let mut t = TcpStream::connect(addr).unwrap();
    t.write_all(&[0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00])
        .unwrap();
    drop(t);
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..500u32 {
        let _ = udp.send_to(&i.to_le_bytes().repeat(i as usize % 300), srv.udp.unwrap());
    }
    std::thread::sleep(Duration::from_millis(500));
    let st = srv.wait_stats(30, |s| {
        s["stored"].as_u64()
            == s["received"]
                .as_u64()
                .map(|r| r - s["dropped"].as_u64().unwrap())
    });
    assert!(st["malformed"].as_u64().unwrap() > 0, "{st}");
    assert_eq!(srv.get_anon("/healthz").0, 200);
    // Still serving real messages.
    serve_common::send_tcp(addr, &[numbered(7)]);
    srv.wait_stats(10, |s| {
        s["stored"].as_u64().unwrap() > st["stored"].as_u64().unwrap()
    });
    srv.stop();
}
