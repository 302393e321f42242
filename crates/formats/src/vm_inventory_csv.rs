//! VMware inventory exported to CSV: `Get-VM | Select-Object Name, VMHost,
//! @{N='Datastore';E={...}}, ... | Export-Csv`, or a vCenter / RVTools-style
//! "VM, Host, Datastore" table. Gives the VM → ESXi host → datastore
//! placement that explains why several VMs suffer together.
//!
//! UNCONFIRMED: there is no single fixed layout — PowerCLI writes whatever
//! properties were selected (and, without `-NoTypeInformation`, a first line
//! `#TYPE <type name>`). So columns are found by name: the VM name (`Name`,
//! `VM`, `VMName`), the host (`VMHost`, `Host`, `ESXi`), the datastore
//! (`Datastore`, `Datastores`, `Path` as `[datastore] vm/vm.vmx`), plus any
//! others kept as fields.

use crate::csvline::cells;
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use uctriage_core::{EntityKind, Kind, RawEvent};

/// The VM inventory format.
pub(crate) struct VmInventoryCsv;

const VM: &[&str] = &["name", "vm", "vmname", "vm name"];
const HOST: &[&str] = &["vmhost", "host", "esxi", "esxi host"];
const DATASTORE: &[&str] = &["datastore", "datastores", "datastore name"];

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
}

fn header_of(line: &str) -> Option<Vec<String>> {
    let h = cells(line)?;
    (column(&h, VM).is_some() && column(&h, HOST).is_some()).then_some(h)
}

impl Format for VmInventoryCsv {
    fn name(&self) -> &'static str {
        "vm-inventory-csv"
    }
    fn description(&self) -> &'static str {
        "VMware VM inventory CSV (PowerCLI Get-VM | Export-Csv, vCenter export): VM, ESXi host, datastore"
    }
    fn example(&self) -> &'static str {
        r#""Name","PowerState","NumCpu","MemoryGB","VMHost","Datastore""#
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let first = head
            .lines
            .iter()
            .find(|l| !l.trim().is_empty() && !l.starts_with("#TYPE"));
        match first {
            Some(l) if header_of(l).is_some() => 85,
            _ => 0,
        }
    }
    fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(InventoryParser { header: None })
    }
}

struct InventoryParser {
    header: Option<(Vec<String>, usize, usize, Option<usize>)>,
}

impl LineParser for InventoryParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let text = line.text;
        if text.trim().is_empty() {
            return;
        }
        if text.starts_with("#TYPE") {
            out.understood();
            return;
        }
        let Some((header, vm, host, ds)) = &self.header else {
            match header_of(text) {
                Some(h) => {
                    let (vm, host, ds) = (
                        column(&h, VM).unwrap(),
                        column(&h, HOST).unwrap(),
                        column(&h, DATASTORE),
                    );
                    self.header = Some((h, vm, host, ds));
                    out.understood();
                }
                None => out.problem(line.no, "no VM / host header before this row"),
            }
            return;
        };
        let Some(row) = cells(text) else {
            out.problem(line.no, "not a CSV record");
            return;
        };
        let (Some(name), Some(esx)) = (row.get(*vm).filter(|v| !v.is_empty()), row.get(*host))
        else {
            out.problem(line.no, "row without a VM name");
            return;
        };
        let datastore = ds
            .and_then(|i| row.get(i))
            .map(|d| datastore_name(d))
            .unwrap_or_default();
        let mut ev = RawEvent::new(
            line.no,
            text,
            Kind::Config,
            format!("VM {name} on ESXi {esx}, datastore {datastore}"),
        )
        .with_field("table", "vm")
        .with_field("vm", name.as_str())
        .with_field("vmhost", esx.as_str())
        .with_entity(EntityKind::Node, name.as_str());
        if !datastore.is_empty() {
            ev = ev.with_field("datastore", datastore);
        }
        for (h, v) in header.iter().zip(&row) {
            if !v.is_empty() {
                ev = ev.with_field(format!("col:{}", h.trim()), v.as_str());
            }
        }
        out.emit(ev);
        out.understood();
    }
}

/// `[DS01] vm/vm.vmx` → `DS01`; `DS01` stays.
fn datastore_name(s: &str) -> String {
    let s = s.trim();
    match (s.strip_prefix('['), s.find(']')) {
        (Some(_), Some(end)) => s[1..end].to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::{detect, parse_reader, FileContext, Head};

    const INVENTORY: &str = "#TYPE Selected.VMware.VimAutomation.ViCore.Impl.V1.Inventory.VirtualMachineImpl\n\"Name\",\"PowerState\",\"NumCpu\",\"VMHost\",\"Datastore\"\n\"cm-sub1\",\"PoweredOn\",\"2\",\"esx07.example.net\",\"[SAN-LUN4] cm-sub1/cm-sub1.vmx\"\n\"cm-sub2\",\"PoweredOn\",\"2\",\"esx07.example.net\",\"SAN-LUN4\"\n\"\",\"PoweredOff\",\"1\",\"esx07.example.net\",\"\"\n";

    #[test]
    fn vms_hosts_and_datastores_are_read_by_column_name() {
        let head = Head {
            name: "vms.csv",
            lines: INVENTORY.lines().collect(),
        };
        let fmt = detect(&head).unwrap();
        assert_eq!(fmt.name(), "vm-inventory-csv");
        let f = parse_reader(
            Some(fmt),
            &FileContext::new("vms.csv"),
            INVENTORY.as_bytes(),
        );
        assert_eq!(f.events.len(), 2);
        assert_eq!(f.events[0].fields["vmhost"], "esx07.example.net");
        assert_eq!(f.events[0].fields["datastore"], "SAN-LUN4");
        assert_eq!(f.events[1].fields["datastore"], "SAN-LUN4");
        assert!(
            f.problems.iter().any(|p| p.line == Some(5)),
            "a row without a name is reported"
        );
    }
}
