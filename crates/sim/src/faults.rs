//! Faults a test or a demo can inject, per node.

use std::collections::BTreeMap;
use std::time::Duration;

/// The faults of one node.
#[derive(Clone, Debug, Default)]
pub struct NodeFaults {
    /// Nothing listens on its address.
    pub down: bool,
    /// Every HTTPS request gets 401.
    pub unauthorized: bool,
    /// The first N HTTPS requests get a RateControl fault.
    pub throttle: u32,
    /// Every answer (HTTPS and CLI) comes this late.
    pub slow: Option<Duration>,
    /// Its HTTPS certificate is signed by a CA that is not written out.
    pub wrong_cert: bool,
    /// The first SSH session is dropped after this many commands.
    pub drop_ssh_after: Option<u32>,
}

/// Faults by node name, from the command-line options.
pub fn parse(
    down: &[String],
    unauthorized: &[String],
    throttle: &[String],
    slow: &[String],
    wrong_cert: &[String],
    drop_ssh: &[String],
) -> Result<BTreeMap<String, NodeFaults>, String> {
    let mut map: BTreeMap<String, NodeFaults> = BTreeMap::new();
    let pair = |s: &str, what: &str| -> Result<(String, u64), String> {
        let (n, v) = s
            .split_once('=')
            .ok_or_else(|| format!("--{what} takes NODE=N, not `{s}`"))?;
        let v = v
            .parse()
            .map_err(|_| format!("--{what} {s}: `{v}` is not a number"))?;
        Ok((n.to_string(), v))
    };
    for n in down {
        map.entry(n.clone()).or_default().down = true;
    }
    for n in unauthorized {
        map.entry(n.clone()).or_default().unauthorized = true;
    }
    for n in wrong_cert {
        map.entry(n.clone()).or_default().wrong_cert = true;
    }
    for s in throttle {
        let (n, v) = pair(s, "throttle")?;
        map.entry(n).or_default().throttle = v as u32;
    }
    for s in slow {
        let (n, v) = pair(s, "slow")?;
        map.entry(n).or_default().slow = Some(Duration::from_millis(v));
    }
    for s in drop_ssh {
        let (n, v) = pair(s, "drop-ssh")?;
        map.entry(n).or_default().drop_ssh_after = Some(v as u32);
    }
    Ok(map)
}
