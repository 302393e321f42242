//! Metrics as evidence: counter samples become [`Series`] per host and metric
//! class, and each series' departures from its normal band become
//! [`Episode`]s — started when, ended when, peak, how far over.
//!
//! Which counters belong to which class is data (`knowledge/metrics.toml`);
//! thresholds with a public source come from `knowledge/thresholds.toml`;
//! where no source gives a number, the band is the series' own baseline
//! (parameters in `knowledge/rules/episodes.toml`, rule type `metric_episodes`), and the
//! episode says so.

mod episodes;
mod series;

pub use episodes::{detect_episodes, Episode, EpisodeConfig};
pub use series::{build_series, Series};
