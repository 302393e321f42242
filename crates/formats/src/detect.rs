//! The format registry and content-based detection.

use crate::format::{Format, Head};

static FORMATS: &[&dyn Format] = &[
    &crate::cucm_sdl::CucmSdl,
    &crate::ucce_dumplog::UcceDumplog,
    &crate::ccbu_log::CcbuLog,
    &crate::uccx_mivr::UccxMivr,
    &crate::pdh_csv::PdhCsv,
    &crate::cucm_bat_csv::CucmBatCsv,
    &crate::vm_inventory_csv::VmInventoryCsv,
    &crate::powercli_stat_csv::PowerCliStatCsv,
    &crate::vos_history::VosHistory,
    &crate::cimc::cli::CimcCli,
    &crate::cucm_cli::CucmCli,
    &crate::cimc::log::CimcLog,
    &crate::esxi_log::EsxiLog,
    &crate::cisco_syslog::CiscoSyslog,
    &crate::generic::Generic,
];

/// Every known format, most specific first.
pub fn registry() -> &'static [&'static dyn Format] {
    FORMATS
}

/// The format with this name.
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS
        .iter()
        .copied()
        .find(|f| f.name().eq_ignore_ascii_case(name))
}

/// The best format for a file head, or None when no format claims it.
/// Ties go to the format listed first (the more specific one).
pub fn detect(head: &Head<'_>) -> Option<&'static dyn Format> {
    best_of(FORMATS, head)
}

/// The highest-scoring of `formats`; the first listed among equals.
fn best_of<'f>(formats: &[&'f dyn Format], head: &Head<'_>) -> Option<&'f dyn Format> {
    let mut best: Option<(&'f dyn Format, u8)> = None;
    for f in formats {
        let score = f.detect(head);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((*f, score));
        }
    }
    best.map(|(f, _)| f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{FileContext, LineParser};

    /// A format that claims every file with a fixed score.
    struct Fixed(&'static str, u8);

    impl Format for Fixed {
        fn name(&self) -> &'static str {
            self.0
        }
        fn description(&self) -> &'static str {
            "test"
        }
        fn example(&self) -> &'static str {
            "x"
        }
        fn detect(&self, _head: &Head<'_>) -> u8 {
            self.1
        }
        fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
            unreachable!("detection only")
        }
    }

    fn head() -> Head<'static> {
        Head {
            name: "f.txt",
            lines: vec!["a line"],
        }
    }

    #[test]
    fn equal_scores_go_to_the_format_listed_first() {
        let (a, b) = (Fixed("specific", 80), Fixed("broad", 80));
        assert_eq!(best_of(&[&a, &b], &head()).unwrap().name(), "specific");
        assert_eq!(best_of(&[&b, &a], &head()).unwrap().name(), "broad");
    }

    #[test]
    fn a_higher_score_wins_wherever_it_is_listed_and_zero_claims_nothing() {
        let (a, b, none) = (Fixed("low", 30), Fixed("high", 90), Fixed("none", 0));
        assert_eq!(best_of(&[&a, &b], &head()).unwrap().name(), "high");
        assert_eq!(best_of(&[&b, &a], &head()).unwrap().name(), "high");
        assert!(best_of(&[&none], &head()).is_none());
    }

    #[test]
    fn the_catch_all_generic_format_is_listed_last() {
        assert_eq!(FORMATS.last().unwrap().name(), "generic");
        let names: std::collections::BTreeSet<&str> = FORMATS.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), FORMATS.len(), "format names are unique");
    }
}
