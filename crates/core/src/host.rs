//! Host-name canonicalisation shared by parsers and normalization.

/// The canonical spelling of a host name: lower case, and for a fully
/// qualified domain name only its first label. IP addresses are kept as they
/// are (normalization maps them to names through the alias table).
///
/// ```
/// use uctriage_core::canonical_host;
/// assert_eq!(canonical_host("BLDCUCMSUB7.voip.com"), "bldcucmsub7");
/// assert_eq!(canonical_host("170.8.4.69"), "170.8.4.69");
/// ```
pub fn canonical_host(name: &str) -> String {
    let name = name.trim().trim_end_matches('.');
    if is_ip(name) {
        return name.to_string();
    }
    name.split('.').next().unwrap_or(name).to_ascii_lowercase()
}

/// True when `s` is an IPv4 or IPv6 address.
pub(crate) fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_and_case_collapse_to_short_name() {
        assert_eq!(
            canonical_host("Den01wx051ccm01.wx051.webexcce.com"),
            "den01wx051ccm01"
        );
        assert_eq!(canonical_host(" impPub "), "imppub");
        assert_eq!(canonical_host("fe80::1"), "fe80::1");
    }
}
