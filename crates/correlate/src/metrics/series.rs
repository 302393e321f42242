//! Samples grouped into series: one per host, metric class and counter.

use serde::Serialize;
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind};
use uctriage_knowledge::Knowledge;

/// One counter of one host over time.
#[derive(Clone, Debug, Serialize)]
pub struct Series {
    /// Canonical host (the node, the ESXi host, or a ping target).
    pub host: String,
    /// For a ping series, the host that sent the pings.
    pub from: Option<String>,
    /// Metric class (`cpu_percent`, `disk_latency_ms`, `ping_rtt_ms`, ...).
    pub metric: String,
    /// The counter as the file names it.
    pub counter: String,
    /// Unit for axes.
    pub unit: String,
    /// (instant, value), in time order.
    pub points: Vec<(Timestamp, f64)>,
    /// File the samples came from (first one).
    pub file: String,
    /// 1-based line of each point in `file` (same order as `points`).
    pub lines: Vec<u64>,
}

/// Build every series the bundle's metric samples and pings make. A ping
/// series belongs to its target (resolved to a host by `resolve`); its loss
/// is what each run's statistics report, or per probe when no run does.
pub fn build_series<'e>(
    events: impl IntoIterator<Item = &'e Event>,
    kb: &Knowledge,
    resolve: &dyn Fn(&str) -> String,
) -> Vec<Series> {
    let mut map: BTreeMap<(String, String, String), Series> = BTreeMap::new();
    // Loss per probe, used only for pings whose runs report no statistics.
    let mut probe_loss: BTreeMap<(String, String, String), Series> = BTreeMap::new();
    let mut reported_loss: std::collections::BTreeSet<(String, String)> = Default::default();
    for e in events {
        let (Some(t), Some(host)) = (e.time, e.host.clone()) else {
            continue;
        };
        match e.kind {
            Kind::MetricSample => {
                for (counter, value) in &e.fields {
                    let Some(class) = kb.metric_class(counter) else {
                        continue;
                    };
                    let Ok(v) = value.trim().parse::<f64>() else {
                        continue;
                    };
                    push(
                        &mut map,
                        (&host, None),
                        &class.metric,
                        counter,
                        &class.unit,
                        t,
                        v,
                        e,
                    );
                }
            }
            Kind::Ping => {
                let Some(target) = e.fields.get("target") else {
                    continue;
                };
                let (subject, name) = (resolve(target), format!("ping from {host}"));
                let from = Some(host.as_str());
                // A run's statistics line says what was lost (ping -D
                // prints no line for a lost probe, so the probes alone
                // would show no loss at all): it becomes the loss series.
                if let Some(loss) = e.fields.get("loss_pct").and_then(|v| v.parse::<f64>().ok()) {
                    reported_loss.insert((subject.clone(), name.clone()));
                    push(
                        &mut map,
                        (&subject, from),
                        "ping_loss_percent",
                        &name,
                        "%",
                        t,
                        loss,
                        e,
                    );
                    continue;
                }
                let lost = e.fields.get("lost").is_some_and(|l| l == "true");
                if let Some(rtt) = e.fields.get("rtt_ms").and_then(|v| v.parse::<f64>().ok()) {
                    push(
                        &mut map,
                        (&subject, from),
                        "ping_rtt_ms",
                        &name,
                        "ms",
                        t,
                        rtt,
                        e,
                    );
                }
                if lost || e.fields.contains_key("rtt_ms") {
                    let loss = if lost { 100.0 } else { 0.0 };
                    push(
                        &mut probe_loss,
                        (&subject, from),
                        "ping_loss_percent",
                        &name,
                        "%",
                        t,
                        loss,
                        e,
                    );
                }
            }
            _ => {}
        }
    }
    for (key, series) in probe_loss {
        if !reported_loss.contains(&(key.0.clone(), key.2.clone())) {
            map.insert(key, series);
        }
    }
    let mut out: Vec<Series> = map.into_values().collect();
    for s in &mut out {
        let mut idx: Vec<usize> = (0..s.points.len()).collect();
        idx.sort_by_key(|&i| s.points[i].0);
        s.points = idx.iter().map(|&i| s.points[i]).collect();
        s.lines = idx.iter().map(|&i| s.lines[i]).collect();
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn push(
    map: &mut BTreeMap<(String, String, String), Series>,
    (host, from): (&str, Option<&str>),
    metric: &str,
    counter: &str,
    unit: &str,
    t: Timestamp,
    v: f64,
    e: &Event,
) {
    let s = map
        .entry((host.to_string(), metric.to_string(), counter.to_string()))
        .or_insert_with(|| Series {
            host: host.to_string(),
            from: from.map(str::to_string),
            metric: metric.to_string(),
            counter: counter.to_string(),
            unit: unit.to_string(),
            points: Vec::new(),
            file: e.evidence.file.to_string(),
            lines: Vec::new(),
        });
    s.points.push((t, v));
    s.lines.push(e.evidence.line);
}
