//! `uctriage serve` keeps secrets: tokens, passwords and session cookies never
//! reach its log or its files in the clear; cookies are HttpOnly, Secure and
//! SameSite=Strict; state-changing forms need the session's CSRF token.

mod serve_common;

use serve_common::{cookie_named, hidden_csrf, init, passwd, Server};
use std::time::Duration;

const PASSWORD: &str = "correct-horse-battery-staple-17";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The value of a cookie set by a response, and its whole Set-Cookie line.
fn set_cookie(r: &ureq::http::Response<ureq::Body>, name: &str) -> Option<(String, String)> {
    let values = r.headers().get_all("set-cookie").iter();
    cookie_named(values.filter_map(|v| v.to_str().ok()), name)
}

fn body(r: &mut ureq::http::Response<ureq::Body>) -> String {
    r.body_mut().read_to_string().unwrap_or_default()
}

#[test]
fn secrets_never_reach_the_log_or_the_files_and_forms_need_csrf() {
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    passwd(dir.path(), "noc", PASSWORD);
    let srv = Server::start(dir.path(), &token, &[]);
    let a = agent();

    // Login: the form's CSRF token must come with its cookie.
    let mut page = a.get(&srv.url("/login")).call().unwrap();
    let (login_cookie, login_line) = set_cookie(&page, "uct_login").unwrap();
    assert!(
        login_line.contains("HttpOnly")
            && login_line.contains("Secure")
            && login_line.contains("SameSite=Strict"),
        "{login_line}"
    );
    let csrf = hidden_csrf(&body(&mut page));
    let no_cookie = a
        .post(&srv.url("/login"))
        .send_form([
            ("user", "noc"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .unwrap();
    assert_eq!(
        no_cookie.status(),
        403,
        "a login without its CSRF cookie is refused"
    );
    let wrong = a
        .post(&srv.url("/login"))
        .header("Cookie", &format!("uct_login={login_cookie}"))
        .send_form([
            ("user", "noc"),
            ("password", "not-the-password"),
            ("csrf", csrf.as_str()),
        ])
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let unknown = a
        .post(&srv.url("/login"))
        .header("Cookie", &format!("uct_login={login_cookie}"))
        .send_form([
            ("user", "nobody"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .unwrap();
    assert_eq!(unknown.status(), 401, "unknown users get the same answer");
    let ok = a
        .post(&srv.url("/login"))
        .header("Cookie", &format!("uct_login={login_cookie}"))
        .send_form([
            ("user", "noc"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .unwrap();
    assert_eq!(ok.status(), 303);
    let (session, line) = set_cookie(&ok, "uct_session").unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(line.contains(attr), "session cookie without {attr}: {line}");
    }
    let cookie = format!("uct_session={session}");

    // The session opens the UI and the API; its CSRF token guards the forms.
    let mut home = a
        .get(&srv.url("/"))
        .header("Cookie", &cookie)
        .call()
        .unwrap();
    assert_eq!(home.status(), 200);
    let session_csrf = hidden_csrf(&body(&mut home));
    assert_eq!(
        a.get(&srv.url("/api/v1/stats"))
            .header("Cookie", &cookie)
            .call()
            .unwrap()
            .status(),
        200
    );
    let forged = a
        .post(&srv.url("/tokens"))
        .header("Cookie", &cookie)
        .send_form([("label", "forged"), ("csrf", "0".repeat(64).as_str())])
        .unwrap();
    assert_eq!(forged.status(), 403);
    let mut made = a
        .post(&srv.url("/tokens"))
        .header("Cookie", &cookie)
        .send_form([("label", "script"), ("csrf", session_csrf.as_str())])
        .unwrap();
    assert_eq!(made.status(), 200);
    let html = body(&mut made);
    let at = html.find("uct_").unwrap();
    let ui_token = html[at..at + 68].to_string();
    assert_eq!(
        srv.get_as("/api/v1/incidents", &ui_token).0,
        200,
        "the UI's token works"
    );
    let bad_logout = a
        .post(&srv.url("/logout"))
        .header("Cookie", &cookie)
        .send_form([("csrf", "nope")])
        .unwrap();
    assert_eq!(bad_logout.status(), 403);
    let logout = a
        .post(&srv.url("/logout"))
        .header("Cookie", &cookie)
        .send_form([("csrf", session_csrf.as_str())])
        .unwrap();
    assert_eq!(logout.status(), 303);
    let after = a
        .get(&srv.url("/api/v1/stats"))
        .header("Cookie", &cookie)
        .call()
        .unwrap();
    assert_eq!(after.status(), 401, "an ended session opens nothing");

    // Nothing secret in the log (at its most talkative) or in the files.
    let log = srv.stop();
    assert!(
        log.contains("login failed") && log.contains("login: a session started"),
        "{log}"
    );
    let secrets = [
        token.as_str(),
        PASSWORD,
        session.as_str(),
        ui_token.as_str(),
        login_cookie.as_str(),
        session_csrf.as_str(),
    ];
    for s in secrets {
        assert!(!log.contains(s), "a secret in the log");
    }
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for s in [
            token.as_str(),
            PASSWORD,
            session.as_str(),
            ui_token.as_str(),
        ] {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "a secret in the clear in the data folder"
            );
        }
    }
}
