//! The API: `/healthz`, `/api/v1/stats`, `/api/v1/incidents[/{id}[/report.html]]`
//! and `/api/v1/events` (NDJSON in `uctriage timeline --format json`'s format).

use super::AppState;
use crate::correlate_window::{explain, window_bundle};
use crate::correlator::window_events;
use crate::incidents::Incident;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::atomic::Ordering;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Kind;
use uctriage_store::{EventQuery, Store};

/// An error answer: status and one line of JSON.
pub(super) fn fail(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": msg.into() }))).into_response()
}

/// Alive, and whether the store takes writes (503 when it does not).
pub async fn healthz(State(app): State<AppState>) -> Response {
    let problem = app.shared.store_problem.lock().unwrap().clone();
    match problem {
        None => (StatusCode::OK, "ok\n").into_response(),
        Some(p) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("degraded: store {p}\n"),
        )
            .into_response(),
    }
}

/// Counters of the receivers, the store, correlation and webhooks.
pub async fn stats(State(app): State<AppState>) -> Response {
    let mut s = app.shared.stats();
    let c = &app.corr_stats;
    s["correlation"] = serde_json::json!({
        "runs": c.runs.load(Ordering::Relaxed),
        "last_window_events": c.last_events.load(Ordering::Relaxed),
        "last_run_ms": c.last_ms.load(Ordering::Relaxed),
        "events_read": c.read.load(Ordering::Relaxed),
        "window_loads": c.loads.load(Ordering::Relaxed),
    });
    let w = &app.webhooks;
    s["webhooks"] = serde_json::json!({
        "delivered": w.delivered.load(Ordering::Relaxed),
        "failed": w.failed.load(Ordering::Relaxed),
        "dropped": w.dropped.load(Ordering::Relaxed),
    });
    s["started"] = serde_json::json!(app.started);
    Json(s).into_response()
}

/// Incidents from the store, newest first.
pub(super) async fn load_incidents(app: &AppState, limit: usize) -> Result<Vec<Incident>, String> {
    let readers = app.readers.clone();
    let rows = tokio::task::spawn_blocking(move || readers.with(|s| s.incidents(false, limit)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.doc).ok())
        .collect())
}

/// One incident from the store.
pub(super) async fn load_incident(app: &AppState, id: u64) -> Result<Option<Incident>, String> {
    let readers = app.readers.clone();
    let row = tokio::task::spawn_blocking(move || readers.with(|s| s.incident(id)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(row.and_then(|r| serde_json::from_str(&r.doc).ok()))
}

/// `{"incidents": [...]}`.
pub async fn incidents(State(app): State<AppState>) -> Response {
    match load_incidents(&app, 1000).await {
        Ok(list) => Json(serde_json::json!({ "incidents": list })).into_response(),
        Err(e) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

/// One incident.
pub async fn incident(State(app): State<AppState>, Path(id): Path<u64>) -> Response {
    match load_incident(&app, id).await {
        Ok(Some(i)) => Json(i).into_response(),
        Ok(None) => fail(StatusCode::NOT_FOUND, format!("no incident {id}")),
        Err(e) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

/// The HTML report of `analyze`, for the window that last updated the incident.
pub async fn report(State(app): State<AppState>, Path(id): Path<u64>) -> Response {
    let inc = match load_incident(&app, id).await {
        Ok(Some(i)) => i,
        Ok(None) => return fail(StatusCode::NOT_FOUND, format!("no incident {id}")),
        Err(e) => return fail(StatusCode::SERVICE_UNAVAILABLE, e),
    };
    let a = app.clone();
    let html = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let events = window_events(&a.readers, inc.window, a.correlation.max_events)?;
        let bundle = {
            let norm = a.shared.normalizer.lock().unwrap();
            window_bundle(events, &norm)
        };
        let analysis = explain(&bundle, &a.kb, a.topology.as_deref());
        let style = uctriage_report::TimeStyle {
            tz: bundle.display.tz.clone(),
            name: bundle.display.zone.clone(),
        };
        let mut out = Vec::new();
        uctriage_report::analysis_html(&mut out, &analysis, &bundle, &style)
            .map_err(|e| e.to_string())?;
        Ok(out)
    })
    .await;
    match html {
        Ok(Ok(body)) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                // The report's own policy: its inline style and script, nothing else.
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                ),
            ],
            body,
        )
            .into_response(),
        Ok(Err(e)) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Query parameters of `/api/v1/events` (and the search page).
#[derive(Debug, Default, Deserialize)]
pub struct EventParams {
    /// From: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in UTC.
    pub since: Option<String>,
    /// To (same forms).
    pub until: Option<String>,
    /// Host: any of its names or addresses.
    pub host: Option<String>,
    /// Kinds, comma-separated.
    pub kind: Option<String>,
    /// Text in the summary or the raw message (case-insensitive).
    pub q: Option<String>,
    /// Only events of messages after this message id (the `line` of an
    /// event): what arrived since the last call.
    pub after: Option<u64>,
    /// At most this many (default 1000, at most 50000).
    pub limit: Option<usize>,
}

/// A time given by a user: RFC 3339, or a civil time read in UTC.
pub(super) fn parse_time(s: &str) -> Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil = s.replacen(' ', "T", 1);
    civil
        .parse::<DateTime>()
        .ok()
        .and_then(|dt| TimeZone::UTC.to_timestamp(dt).ok())
        .ok_or_else(|| {
            format!("`{s}` is not a time: use RFC 3339 or `YYYY-MM-DD HH:MM[:SS]` (UTC)")
        })
}

/// The store query for the parameters.
pub(super) fn query(
    app: &AppState,
    p: &EventParams,
    default_limit: usize,
) -> Result<EventQuery, String> {
    let nonempty = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let kinds = match nonempty(&p.kind) {
        None => Vec::new(),
        Some(k) => k
            .split(',')
            .map(|k| Kind::parse(k.trim()).ok_or_else(|| format!("unknown kind `{}`", k.trim())))
            .collect::<Result<_, _>>()?,
    };
    let host = nonempty(&p.host).map(|h| app.shared.normalizer.lock().unwrap().hosts().resolve(&h));
    Ok(EventQuery {
        since: nonempty(&p.since).map(|s| parse_time(&s)).transpose()?,
        until: nonempty(&p.until).map(|s| parse_time(&s)).transpose()?,
        host,
        kinds,
        text: nonempty(&p.q),
        after_message: p.after,
        limit: p.limit.unwrap_or(default_limit).clamp(1, 50_000),
        newest_first: false,
    })
}

/// Events as NDJSON, in `timeline --format json`'s format, oldest first.
pub async fn events(State(app): State<AppState>, Query(p): Query<EventParams>) -> Response {
    let q = match query(&app, &p, 1000) {
        Ok(q) => q,
        Err(e) => return fail(StatusCode::BAD_REQUEST, e),
    };
    let readers = app.readers.clone();
    let found = tokio::task::spawn_blocking(move || readers.with(|s| s.events(&q))).await;
    match found {
        Ok(Ok(events)) => {
            let mut out = Vec::with_capacity(events.len() * 600);
            if let Err(e) = uctriage_report::timeline_ndjson(&mut out, &events) {
                return fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
            }
            (
                [(header::CONTENT_TYPE, "application/x-ndjson")],
                Body::from(out),
            )
                .into_response()
        }
        Ok(Err(e)) => fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
