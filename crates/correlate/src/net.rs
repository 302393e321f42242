//! Addresses and the sites they belong to: a prefix the topology names, else
//! the usual LAN prefix of the address family (/24 for IPv4, /64 for IPv6).

use ipnet::IpNet;
use std::net::IpAddr;

/// The prefix an address is judged in: (site name when the topology names
/// one, prefix).
pub fn site_prefix(ip: &str, sites: &[(String, IpNet)]) -> Option<(Option<String>, IpNet)> {
    let addr: IpAddr = ip.trim().parse().ok()?;
    let named = sites
        .iter()
        .filter(|(_, net)| net.contains(&addr))
        .max_by_key(|(_, net)| net.prefix_len());
    if let Some((name, net)) = named {
        return Some((Some(name.clone()), *net));
    }
    let len = if addr.is_ipv4() { 24 } else { 64 };
    IpNet::new(addr, len).ok().map(|n| (None, n.trunc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_prefixes_by_family_and_named_sites_win() {
        let (name, net) = site_prefix("10.62.14.21", &[]).unwrap();
        assert_eq!((name, net.to_string()), (None, "10.62.14.0/24".to_string()));
        let (_, v6) = site_prefix("2001:db8:14:7::21", &[]).unwrap();
        assert_eq!(v6.to_string(), "2001:db8:14:7::/64");
        let sites = vec![("Leeds".to_string(), "10.62.14.0/23".parse().unwrap())];
        let (name, net) = site_prefix("10.62.15.9", &sites).unwrap();
        assert_eq!(
            (name.as_deref(), net.to_string().as_str()),
            (Some("Leeds"), "10.62.14.0/23")
        );
        assert!(site_prefix("not-an-ip", &[]).is_none());
    }
}
