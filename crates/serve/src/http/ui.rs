//! The web UI's handlers: fetch (on a blocking thread), then render a page.

use super::api::{fail, load_incident, load_incidents, query, EventParams};
use super::auth::Principal;
use super::pages::{self, HostRow, SearchForm};
use super::AppState;
use crate::secret;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use uctriage_store::{Accounts, EventQuery, Store};

/// The incident list.
pub async fn incidents(
    State(app): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Response {
    match load_incidents(&app, 200).await {
        Ok(list) => {
            Html(pages::incidents(&p, &list, &app.shared.stats()).into_string()).into_response()
        }
        Err(e) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

/// One incident.
pub async fn incident(
    State(app): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<u64>,
) -> Response {
    match load_incident(&app, id).await {
        Ok(Some(i)) => Html(pages::incident(&p, &i).into_string()).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, format!("no incident {id}\n")).into_response(),
        Err(e) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}

/// The hosts seen and their zones.
pub async fn hosts(State(app): State<AppState>, Extension(p): Extension<Principal>) -> Response {
    let rows: Vec<HostRow> = {
        let norm = app.shared.normalizer.lock().unwrap();
        norm.hosts()
            .hosts()
            .values()
            .map(|h| {
                let z = norm.zones().get(&h.name);
                HostRow {
                    name: h.name.clone(),
                    aliases: h.aliases.iter().cloned().collect(),
                    zone: z.map(|z| z.zone.clone()).unwrap_or_else(|| "UTC?".into()),
                    zone_detail: z
                        .map(|z| z.detail.clone())
                        .unwrap_or_else(|| "nothing decided yet".into()),
                }
            })
            .collect()
    };
    Html(pages::hosts(&p, &rows).into_string()).into_response()
}

/// One host's live timeline: the newest events, then new ones as they come.
pub async fn host(
    State(app): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(host): Path<String>,
) -> Response {
    let name = app.shared.normalizer.lock().unwrap().hosts().resolve(&host);
    let readers = app.readers.clone();
    let n = name.clone();
    let found = tokio::task::spawn_blocking(move || {
        readers.with(|s| {
            s.events(&EventQuery {
                host: Some(n),
                limit: 200,
                newest_first: true,
                ..Default::default()
            })
        })
    })
    .await;
    match found {
        Ok(Ok(ev)) => Html(pages::host(&p, &name, &ev).into_string()).into_response(),
        Ok(Err(e)) => fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Event search by host, kind, time and text.
pub async fn search(
    State(app): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(f): Query<SearchForm>,
) -> Response {
    let asked = [&f.host, &f.kind, &f.since, &f.until, &f.q]
        .iter()
        .any(|o| o.as_deref().is_some_and(|s| !s.trim().is_empty()));
    let results = if asked {
        let params = EventParams {
            since: f.since.clone(),
            until: f.until.clone(),
            host: f.host.clone(),
            kind: f.kind.clone(),
            q: f.q.clone(),
            after: None,
            limit: Some(500),
        };
        Some(match query(&app, &params, 500) {
            Err(e) => Err(e),
            Ok(q) => {
                let readers = app.readers.clone();
                tokio::task::spawn_blocking(move || readers.with(|s| s.events(&q)))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()))
            }
        })
    } else {
        None
    };
    Html(pages::search(&p, &f, results).into_string()).into_response()
}

/// The API token page.
pub async fn tokens(Extension(p): Extension<Principal>) -> Response {
    Html(pages::tokens(&p, None).into_string()).into_response()
}

/// The form that makes a token.
#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    label: String,
}

/// Make an API token and show it once.
pub async fn new_token(
    State(app): State<AppState>,
    Extension(p): Extension<Principal>,
    Form(f): Form<TokenForm>,
) -> Response {
    if !p.csrf_ok(&f.csrf) {
        return (StatusCode::FORBIDDEN, "CSRF token missing or wrong\n").into_response();
    }
    let label: String = f
        .label
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let token = secret::new_token();
    let hash = secret::digest(&token);
    let accounts = app.accounts.clone();
    let label = format!("{label} (made by {} in the UI)", p.user);
    let done =
        tokio::task::spawn_blocking(move || accounts.lock().unwrap().add_token(&hash, &label))
            .await;
    match done {
        Ok(Ok(())) => {
            crate::log::info("an API token was made in the UI");
            Html(pages::tokens(&p, Some(&token)).into_string()).into_response()
        }
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "could not keep the token\n",
        )
            .into_response(),
    }
}
