//! hostd (the host agent): VM power-state transitions and the events hostd
//! raises for storage (all paths down, lost access to a volume) and for
//! unexpected host power-offs.
//!
//! `State Transition (VM_STATE_ON -> VM_STATE_POWERING_OFF)` in the context of
//! `Vmsvc.vm:/vmfs/volumes/<uuid>/<dir>/<name>.vmx` (ESXi 5-7; ESX 3.5 puts
//! `'vm:/vmfs/...vmx'` in its bracket) gives a `node_lifecycle` event for VM
//! `<name>` (the `.vmx` file name without extension, as printed). hostd's own
//! `Event N : ... is reset` lines give `reset`; the other power events
//! duplicate the transitions and make none. Public samples:
//! `docs/formats/esxi.md`. UNCONFIRMED: the reset event wording, and the
//! `Host had been powered off` event (Broadcom KB 317245 prints it with its
//! stamp elided).

use super::storage_event;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity};

static VMX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"vm:(/vmfs/volumes/([^/]+)/.*?([^/]+)\.vmx|\[([^\]]+)\] .*?([^/]+)\.vmx)").unwrap()
});
static TRANSITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"State Transition \((VM_STATE_[A-Z_]+) -> (VM_STATE_[A-Z_]+)\)").unwrap()
});
static EVENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^Event (\d+) : (.*)$").unwrap());
static VM_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(.+?) on +(?:host +)?(\S+) in (\S+) (?:is|was|has been) (reset|resetting|being reset)\b",
    )
    .unwrap()
});
static APD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"identifier (\S+) has (entered|exited) the All Paths Down( Timeout)? state")
        .unwrap()
});
static VOLUME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(Lost access to|Successfully restored access to) volume (\S+) \(([^)]*)\)")
        .unwrap()
});
static CTX_KV: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(opID|user)=(\S+)").unwrap());

/// The event a hostd line makes; `None` when it is an ordinary line.
pub(super) fn event(
    no: u64,
    raw: &str,
    time: &RawTime,
    context: Option<&str>,
    body: &str,
) -> Option<RawEvent> {
    if let Some(c) = TRANSITION.captures(body) {
        let vmx = context.and_then(|ctx| VMX.captures(ctx))?;
        return Some(transition(
            no,
            raw,
            time,
            context.unwrap_or(""),
            &vmx,
            &c[1],
            &c[2],
        ));
    }
    let e = EVENT.captures(body)?;
    let text = e.get(2).map_or("", |m| m.as_str());
    if let Some(c) = APD.captures(text) {
        let cond = match (&c[2], c.get(3).is_some()) {
            ("exited", _) => "apd_exit",
            (_, true) => "apd_timeout",
            _ => "apd_start",
        };
        let sev = if cond == "apd_exit" {
            Severity::Info
        } else {
            Severity::Error
        };
        let ev = storage_event(
            no,
            raw,
            time,
            "hostd",
            cond,
            sev,
            text.trim_end_matches('.').to_string(),
        )
        .with_field("device", &c[1])
        .with_field("hostd_event", &e[1])
        .with_entity(EntityKind::Device, &c[1]);
        return Some(ev);
    }
    if let Some(c) = VOLUME.captures(text) {
        let lost = c[1].starts_with("Lost");
        let ev = storage_event(
            no,
            raw,
            time,
            "hostd",
            if lost {
                "volume_lost"
            } else {
                "volume_restored"
            },
            if lost {
                Severity::Error
            } else {
                Severity::Info
            },
            text.to_string(),
        )
        .with_field("volume_uuid", &c[2])
        .with_field("datastore", &c[3])
        .with_field("hostd_event", &e[1]);
        return Some(ev);
    }
    if let Some(c) = VM_EVENT.captures(text) {
        let vm = c[1].trim();
        let ev = lifecycle(no, raw, time, vm, "reset", format!("VM {vm} reset"))
            .with_severity(Severity::Warning)
            .with_field("basis", "hostd event")
            .with_field("hostd_event", &e[1]);
        return Some(with_context(ev, context));
    }
    if text.starts_with("Host had been powered off") {
        let ev = RawEvent::new(no, raw, Kind::NodeLifecycle, text.to_string())
            .at(time.clone())
            .with_severity(Severity::Critical)
            .with_field("action", "host_power_off")
            .with_field("subject", "esxi_host")
            .with_field("graceful", "false")
            .with_field(
                "graceful_source",
                "hostd event says the power off was not a deliberate reboot or shut down",
            )
            .with_field("hostd_event", &e[1])
            .with_field("esxi_log", "hostd");
        return Some(ev);
    }
    None
}

fn transition(
    no: u64,
    raw: &str,
    time: &RawTime,
    context: &str,
    vmx: &regex::Captures<'_>,
    from: &str,
    to: &str,
) -> RawEvent {
    let name = vmx.get(3).or(vmx.get(5)).map_or("", |m| m.as_str());
    let action = action_of(from, to);
    let sev = match action {
        "power_off" | "reset" => Severity::Warning,
        _ => Severity::Info,
    };
    let mut ev = lifecycle(
        no,
        raw,
        time,
        name,
        action,
        format!("VM {name} {} ({from} -> {to})", action.replace('_', " ")),
    )
    .with_severity(sev)
    .with_field("from_state", from)
    .with_field("to_state", to)
    .with_field("vmx", &vmx[1])
    .with_field("basis", "state transition");
    if let Some(u) = vmx.get(2) {
        ev = ev.with_field("datastore_uuid", u.as_str());
    }
    if let Some(ds) = vmx.get(4) {
        ev = ev.with_field("datastore", ds.as_str());
    }
    with_context(ev, Some(context))
}

/// What a power-state transition means: `power_on`, `power_off`,
/// `powering_on`, `powering_off`, `reset`, `suspend`, `register`,
/// `unregistered`, or the target state in lower case.
fn action_of(from: &str, to: &str) -> &'static str {
    let from = from.trim_start_matches("VM_STATE_");
    match to.trim_start_matches("VM_STATE_") {
        "ON" if matches!(from, "POWERING_ON" | "OFF" | "RESETTING" | "SUSPENDED") => "power_on",
        "ON" => "on",
        "OFF" if matches!(from, "ON" | "POWERING_OFF" | "RESETTING") => "power_off",
        "OFF" if from == "INITIALIZING" => "register",
        "OFF" => "off",
        "POWERING_ON" => "powering_on",
        "POWERING_OFF" => "powering_off",
        "RESETTING" => "reset",
        "SUSPENDED" | "SUSPENDING" => "suspend",
        "UNREGISTERING" => "unregistering",
        "GONE" => "unregistered",
        "RECONFIGURING" => "reconfigure",
        _ => "other",
    }
}

fn lifecycle(
    no: u64,
    raw: &str,
    time: &RawTime,
    vm: &str,
    action: &str,
    summary: String,
) -> RawEvent {
    RawEvent::new(no, raw, Kind::NodeLifecycle, summary)
        .at(time.clone())
        .with_field("action", action)
        .with_field("subject", "vm")
        .with_field("vm", vm)
        .with_field("esxi_log", "hostd")
        .with_entity(EntityKind::Node, vm)
}

fn with_context(mut ev: RawEvent, context: Option<&str>) -> RawEvent {
    for c in CTX_KV.captures_iter(context.unwrap_or("")) {
        let key = if &c[1] == "opID" { "op_id" } else { "user" };
        ev = ev.with_field(key, &c[2]);
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_the_transition() {
        assert_eq!(
            action_of("VM_STATE_ON", "VM_STATE_POWERING_OFF"),
            "powering_off"
        );
        assert_eq!(
            action_of("VM_STATE_POWERING_OFF", "VM_STATE_OFF"),
            "power_off"
        );
        assert_eq!(
            action_of("VM_STATE_INITIALIZING", "VM_STATE_OFF"),
            "register"
        );
        assert_eq!(action_of("VM_STATE_RECONFIGURING", "VM_STATE_OFF"), "off");
        assert_eq!(action_of("VM_STATE_POWERING_ON", "VM_STATE_ON"), "power_on");
        assert_eq!(action_of("VM_STATE_ON", "VM_STATE_RESETTING"), "reset");
        assert_eq!(action_of("VM_STATE_X", "VM_STATE_NEWTHING"), "other");
    }

    #[test]
    fn vm_names_with_spaces_come_from_the_vmx_file() {
        let ctx = "Originator@6876 sub=Vmsvc.vm:/vmfs/volumes/5b2cf72d-c314ef74-0f37-8cdf9d51786c/MGSIP EOSN OUT/MGSIP EOSN OUT.vmx opID=vim-cmd-58-1110 user=dcui";
        let ev = event(
            7,
            "raw",
            &RawTime::Unknown,
            Some(ctx),
            "State Transition (VM_STATE_ON -> VM_STATE_POWERING_OFF)",
        )
        .unwrap();
        assert_eq!(ev.fields.get("vm"), Some("MGSIP EOSN OUT"));
        assert_eq!(ev.fields.get("user"), Some("dcui"));
        assert_eq!(
            ev.fields.get("datastore_uuid"),
            Some("5b2cf72d-c314ef74-0f37-8cdf9d51786c")
        );
        assert_eq!(ev.fields.get("action"), Some("powering_off"));
    }
}
