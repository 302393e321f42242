//! Who is asking: API tokens (`Authorization: Bearer`) and UI sessions.
//!
//! A session cookie is `HttpOnly`, `Secure` and `SameSite=Strict`, and every
//! state-changing form carries the session's CSRF token, checked in constant
//! time. The login form has its own CSRF token (a short-lived cookie and a
//! hidden field that must agree). Only hashes of tokens and cookies reach the
//! store; failed logins answer the same whatever was wrong, after the same
//! Argon2 work.

use super::{pages, AppState};
use crate::secret;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_store::{Accounts, Session};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "uct_session";
const LOGIN_COOKIE: &str = "uct_login";
const SESSION_HOURS: i64 = 12;

/// Who made a request.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The user, or `api token`.
    pub user: String,
    /// The session's CSRF token (None for API tokens, which browsers never
    /// send on their own, so they need none).
    pub csrf: Option<String>,
    /// The session cookie's hash (to end it).
    pub session: Option<String>,
}

impl Principal {
    /// Does a form's CSRF token belong to this session?
    pub fn csrf_ok(&self, given: &str) -> bool {
        match &self.csrf {
            Some(c) => secret::same(c, given),
            None => true,
        }
    }
}

fn public(path: &str) -> bool {
    path == "/healthz" || path == "/login" || path == "/favicon.ico" || path.starts_with("/static/")
}

/// The gate in front of every route.
pub async fn require(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    if public(req.uri().path()) {
        return next.run(req).await;
    }
    match identify(&app, req.headers()).await {
        Some(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        None if req.uri().path().starts_with("/api/") => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(serde_json::json!({"error": "authentication required: Authorization: Bearer <token>"})),
        )
            .into_response(),
        None => Redirect::to("/login").into_response(),
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

async fn identify(app: &AppState, headers: &HeaderMap) -> Option<Principal> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?
            .trim()
            .to_string();
        let hash = secret::digest(&token);
        let readers = app.readers.clone();
        let known = tokio::task::spawn_blocking(move || readers.with(|s| s.token_known(&hash)))
            .await
            .ok()?
            .ok()?;
        return known.then(|| Principal {
            user: "api token".into(),
            csrf: None,
            session: None,
        });
    }
    let cookie = cookie_value(headers, SESSION_COOKIE)?;
    let hash = secret::digest(&cookie);
    let readers = app.readers.clone();
    let h = hash.clone();
    let session =
        tokio::task::spawn_blocking(move || readers.with(|s| s.session(&h, Timestamp::now())))
            .await
            .ok()?
            .ok()??;
    Some(Principal {
        user: session.user,
        csrf: Some(session.csrf),
        session: Some(hash),
    })
}

fn set_cookie(res: &mut Response, c: Cookie<'static>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn strict(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path(path)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}

/// The login form, with its CSRF token in a cookie and a hidden field (the
/// cookie's token is kept while it lasts, so two tabs, or a page and its
/// favicon, never invalidate each other).
pub async fn login_page(headers: HeaderMap) -> Response {
    login_form(&headers, None, StatusCode::OK)
}

fn login_form(headers: &HeaderMap, error: Option<&str>, status: StatusCode) -> Response {
    let csrf = cookie_value(headers, LOGIN_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(secret::random_hex);
    let mut res = (
        status,
        axum::response::Html(pages::login(&csrf, error).into_string()),
    )
        .into_response();
    set_cookie(&mut res, strict(LOGIN_COOKIE, csrf, "/login", 600));
    res
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    csrf: String,
}

/// Check a login; on success start a session.
pub async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let expected = cookie_value(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !secret::same(&expected, &f.csrf) {
        return login_form(
            &headers,
            Some("The form expired: try again."),
            StatusCode::FORBIDDEN,
        );
    }
    let readers = app.readers.clone();
    let user = f.user.clone();
    let ok = tokio::task::spawn_blocking(move || {
        let phc = readers.with(|s| s.user_hash(&user)).ok().flatten();
        // Unknown users cost the same Argon2 work as known ones.
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| DUMMY_PHC.clone());
        secret::verify_password(&f.password, &phc) && known
    })
    .await
    .unwrap_or(false);
    if !ok {
        crate::log::warn("login failed");
        return login_form(
            &headers,
            Some("Wrong user or password."),
            StatusCode::UNAUTHORIZED,
        );
    }
    let token = secret::random_hex();
    let session = Session {
        user: f.user.clone(),
        csrf: secret::random_hex(),
        expires: Timestamp::now() + SignedDuration::from_hours(SESSION_HOURS),
    };
    let hash = secret::digest(&token);
    let accounts = app.accounts.clone();
    let stored =
        tokio::task::spawn_blocking(move || accounts.lock().unwrap().add_session(&hash, &session))
            .await;
    if !matches!(stored, Ok(Ok(()))) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "could not start a session\n",
        )
            .into_response();
    }
    crate::log::info("login: a session started");
    let mut res = Redirect::to("/").into_response();
    set_cookie(
        &mut res,
        strict(SESSION_COOKIE, token, "/", SESSION_HOURS * 3600),
    );
    set_cookie(&mut res, strict(LOGIN_COOKIE, String::new(), "/login", 0));
    res
}

/// A hash no password is known to match (of random bytes, made once),
/// verified for unknown users.
static DUMMY_PHC: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| secret::hash_password(&secret::random_hex()).unwrap_or_default());

/// A form that carries only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: String,
}

/// End the session.
pub async fn logout(
    State(app): State<AppState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !p.csrf_ok(&f.csrf) {
        return (StatusCode::FORBIDDEN, "CSRF token missing or wrong\n").into_response();
    }
    if let Some(hash) = p.session {
        let accounts = app.accounts.clone();
        let _ =
            tokio::task::spawn_blocking(move || accounts.lock().unwrap().end_session(&hash)).await;
    }
    let mut res = Redirect::to("/login").into_response();
    set_cookie(&mut res, strict(SESSION_COOKIE, String::new(), "/", 0));
    res
}
