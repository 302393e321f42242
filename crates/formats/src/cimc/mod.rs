//! Cisco UCS C-series CIMC (Cisco Integrated Management Controller): its log
//! lines and `%CIMC-` fault messages ([`log::CimcLog`]) and captures of its
//! CLI ([`cli::CimcCli`]). Both turn what they read into `hardware_fault`
//! events; [`fault`] decodes fault messages and names components for both,
//! and for `cisco-syslog` when a remote-syslog file mixes `%CIMC-` lines in.
//!
//! Format notes, public samples and what is guessed: `docs/formats/cimc.md`.

pub(crate) mod cli;
pub(crate) mod fault;
pub(crate) mod log;
mod table;
#[cfg(test)]
mod tests;
