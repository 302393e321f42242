//! Episodes: when a series left its normal band, and when it came back.
//!
//! The band's edge is a threshold with a public source when the knowledge
//! base has one for the metric class (e.g. 20 ms disk latency for UC VMs);
//! otherwise the series' own baseline (median plus a multiple of the median
//! absolute deviation, never less than a floor), which the episode says.
//! Hysteresis: an episode ends only after `exit_samples` samples back below
//! `exit_ratio` × the edge; one shorter than `min_duration_s` is dropped.

use super::series::Series;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Evidence;
use uctriage_knowledge::{Knowledge, Scope};

/// One departure from the normal band.
#[derive(Clone, Debug, Serialize)]
pub struct Episode {
    /// Host.
    pub host: String,
    /// Metric class.
    pub metric: String,
    /// Counter.
    pub counter: String,
    /// Unit.
    pub unit: String,
    /// First sample out of band.
    pub start: Timestamp,
    /// First sample back in band (None: still out when the data ends).
    pub end: Option<Timestamp>,
    /// True when the data already starts out of band (the episode began earlier).
    pub open_start: bool,
    /// True when it began long before the impact (set by the analysis).
    pub pre_existing: bool,
    /// Worst value.
    pub peak: f64,
    /// When the worst value was seen.
    pub peak_at: Timestamp,
    /// The band's edge.
    pub threshold: f64,
    /// How far the peak went past the edge (in the unit).
    pub over_by: f64,
    /// Where the edge comes from.
    pub basis: String,
    /// Source keys of the threshold (empty for a baseline).
    pub sources: Vec<String>,
    /// The samples that prove it: first, peak, last.
    pub evidence: Vec<Evidence>,
}

/// How episodes are found: the `metric_episodes` rule's parameters.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodeConfig {
    /// An episode ends when samples are back under `exit_ratio` × the edge ...
    pub exit_ratio: f64,
    /// ... for this many samples in a row.
    pub exit_samples: usize,
    /// Episodes shorter than this are dropped (unless a threshold gives its own).
    pub min_duration_s: i64,
    /// A baseline edge is the median plus this many median absolute deviations ...
    pub baseline_mad_k: f64,
    /// ... but at least this far from the median, per metric class.
    pub floors: BTreeMap<String, f64>,
    /// ... or this far for a class without a floor.
    pub default_floor: f64,
    /// Series with fewer samples are not judged.
    pub min_points: usize,
    /// An episode that began this long before the impact is pre-existing.
    pub pre_existing_s: i64,
}

/// Detect the episodes of every series. `in_scope` says whether a threshold
/// of that scope may judge a series; a series no sourced threshold may judge
/// is judged against its own baseline.
pub fn detect_episodes(
    series: &[Series],
    kb: &Knowledge,
    cfg: &EpisodeConfig,
    in_scope: &dyn Fn(&Series, Scope) -> bool,
) -> Vec<Episode> {
    let mut out = Vec::new();
    for s in series.iter().filter(|s| s.points.len() >= cfg.min_points) {
        let low_is_bad = kb
            .metrics
            .metric_class
            .iter()
            .any(|c| c.metric == s.metric && c.bad == "low");
        let Some(edge) = edge(s, kb, cfg, low_is_bad, in_scope) else {
            continue;
        };
        out.extend(scan(s, &edge, cfg, low_is_bad));
    }
    out.sort_by_key(|e| e.start);
    out
}

struct Edge {
    value: f64,
    basis: String,
    sources: Vec<String>,
    min_duration_s: i64,
}

/// The band's edge for a series: a sourced threshold, or its baseline.
fn edge(
    s: &Series,
    kb: &Knowledge,
    cfg: &EpisodeConfig,
    low_is_bad: bool,
    in_scope: &dyn Fn(&Series, Scope) -> bool,
) -> Option<Edge> {
    if let Some(t) = kb
        .thresholds_for(&s.metric)
        .filter(|t| in_scope(s, t.scope))
        .min_by(|a, b| a.above.total_cmp(&b.above))
    {
        return Some(Edge {
            value: t.above,
            basis: format!("threshold {} ({} {})", t.id, t.above, s.unit),
            sources: t.sources.clone(),
            min_duration_s: t.min_duration_s.map_or(cfg.min_duration_s, |d| d as i64),
        });
    }
    let mut v: Vec<f64> = s.points.iter().map(|p| p.1).collect();
    v.sort_by(f64::total_cmp);
    let median = v[v.len() / 2];
    let mut dev: Vec<f64> = v.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = dev[dev.len() / 2];
    let floor = cfg
        .floors
        .get(&s.metric)
        .copied()
        .unwrap_or(cfg.default_floor);
    let spread = (cfg.baseline_mad_k * mad).max(floor);
    let value = if low_is_bad {
        median - spread
    } else {
        median + spread
    };
    if low_is_bad && value <= 0.0 {
        return None;
    }
    Some(Edge {
        value,
        basis: format!(
            "no sourced threshold: baseline median {median:.1} {} ± {spread:.1}",
            s.unit
        ),
        sources: Vec::new(),
        min_duration_s: cfg.min_duration_s,
    })
}

fn scan(s: &Series, edge: &Edge, cfg: &EpisodeConfig, low_is_bad: bool) -> Vec<Episode> {
    let out_of_band = |v: f64| {
        if low_is_bad {
            v < edge.value
        } else {
            v > edge.value
        }
    };
    let back = |v: f64| {
        if low_is_bad {
            v >= edge.value / cfg.exit_ratio
        } else {
            v <= edge.value * cfg.exit_ratio
        }
    };
    let mut episodes = Vec::new();
    let mut cur: Option<(usize, usize, usize)> = None; // (start, peak, last out-of-band index)
    let mut calm = 0;
    for (i, &(_, v)) in s.points.iter().enumerate() {
        match cur.as_mut() {
            None if out_of_band(v) => {
                cur = Some((i, i, i));
                calm = 0;
            }
            None => {}
            Some((_, peak, last)) => {
                let worse = if low_is_bad {
                    v < s.points[*peak].1
                } else {
                    v > s.points[*peak].1
                };
                if worse {
                    *peak = i;
                }
                if back(v) {
                    calm += 1;
                    if calm >= cfg.exit_samples {
                        let (a, p, l) = cur.take().unwrap();
                        episodes.extend(finish(s, edge, a, p, l, Some(i + 1 - cfg.exit_samples)));
                    }
                } else {
                    calm = 0;
                    if out_of_band(v) {
                        *last = i;
                    }
                }
            }
        }
    }
    if let Some((a, p, l)) = cur {
        episodes.extend(finish(s, edge, a, p, l, None));
    }
    episodes
}

fn finish(
    s: &Series,
    edge: &Edge,
    a: usize,
    p: usize,
    l: usize,
    back: Option<usize>,
) -> Option<Episode> {
    let start = s.points[a].0;
    let end = back.map(|b| s.points[b].0);
    // Time seen out of band: from the first to the last sample over the edge.
    if s.points[l].0.duration_since(start).as_secs() < edge.min_duration_s && end.is_some() {
        return None;
    }
    let ev = |i: usize| Evidence {
        file: s.file.as_str().into(),
        line: s.lines[i],
        text: format!("{} = {} {}", s.counter, s.points[i].1, s.unit).into(),
    };
    let mut evidence = vec![ev(a)];
    if p != a {
        evidence.push(ev(p));
    }
    if let Some(b) = back {
        evidence.push(ev(b));
    }
    Some(Episode {
        host: s.host.clone(),
        metric: s.metric.clone(),
        counter: s.counter.clone(),
        unit: s.unit.clone(),
        start,
        end,
        open_start: a == 0,
        pre_existing: false,
        peak: s.points[p].1,
        peak_at: s.points[p].0,
        threshold: edge.value,
        over_by: (s.points[p].1 - edge.value).abs(),
        basis: edge.basis.clone(),
        sources: edge.sources.clone(),
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(metric: &str, values: &[f64]) -> Series {
        let t0: Timestamp = "2024-01-01T00:00:00Z".parse().unwrap();
        Series {
            host: "h".into(),
            from: None,
            metric: metric.into(),
            counter: "c".into(),
            unit: "%".into(),
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    (
                        t0 + uctriage_core::jiff::SignedDuration::from_secs(60 * i as i64),
                        *v,
                    )
                })
                .collect(),
            file: "f.csv".into(),
            lines: (2..2 + values.len() as u64).collect(),
        }
    }

    /// The shipped `metric_episodes` parameters.
    fn cfg(kb: &Knowledge) -> EpisodeConfig {
        kb.rule("episodes").unwrap().params_as().unwrap()
    }

    fn anywhere(_: &Series, _: Scope) -> bool {
        true
    }

    #[test]
    fn a_threshold_out_of_its_scope_leaves_the_series_to_its_baseline() {
        let kb = Knowledge::embedded().unwrap();
        let mut v = vec![95.0; 10];
        v.extend([97.0, 99.0, 100.0, 97.0, 96.0]);
        let nowhere = |_: &Series, scope: Scope| scope == Scope::Any;
        let eps = detect_episodes(&[series("cpu_percent", &v)], &kb, &cfg(&kb), &nowhere);
        assert!(
            eps.is_empty(),
            "steady 95-100 % is its own baseline: {eps:?}"
        );
        let eps = detect_episodes(&[series("cpu_percent", &v)], &kb, &cfg(&kb), &anywhere);
        assert_eq!(
            eps.len(),
            1,
            "the RTMT pegging default judges it where it applies"
        );
    }

    #[test]
    fn a_sourced_threshold_gives_start_end_peak_and_excess() {
        let kb = Knowledge::embedded().unwrap();
        let mut v = vec![10.0; 10];
        v.extend([95.0, 99.0, 100.0, 97.0, 12.0, 11.0, 10.0]);
        let eps = detect_episodes(&[series("cpu_percent", &v)], &kb, &cfg(&kb), &anywhere);
        assert_eq!(eps.len(), 1);
        let e = &eps[0];
        assert_eq!((e.threshold, e.peak, e.over_by), (90.0, 100.0, 10.0));
        assert_eq!(e.evidence[0].line, 12, "starts at the first sample over 90");
        assert_eq!(e.end.unwrap().to_string(), "2024-01-01T00:14:00Z");
        assert!(!e.sources.is_empty());
    }

    #[test]
    fn hysteresis_keeps_one_episode_through_a_dip_and_short_blips_are_dropped() {
        let kb = Knowledge::embedded().unwrap();
        let mut v = vec![10.0; 10];
        v.extend([
            95.0, 96.0, 85.0, 97.0, 98.0, 10.0, 10.0, 10.0, 95.0, 10.0, 10.0,
        ]);
        let eps = detect_episodes(&[series("cpu_percent", &v)], &kb, &cfg(&kb), &anywhere);
        assert_eq!(
            eps.len(),
            1,
            "85 is above 90 × 0.9, the dip does not end it; the lone 95 is too short"
        );
    }

    #[test]
    fn without_a_threshold_the_baseline_decides_and_data_starting_high_is_open() {
        let kb = Knowledge::embedded().unwrap();
        let mut v = vec![40.0, 42.0, 41.0];
        v.extend(vec![2.0; 30]);
        let eps = detect_episodes(&[series("iowait_percent", &v)], &kb, &cfg(&kb), &anywhere);
        assert_eq!(eps.len(), 1);
        assert!(
            eps[0].open_start,
            "already out of band when the data begins"
        );
        assert!(eps[0].basis.contains("baseline"));
    }
}
