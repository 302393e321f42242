//! The HTTP server: the API under `/api/v1`, the web UI, `/healthz`.
//!
//! Every route but `/healthz`, the login page and the static assets passes
//! through [`auth::require`]: an `Authorization: Bearer` token or a UI
//! session cookie. Pages are rendered on the server (maud escapes every
//! value); the only script is a small same-origin file that refreshes pages
//! and streams a host's new events, and a Content Security Policy forbids
//! anything else, so the UI needs no network beyond this server.

mod api;
mod assets;
mod auth;
mod pages;
mod ui;

use crate::correlator::{RunStats, Settings};
use crate::pipeline::Shared;
use crate::webhook::WebhookStats;
use crate::{log, Readers};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use uctriage_correlate::TopologyFile;
use uctriage_knowledge::Knowledge;
use uctriage_store::SqliteStore;

/// What the handlers share.
pub struct App {
    /// The data folder.
    pub data: PathBuf,
    /// Pipeline state.
    pub shared: Arc<Shared>,
    /// Read connections.
    pub readers: Arc<Readers>,
    /// A writing connection for sessions and tokens.
    pub accounts: Arc<Mutex<SqliteStore>>,
    /// Knowledge (for the reports).
    pub kb: Arc<Knowledge>,
    /// The user's topology file.
    pub topology: Option<Arc<(TopologyFile, String)>>,
    /// Correlation settings (the report re-runs an incident's window).
    pub correlation: Settings,
    /// Correlation run statistics.
    pub corr_stats: Arc<RunStats>,
    /// Webhook counters.
    pub webhooks: Arc<WebhookStats>,
    /// When the server started.
    pub started: uctriage_core::jiff::Timestamp,
}

type AppState = Arc<App>;

/// The routes.
pub fn router(app: App) -> Router {
    let state: AppState = Arc::new(app);
    Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/v1/stats", get(api::stats))
        .route("/api/v1/incidents", get(api::incidents))
        .route("/api/v1/incidents/{id}", get(api::incident))
        .route("/api/v1/incidents/{id}/report.html", get(api::report))
        .route("/api/v1/events", get(api::events))
        .route("/", get(ui::incidents))
        .route("/incidents/{id}", get(ui::incident))
        .route("/hosts", get(ui::hosts))
        .route("/hosts/{host}", get(ui::host))
        .route("/search", get(ui::search))
        .route("/tokens", get(ui::tokens).post(ui::new_token))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/favicon.ico", get(not_found))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), auth::require))
        .layer(middleware::from_fn(harden))
        .with_state(state)
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// Security headers on every answer, and one log line per request (method,
/// path without the query, status: never a header, never a secret).
async fn harden(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler may set its own (the HTML report needs its inline script).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if path != "/healthz" {
        log::info(&format!("http {method} {path} {}", res.status().as_u16()));
    }
    res
}

/// Serve HTTP (HTTPS with `tls`) until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = router(app);
    let result = match tls {
        None => {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }
        Some(acceptor) => {
            axum::serve(TlsListener::new(listener, acceptor), router)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    if let Err(e) = result {
        log::warn(&format!("HTTP server: {e}"));
    }
}

/// A listener that hands axum TLS streams; handshakes run on their own
/// tasks, so a slow client never holds up the others.
struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(
        tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
        std::net::SocketAddr,
    )>,
    local: std::net::SocketAddr,
}

impl TlsListener {
    fn new(listener: tokio::net::TcpListener, acceptor: tokio_rustls::TlsAcceptor) -> TlsListener {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, peer)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    continue;
                };
                let (acceptor, handed) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let hs = tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(tcp),
                    )
                    .await;
                    if let Ok(Ok(s)) = hs {
                        let _ = handed.send((s, peer)).await;
                    }
                });
                if tx.is_closed() {
                    return;
                }
            }
        });
        TlsListener { rx, local }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(x) => x,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
