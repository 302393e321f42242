//! `uctriage serve --https`: the API over TLS with the operator's
//! certificate; the health check answers without a credential, the API only
//! with one, and a plain-HTTP request gets no answer.

mod serve_common;

use serve_common::{init, Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// One HTTP/1.1 request over TLS, trusting only `ca`: the whole response.
fn https(
    addr: std::net::SocketAddr,
    ca: &rcgen::CertifiedKey<rcgen::KeyPair>,
    request: &str,
) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.cert.der().clone()).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    tls.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    // The server closes after `Connection: close`; a TLS close without
    // close_notify still ends the read.
    let _ = tls.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {response:?}"))
}

#[test]
fn the_api_is_served_over_tls_with_the_operators_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cp, kp) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cp, cert.cert.pem()).unwrap();
    std::fs::write(&kp, cert.signing_key.serialize_pem()).unwrap();
    let data = dir.path().join("data");
    let token = init(&data);
    let srv = Server::start(
        &data,
        &token,
        &[
            "--https",
            "--tls-cert",
            cp.to_str().unwrap(),
            "--tls-key",
            kp.to_str().unwrap(),
        ],
    );
    let get = |path: &str, auth: Option<&str>| {
        let auth = auth
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        https(
            srv.http,
            &cert,
            &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"),
        )
    };
    assert_eq!(status(&get("/healthz", None)), 200);
    assert_ne!(status(&get("/api/v1/stats", None)), 200);
    let stats = get("/api/v1/stats", Some(&token));
    assert_eq!(status(&stats), 200, "{stats}");
    assert!(stats.contains("\"received\""), "{stats}");

    // A plain-HTTP client gets no answer from the TLS listener.
    let mut plain = TcpStream::connect(srv.http).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut got = Vec::new();
    let _ = plain.read_to_end(&mut got);
    assert!(!String::from_utf8_lossy(&got).contains("200 OK"));
    srv.stop();
}
