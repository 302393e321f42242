//! Host identity: one canonical name per machine, whatever it was called.

use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::{canonical_host, Fact};

/// What the bundle says about one host.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostInfo {
    /// Canonical short name.
    pub name: String,
    /// Other names and addresses seen for it.
    pub aliases: BTreeSet<String>,
    /// Roles seen (Publisher, Subscriber, ...).
    pub roles: BTreeSet<String>,
    /// Product versions seen.
    pub versions: BTreeSet<String>,
}

/// The alias table: every spelling of a host mapped to its canonical name.
#[derive(Clone, Debug, Default)]
pub struct HostBook {
    alias: BTreeMap<String, String>,
    hosts: BTreeMap<String, HostInfo>,
}

impl HostBook {
    /// Learn hosts and aliases from facts (host aliases, roles, file hosts, versions).
    pub fn learn<'a>(&mut self, facts: impl IntoIterator<Item = &'a Fact>) {
        let facts: Vec<&Fact> = facts.into_iter().collect();
        for fact in &facts {
            if let Fact::HostAlias { host, alias } = fact {
                let name = self.resolve(host);
                self.alias
                    .insert(alias.trim().to_ascii_lowercase(), name.clone());
                self.alias.insert(canonical_host(alias), name.clone());
                self.entry(&name).aliases.insert(alias.trim().to_string());
            }
        }
        for fact in facts {
            match fact {
                Fact::HostRole { host, role } => {
                    let name = self.resolve(host);
                    self.entry(&name).roles.insert(role.clone());
                }
                Fact::FileHost { host } => {
                    let name = self.resolve(host);
                    self.entry(&name);
                }
                _ => {}
            }
        }
    }

    /// Note that a host exists (seen as an event's host, say).
    pub fn know(&mut self, host: &str) -> String {
        let name = self.resolve(host);
        self.entry(&name);
        name
    }

    fn entry(&mut self, name: &str) -> &mut HostInfo {
        self.hosts
            .entry(name.to_string())
            .or_insert_with(|| HostInfo {
                name: name.to_string(),
                ..Default::default()
            })
    }

    /// The canonical name for any spelling: alias table first, then canonical form.
    pub fn resolve(&self, name: &str) -> String {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(n) = self.alias.get(&lower) {
            return n.clone();
        }
        let canon = canonical_host(name);
        self.alias.get(&canon).cloned().unwrap_or(canon)
    }

    /// Is this spelling a host the bundle knows?
    pub fn is_known(&self, name: &str) -> bool {
        self.hosts.contains_key(&self.resolve(name))
    }

    /// Record a version for a host.
    pub fn add_version(&mut self, host: &str, version: String) {
        let name = self.resolve(host);
        self.entry(&name).versions.insert(version);
    }

    /// All known hosts, by canonical name.
    pub fn hosts(&self) -> &BTreeMap<String, HostInfo> {
        &self.hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_ip_and_case_resolve_to_one_host() {
        let mut book = HostBook::default();
        book.learn(&[
            Fact::HostAlias {
                host: "nodeA7".into(),
                alias: "nodeA7.example.net".into(),
            },
            Fact::HostAlias {
                host: "nodeA7".into(),
                alias: "10.1.2.3".into(),
            },
        ]);
        assert_eq!(book.resolve("10.1.2.3"), "nodea7");
        assert_eq!(book.resolve("NODEA7.example.net"), "nodea7");
        assert!(book.is_known("nodea7"));
        assert!(!book.is_known("other"));
    }
}
