//! The receivers on loopback: TLS (RFC 5425) with a certificate made here,
//! back-pressure on TCP and counted drops on UDP when nothing consumes.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use uctriage_live::{intake, serve_tcp, serve_udp, tls_acceptor, Limits};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn tls_messages_arrive_whole_and_a_plain_hello_is_refused() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = tempfile_dir();
    let (cp, kp) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cp, cert.cert.pem()).unwrap();
    std::fs::write(&kp, cert.signing_key.serialize_pem()).unwrap();
    let acceptor = tls_acceptor(&cp, &kp).unwrap();
    rt().block_on(async {
        let (intake, mut rx) = intake(Limits::default());
        let counters = intake.counters.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let server = tokio::spawn(serve_tcp(listener, intake, Some(acceptor), stop));

        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.cert.der().clone()).unwrap();
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        let msg = "<165>1 2026-12-06T17:00:00Z esx1 hostd - - - over TLS";
        tls.write_all(format!("{} {msg}", msg.len()).as_bytes())
            .await
            .unwrap();
        tls.shutdown().await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.messages.len(), 1);
        assert_eq!(got.messages[0].text, msg);
        assert_eq!(got.messages[0].transport.as_str(), "tls");

        let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
        plain.write_all(b"<13>not tls at all\n").await.unwrap();
        drop(plain);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while counters.refused.load(Ordering::Relaxed) == 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the plain hello was not refused"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = stop_tx.send(true);
        server.await.unwrap();
    });
}

#[test]
fn a_stalled_consumer_slows_tcp_senders_and_costs_udp_a_counter() {
    rt().block_on(async {
        let limits = Limits {
            budget_bytes: 64 << 10,
            min_budget_bytes: 64 << 10,
            max_message: 1024,
            max_connections: 4,
        };
        let (intake, rx) = intake(limits);
        let counters = intake.counters.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let udp_addr = udp.local_addr().unwrap();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let t = tokio::spawn(serve_tcp(listener, intake.clone(), None, stop.clone()));
        let u = tokio::spawn(serve_udp(udp, intake, stop));
        // Nothing reads `rx`: 64 KiB of room, then the TCP sender must stall.
        let line = format!("<14>Dec  6 12:00:00 h a: {}\n", "x".repeat(200));
        let sender = tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut written = 0usize;
            loop {
                if s.write_all(line.as_bytes()).await.is_err() {
                    return written;
                }
                written += line.len();
            }
        });
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!sender.is_finished());
        let received = counters.received.load(Ordering::Relaxed);
        // Room for ~290 messages, plus what the kernel buffers hold.
        assert!(
            received < 100_000,
            "{received} messages read with 64 KiB of room"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            counters.received.load(Ordering::Relaxed),
            received,
            "reading stopped"
        );
        let out = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..200 {
            out.send_to(b"<14>Dec  6 12:00:00 h a: datagram", udp_addr)
                .unwrap();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while counters.dropped.load(Ordering::Relaxed) < 150 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "UDP drops not counted"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        sender.abort();
        drop(rx);
        let _ = stop_tx.send(true);
        let _ = t.await;
        let _ = u.await;
    });
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("uctriage-live-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
