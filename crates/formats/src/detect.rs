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
    let mut best: Option<(&'static dyn Format, u8)> = None;
    for f in FORMATS {
        let score = f.detect(head);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((*f, score));
        }
    }
    best.map(|(f, _)| f)
}
