//! `uctriage serve --https`: the API over TLS with the operator's
//! certificate; the health check answers without a credential, the API only
//! with one, and a plain-HTTP request gets no answer.

mod serve_common;

use serve_common::{cookie_named, hidden_csrf, init, Server};
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

/// A server on loopback serving HTTPS with a new self-signed certificate
/// for `localhost` (written under `dir`), and that certificate.
fn start_tls(
    dir: &std::path::Path,
    data: &std::path::Path,
    token: &str,
) -> (Server, rcgen::CertifiedKey<rcgen::KeyPair>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cp, kp) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cp, cert.cert.pem()).unwrap();
    std::fs::write(&kp, cert.signing_key.serialize_pem()).unwrap();
    let (c, k) = (cp.to_str().unwrap(), kp.to_str().unwrap());
    let srv = Server::start(data, token, &["--https", "--tls-cert", c, "--tls-key", k]);
    (srv, cert)
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
    let data = dir.path().join("data");
    let token = init(&data);
    let (srv, cert) = start_tls(dir.path(), &data, &token);
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

/// A Set-Cookie line of a response for `name`: its value and the whole line.
fn set_cookie(response: &str, name: &str) -> Option<(String, String)> {
    let values = response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "));
    cookie_named(values, name)
}

/// A form POST over TLS with the given cookies.
fn post(
    addr: std::net::SocketAddr,
    ca: &rcgen::CertifiedKey<rcgen::KeyPair>,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> String {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('%', "%25").replace('&', "%26")))
        .collect();
    let body = body.join("&");
    let cookie = if cookie.is_empty() {
        String::new()
    } else {
        format!("Cookie: {cookie}\r\n")
    };
    https(
        addr,
        ca,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\n{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn the_ui_login_over_https_sets_a_secure_session_and_guards_forms_with_csrf() {
    const PASSWORD: &str = "over-tls-horse-battery-42";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = init(&data);
    serve_common::passwd(&data, "noc", PASSWORD);
    let (srv, cert) = start_tls(dir.path(), &data, &token);
    let get = |path: &str, cookie: &str| {
        https(
            srv.http,
            &cert,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
            ),
        )
    };

    // Without a session the UI sends the browser to the login form.
    let home = get("/", "");
    assert_eq!(status(&home), 303, "{home}");
    assert!(home.contains("location: /login"), "{home}");
    let page = get("/login", "");
    assert_eq!(status(&page), 200);
    let (login_cookie, line) = set_cookie(&page, "uct_login").expect("a login CSRF cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(line.contains(attr), "login cookie without {attr}: {line}");
    }
    let csrf = hidden_csrf(&page);
    let login_cookie = format!("uct_login={login_cookie}");

    // The form's CSRF token must come with its cookie, and agree with it.
    fn with(csrf: &str) -> [(&'static str, &str); 3] {
        [("user", "noc"), ("password", PASSWORD), ("csrf", csrf)]
    }
    assert_eq!(
        status(&post(srv.http, &cert, "/login", "", &with(&csrf))),
        403,
        "a login without its CSRF cookie is refused"
    );
    assert_eq!(
        status(&post(
            srv.http,
            &cert,
            "/login",
            &login_cookie,
            &with(&"0".repeat(64))
        )),
        403,
        "a login whose CSRF field is not its cookie's is refused"
    );
    let wrong = post(
        srv.http,
        &cert,
        "/login",
        &login_cookie,
        &[
            ("user", "noc"),
            ("password", "not-the-password"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(status(&wrong), 401);
    assert!(set_cookie(&wrong, "uct_session").is_none());

    let ok = post(srv.http, &cert, "/login", &login_cookie, &with(&csrf));
    assert_eq!(status(&ok), 303, "{ok}");
    let (session, line) = set_cookie(&ok, "uct_session").expect("a session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(attr), "session cookie without {attr}: {line}");
    }
    let session_cookie = format!("uct_session={session}");

    // The session opens the UI and the API over TLS; forms need its CSRF token.
    let home = get("/", &session_cookie);
    assert_eq!(status(&home), 200, "{home}");
    let session_csrf = hidden_csrf(&home);
    assert_eq!(status(&get("/api/v1/stats", &session_cookie)), 200);
    assert_eq!(
        status(&post(
            srv.http,
            &cert,
            "/tokens",
            &session_cookie,
            &[("label", "forged"), ("csrf", &"0".repeat(64))]
        )),
        403,
        "a form without the session's CSRF token is refused"
    );
    assert_eq!(
        status(&post(
            srv.http,
            &cert,
            "/logout",
            &session_cookie,
            &[("csrf", &session_csrf)]
        )),
        303
    );
    assert_eq!(
        status(&get("/api/v1/stats", &session_cookie)),
        401,
        "an ended session opens nothing"
    );

    let log = srv.stop();
    assert!(log.contains("login: a session started"), "{log}");
    for secret in [PASSWORD, session.as_str(), session_csrf.as_str(), &token] {
        assert!(!log.contains(secret), "a secret in the log: {log}");
    }
}
