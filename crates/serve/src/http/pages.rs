//! The web UI's pages, rendered on the server with maud (every value escaped).
//! Times are shown in UTC, marked `?` where the host's zone is unknown (the
//! instant assumed the host ran in UTC), with how each was decided on hover.

use super::auth::Principal;
use crate::incidents::Incident;
use maud::{html, Markup, DOCTYPE};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind, ZoneSource};

fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

fn opt_utc(t: Option<Timestamp>) -> String {
    t.map(utc).unwrap_or_else(|| "—".into())
}

/// A whole page around `body`. `refresh`: reload every so many seconds.
pub fn layout(title: &str, who: Option<&Principal>, refresh: Option<u32>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — uctriage" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body data-refresh=[refresh] {
                header {
                    strong { "uctriage serve" }
                    @if let Some(p) = who {
                        nav {
                            a href="/" { "Incidents" }
                            a href="/hosts" { "Hosts" }
                            a href="/search" { "Search" }
                            a href="/tokens" { "API tokens" }
                        }
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(p.csrf.as_deref().unwrap_or(""));
                            span.user { (p.user) }
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
                footer { "Times in UTC; " span.unknown { "?" } " = the host's zone is unknown (read as UTC)." }
            }
        }
    }
}

/// The login form.
pub fn login(csrf: &str, error: Option<&str>) -> Markup {
    layout(
        "Log in",
        None,
        None,
        html! {
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form.login method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label { "User " input name="user" autocomplete="username" required; }
                label { "Password " input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { "Log in" }
            }
        },
    )
}

/// The incident list.
pub fn incidents(who: &Principal, list: &[Incident], stats: &serde_json::Value) -> Markup {
    layout(
        "Incidents",
        Some(who),
        Some(10),
        html! {
            p.stats {
                "Received " b { (stats["received"]) } ", stored " b { (stats["stored"]) }
                ", dropped " b { (stats["dropped"]) } ", malformed " b { (stats["malformed"]) }
                ". Store: " b.store { (stats["store"].as_str().unwrap_or("?")) } "."
            }
            @if list.is_empty() {
                p.empty { "No incident yet. Findings appear here within seconds of the messages that prove them." }
            } @else {
                table.incidents {
                    thead { tr { th { "#" } th { "Status" } th { "What" } th { "Hosts" } th { "From" } th { "To" } th { "Opened" } th { "Updated" } } }
                    tbody {
                        @for i in list {
                            tr.(i.status.as_str()) data-incident=(i.id) {
                                td { (i.id) }
                                td { span.status { (i.status.as_str()) } }
                                td { a href={ "/incidents/" (i.id) } { (i.title) } }
                                td { (i.hosts.join(", ")) }
                                td { (opt_utc(i.start)) }
                                td { (opt_utc(i.end)) }
                                td { (utc(i.opened)) }
                                td { (utc(i.updated)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One incident: its findings and the link to its report.
pub fn incident(who: &Principal, i: &Incident) -> Markup {
    let findings = i.findings.as_array().cloned().unwrap_or_default();
    layout(
        &format!("Incident {}: {}", i.id, i.title),
        Some(who),
        (i.status == crate::incidents::Status::Open).then_some(15),
        html! {
            p {
                span.status { (i.status.as_str()) } " · opened " (utc(i.opened)) " · updated " (utc(i.updated))
                @if let Some(c) = i.closed { " · closed " (utc(c)) }
                @if let Some(w) = &i.closed_because { " (" (w) ")" }
            }
            p { a.report href={ "/api/v1/incidents/" (i.id) "/report.html" } { "Full report (the HTML report of analyze)" }
                " · " a href={ "/api/v1/incidents/" (i.id) } { "JSON" } }
            @for f in &findings {
                section.finding data-kind=(f["kind"].as_str().unwrap_or("")) {
                    h2 { span.kind { (f["kind"].as_str().unwrap_or("")) } " " (f["title"].as_str().unwrap_or("")) }
                    p { (f["summary"].as_str().unwrap_or("")) }
                    @if let Some(ev) = f["evidence"].as_array().filter(|e| !e.is_empty()) {
                        details {
                            summary { (ev.len()) " lines of evidence" }
                            ul.evidence {
                                @for e in ev {
                                    li { code { (e["file"].as_str().unwrap_or("")) ":" (e["line"]) } " " (e["text"].as_str().unwrap_or("")) }
                                }
                            }
                        }
                    }
                    @if let Some(n) = f["next_checks"].as_array() {
                        @if !n.is_empty() {
                            ul.next { @for c in n { li { (c.as_str().unwrap_or("")) } } }
                        }
                    }
                }
            }
            @if !i.notes.is_empty() {
                h2 { "Notes" }
                ul { @for n in &i.notes { li { (n) } } }
            }
        },
    )
}

/// A host as the hosts page lists it.
pub struct HostRow {
    /// Canonical name.
    pub name: String,
    /// Other names seen.
    pub aliases: Vec<String>,
    /// Its zone.
    pub zone: String,
    /// How the zone was decided.
    pub zone_detail: String,
}

/// The hosts seen, with their zones and how those were decided.
pub fn hosts(who: &Principal, rows: &[HostRow]) -> Markup {
    layout(
        "Hosts",
        Some(who),
        Some(30),
        html! {
            @if rows.is_empty() { p.empty { "No host has sent anything yet." } }
            table.hosts {
                thead { tr { th { "Host" } th { "Also known as" } th { "Zone" } th { "How the zone was decided" } } }
                tbody {
                    @for h in rows {
                        tr {
                            td { a href={ "/hosts/" (h.name) } { (h.name) } }
                            td { (h.aliases.join(", ")) }
                            td { (h.zone) }
                            td { (h.zone_detail) }
                        }
                    }
                }
            }
        },
    )
}

/// A table of events, newest first; rows carry their message id for live updates.
pub fn events_table(events: &[Event], live: Option<&str>) -> Markup {
    html! {
        table.events data-live-host=[live] {
            thead { tr { th { "Time (UTC)" } th { "Host" } th { "Kind" } th { "Severity" } th { "What" } th { "Source" } } }
            tbody {
                @for e in events {
                    tr data-line=(e.evidence.line) {
                        td title=(e.clock.detail) {
                            (opt_utc(e.time))
                            @if e.clock.zone_source == ZoneSource::Unknown && e.time.is_some() { span.unknown { "?" } }
                        }
                        td { (e.host.as_deref().unwrap_or("—")) }
                        td { (e.kind.as_str()) }
                        td { (e.severity.as_str()) }
                        td title=(e.evidence.text) { (e.summary) }
                        td { code { (e.evidence.file) ":" (e.evidence.line) } }
                    }
                }
            }
        }
    }
}

/// One host's live timeline.
pub fn host(who: &Principal, host: &str, events: &[Event]) -> Markup {
    layout(
        &format!("Timeline of {host}"),
        Some(who),
        None,
        html! {
            p { "The newest " (events.len()) " events; new ones appear at the top as they arrive." }
            (events_table(events, Some(host)))
        },
    )
}

/// The search form's values.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SearchForm {
    /// Host (any of its names).
    pub host: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// From (RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in UTC).
    pub since: Option<String>,
    /// To.
    pub until: Option<String>,
    /// Text in the summary or the raw message.
    pub q: Option<String>,
}

/// The search page, with results when a search was made.
pub fn search(
    who: &Principal,
    f: &SearchForm,
    results: Option<Result<Vec<Event>, String>>,
) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    layout(
        "Search events",
        Some(who),
        None,
        html! {
            form.search method="get" action="/search" {
                label { "Host " input name="host" value=(v(&f.host)); }
                label { "Kind "
                    select name="kind" {
                        option value="" { "any" }
                        @for k in Kind::ALL {
                            option value=(k.as_str()) selected[f.kind.as_deref() == Some(k.as_str())] { (k.as_str()) }
                        }
                    }
                }
                label { "From " input name="since" placeholder="2019-07-12 17:00" value=(v(&f.since)); }
                label { "To " input name="until" placeholder="2019-07-12 18:00" value=(v(&f.until)); }
                label { "Text " input name="q" value=(v(&f.q)); }
                button type="submit" { "Search" }
            }
            @match results {
                None => {}
                Some(Err(e)) => { p.error role="alert" { (e) } }
                Some(Ok(ev)) => {
                    p.count { (ev.len()) " events" @if ev.len() >= 500 { " (the first 500)" } }
                    (events_table(&ev, None))
                }
            }
        },
    )
}

/// The API token page (a new token is shown once, right after it is made).
pub fn tokens(who: &Principal, new: Option<&str>) -> Markup {
    layout(
        "API tokens",
        Some(who),
        None,
        html! {
            p { "Scripts use " code { "Authorization: Bearer <token>" } ". The server keeps only a hash of each token: a token is shown once, here, when it is made." }
            @if let Some(t) = new {
                p.new-token { "New token (copy it now): " code.token { (t) } }
            }
            form method="post" action="/tokens" {
                input type="hidden" name="csrf" value=(who.csrf.as_deref().unwrap_or(""));
                label { "Label " input name="label" required maxlength="64"; }
                button type="submit" { "Make a token" }
            }
        },
    )
}
