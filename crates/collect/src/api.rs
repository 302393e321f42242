//! The requests uctriage sends to a CUCM node, and what it reads from the
//! answers. Request shapes follow the published WSDLs
//! (`shared/reference/cucm-apis/`); AXL follows the README there
//! (`executeSQLQuery` with a `<sql>` element, rows of column elements).

use crate::soap::{Answer, Client, SoapError, AST};
use crate::xml::{escape, Element};

/// Service paths on a node (HTTPS 8443).
pub mod path {
    /// AXL.
    pub const AXL: &str = "/axl/";
    /// RisPort70.
    pub const RIS: &str = "/realtimeservice2/services/RISService70";
    /// PerfmonService.
    pub const PERFMON: &str = "/perfmonservice2/services/PerfmonService";
    /// DIME log collection.
    pub const DIME: &str = "/logcollectionservice2/services/LogCollectionPortTypeService";
    /// Control Center.
    pub const CONTROL: &str = "/controlcenterservice2/services/ControlCenterServices";
}

fn ast_ns() -> String {
    format!("xmlns:soap=\"{AST}\"")
}

/// An AXL SQL answer: column names (in the order of the first row) and rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SqlRows {
    /// Column names.
    pub columns: Vec<String>,
    /// Row values, in column order.
    pub rows: Vec<Vec<String>>,
}

/// AXL `executeSQLQuery`. `version` is the AXL schema version (`12.5`, ...).
pub async fn axl_sql(
    c: &mut Client,
    version: &str,
    sql: &str,
) -> Result<(Answer, SqlRows), SoapError> {
    let ns = format!("xmlns:ns=\"http://www.cisco.com/AXL/API/{version}\"");
    let body = format!(
        "<ns:executeSQLQuery><sql>{}</sql></ns:executeSQLQuery>",
        escape(sql)
    );
    let action = format!("CUCM:DB ver={version} executeSQLQuery");
    let answer = c.call(path::AXL, &action, &ns, &body).await?;
    let el = answer.body_element()?;
    let mut out = SqlRows::default();
    if let Some(ret) = el.child("return") {
        for row in ret.children_named("row") {
            if out.columns.is_empty() {
                out.columns = row.children.iter().map(|c| c.name.clone()).collect();
            }
            out.rows
                .push(out.columns.iter().map(|col| row.text_of(col)).collect());
        }
    }
    if out.columns.is_empty() {
        out.columns = select_aliases(sql);
    }
    Ok((answer, out))
}

/// The column names a `select` list gives (`x.name as devicepool` → `devicepool`, `m.priority` → `priority`).
pub fn select_aliases(sql: &str) -> Vec<String> {
    let lower = sql.to_ascii_lowercase();
    let Some(start) = lower.find("select ") else {
        return Vec::new();
    };
    let end = lower.find(" from ").unwrap_or(lower.len());
    lower[start + 7..end]
        .split(',')
        .map(|col| {
            let col = col.trim();
            match col.rsplit_once(" as ") {
                Some((_, alias)) => alias.trim().to_string(),
                None => col.rsplit('.').next().unwrap_or(col).trim().to_string(),
            }
        })
        .collect()
}

/// Render SQL rows as the VOS CLI prints `run sql` (a header, a rule of `=`
/// per column, padded rows), so `analyze` reads them with the `run sql` reader.
pub fn render_run_sql(sql: &str, rows: &SqlRows) -> String {
    let widths: Vec<usize> = rows
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.rows
                .iter()
                .map(|r| r.get(i).map_or(0, |v| v.chars().count()))
                .chain([c.chars().count()])
                .max()
                .unwrap_or(1)
                .max(1)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = format!("admin:run sql {sql}\n");
    out += &line(rows.columns.clone());
    out.push('\n');
    out += &line(widths.iter().map(|w| "=".repeat(*w)).collect());
    out.push('\n');
    for r in &rows.rows {
        out += line(r.clone()).trim_end();
        out.push('\n');
    }
    out
}

/// One page of RisPort70 `selectCmDeviceExt` (every device class, every
/// status, 1,000 at most per page); returns the answer, the StateInfo for
/// the next page and how many devices this page holds.
pub async fn ris_devices(c: &mut Client, state: &str) -> Result<(Answer, String, u64), SoapError> {
    let body = format!(
        "<soap:selectCmDeviceExt><soap:StateInfo>{}</soap:StateInfo><soap:CmSelectionCriteria>\
<soap:MaxReturnedDevices>1000</soap:MaxReturnedDevices><soap:DeviceClass>Any</soap:DeviceClass>\
<soap:Model>255</soap:Model><soap:Status>Any</soap:Status><soap:NodeName></soap:NodeName>\
<soap:SelectBy>Name</soap:SelectBy><soap:SelectItems><soap:item><soap:Item>*</soap:Item></soap:item></soap:SelectItems>\
<soap:Protocol>Any</soap:Protocol><soap:DownloadStatus>Any</soap:DownloadStatus>\
</soap:CmSelectionCriteria></soap:selectCmDeviceExt>",
        escape(state)
    );
    let answer = c
        .call(path::RIS, "selectCmDeviceExt", &ast_ns(), &body)
        .await?;
    let el = answer.body_element()?;
    let ret = el.find("selectCmDeviceReturn").unwrap_or(&el);
    let next = ret.text_of("StateInfo");
    let mut devices = Vec::new();
    if let Some(nodes) = ret.find("CmNodes") {
        for n in nodes.children_named("item") {
            if let Some(d) = n.child("CmDevices") {
                d.find_all("Name", &mut devices);
            }
        }
    }
    Ok((answer, next, devices.len() as u64))
}

/// One page of RisPort70 `selectCtiItem` for one CTI class (Provider, Device, Line).
pub async fn ris_cti(
    c: &mut Client,
    class: &str,
    state: &str,
) -> Result<(Answer, String), SoapError> {
    let body = format!(
        "<soap:selectCtiItem><soap:StateInfo>{}</soap:StateInfo><soap:CtiSelectionCriteria>\
<soap:MaxReturnedItems>1000</soap:MaxReturnedItems><soap:CtiMgrClass>{class}</soap:CtiMgrClass>\
<soap:Status>Any</soap:Status><soap:NodeName></soap:NodeName><soap:SelectAppBy>AppId</soap:SelectAppBy>\
<soap:AppItems><soap:item><soap:AppItem>*</soap:AppItem></soap:item></soap:AppItems>\
<soap:DevNames></soap:DevNames><soap:DirNumbers></soap:DirNumbers>\
</soap:CtiSelectionCriteria></soap:selectCtiItem>",
        escape(state)
    );
    let answer = c.call(path::RIS, "selectCtiItem", &ast_ns(), &body).await?;
    let el = answer.body_element()?;
    let next = el
        .find("selectCtiItemReturn")
        .map(|r| r.text_of("StateInfo"))
        .unwrap_or_default();
    Ok((answer, next))
}

/// Control Center `soapGetServiceStatus` for every service.
pub async fn service_status(c: &mut Client) -> Result<Answer, SoapError> {
    let body = "<soap:soapGetServiceStatus><soap:ServiceStatus></soap:ServiceStatus></soap:soapGetServiceStatus>";
    let a = c
        .call(path::CONTROL, "soapGetServiceStatus", &ast_ns(), body)
        .await?;
    a.body_element()?;
    Ok(a)
}

/// Control Center `getProductInformationList`; returns the answer and the
/// active version of the node's main product, when it says one.
pub async fn product_versions(c: &mut Client) -> Result<(Answer, Option<String>), SoapError> {
    let body = "<soap:getProductInformationList><soap:ServiceInfo></soap:ServiceInfo></soap:getProductInformationList>";
    let a = c
        .call(path::CONTROL, "getProductInformationList", &ast_ns(), body)
        .await?;
    let el = a.body_element()?;
    let version = el
        .find("ActiveServerVersion")
        .map(|v| v.text.trim().to_string())
        .filter(|v| !v.is_empty());
    Ok((a, version))
}

/// PerfmonService `perfmonCollectCounterData` for one object on `host`.
pub async fn perfmon_object(c: &mut Client, host: &str, object: &str) -> Result<Answer, SoapError> {
    let body = format!(
        "<soap:perfmonCollectCounterData><soap:Host>{}</soap:Host><soap:Object>{}</soap:Object></soap:perfmonCollectCounterData>",
        escape(host),
        escape(object)
    );
    let a = c
        .call(path::PERFMON, "perfmonCollectCounterData", &ast_ns(), &body)
        .await?;
    a.body_element()?;
    Ok(a)
}

/// DIME `getTimeZone`: the node's zone string as the node words it.
pub async fn time_zone(c: &mut Client, host: &str) -> Result<String, SoapError> {
    let body = format!("<soap:LocalHost>{}</soap:LocalHost>", escape(host));
    let a = c.call(path::DIME, "getTimeZone", &ast_ns(), &body).await?;
    let el = a.body_element()?;
    Ok(el
        .find("TimeZone")
        .map(|t| t.text.trim().to_string())
        .unwrap_or_default())
}

/// DIME `listNodeServiceLogs`: the service and system log names the node offers.
pub async fn log_names(c: &mut Client) -> Result<(Vec<String>, Vec<String>), SoapError> {
    let body = "<soap:listNodeServiceLogs><soap:ListRequest></soap:ListRequest></soap:listNodeServiceLogs>";
    let a = c
        .call(path::DIME, "listNodeServiceLogs", &ast_ns(), body)
        .await?;
    let el = a.body_element()?;
    let mut services = Vec::new();
    let mut systems = Vec::new();
    for ret in el.children_named("listNodeServiceLogsReturn") {
        if let Some(s) = ret.child("ServiceLog") {
            services.extend(s.children_named("item").map(|i| i.text.trim().to_string()));
        }
        if let Some(s) = ret.child("SystemLog") {
            systems.extend(s.children_named("item").map(|i| i.text.trim().to_string()));
        }
    }
    Ok((services, systems))
}

/// One file a node lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name.
    pub name: String,
    /// Absolute path on the node (what `GetOneFile` takes).
    pub path: String,
    /// Size as the node states it, in bytes.
    pub size: u64,
    /// Last modification as the node words it.
    pub modified: String,
}

/// DIME `selectLogFiles` for some service and system logs, in a window
/// written as the node expects (`MM/DD/YY hh:mm AM` in `zone`, e.g.
/// `Client: (GMT-5:0)America/Chicago`).
pub async fn select_logs(
    c: &mut Client,
    services: &[String],
    systems: &[String],
    from: &str,
    to: &str,
    zone: &str,
) -> Result<Vec<RemoteFile>, SoapError> {
    let items = |v: &[String]| -> String {
        v.iter()
            .map(|s| format!("<soap:item>{}</soap:item>", escape(s)))
            .collect()
    };
    // Password and UserName are for pushing to an SFTP server: always empty here.
    let body = format!(
        "<soap:selectLogFiles><soap:FileSelectionCriteria>\
<soap:ServiceLogs>{}</soap:ServiceLogs><soap:SystemLogs>{}</soap:SystemLogs>\
<soap:SearchStr></soap:SearchStr><soap:Frequency>OnDemand</soap:Frequency><soap:JobType>DownloadtoClient</soap:JobType>\
<soap:ToDate>{}</soap:ToDate><soap:FromDate>{}</soap:FromDate><soap:TimeZone>{}</soap:TimeZone>\
<soap:RelText>None</soap:RelText><soap:RelTime>0</soap:RelTime><soap:Port>0</soap:Port>\
<soap:IPAddress></soap:IPAddress><soap:UserName></soap:UserName><soap:Password></soap:Password>\
<soap:ZipInfo>false</soap:ZipInfo><soap:RemoteFolder></soap:RemoteFolder>\
</soap:FileSelectionCriteria></soap:selectLogFiles>",
        items(services),
        items(systems),
        escape(to),
        escape(from),
        escape(zone)
    );
    let a = c
        .call(path::DIME, "selectLogFiles", &ast_ns(), &body)
        .await?;
    let el = a.body_element()?;
    let mut files = Vec::new();
    let mut found = Vec::new();
    el.find_all("File", &mut found);
    for f in found {
        files.push(RemoteFile {
            name: f.text_of("name"),
            path: f.text_of("absolutepath"),
            size: f.text_of("filesize").parse().unwrap_or(0),
            modified: f.text_of("modifiedDate"),
        });
    }
    files.retain(|f| !f.path.is_empty());
    Ok(files)
}

/// DIME `GetOneFile`: the file's bytes, from an attachment or from inline base64.
pub async fn get_file(c: &mut Client, remote: &str) -> Result<Vec<u8>, SoapError> {
    let body = format!("<soap:FileName>{}</soap:FileName>", escape(remote));
    let a = c.call(path::DIME, "GetOneFile", &ast_ns(), &body).await?;
    let (_, attachment) = crate::soap::soap_part(&a.content_type, &a.body);
    if let Some(bytes) = attachment {
        return Ok(bytes);
    }
    let el = a.body_element()?;
    let text: String = el
        .find("GetOneFileReturn")
        .map(|e| e.text.chars().filter(|c| !c.is_whitespace()).collect())
        .ok_or_else(|| SoapError::Malformed("no GetOneFileReturn in the answer".into()))?;
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| SoapError::Malformed(format!("GetOneFileReturn is not base64: {e}")))
}

/// An Olson zone name inside a node's zone string
/// (`(GMT-5:0)Central Daylight Time-America/Chicago` → `America/Chicago`).
pub fn olson_in(text: &str) -> Option<String> {
    let db = jiff::tz::db();
    text.split(|c: char| c.is_whitespace() || c == ')' || c == '(' || c == ',')
        .flat_map(|tok| {
            // `Time-America/Chicago`: try every suffix after a dash too.
            let mut cands = vec![tok.to_string()];
            cands.extend(
                tok.match_indices('-')
                    .map(|(i, _)| tok[i + 1..].to_string()),
            );
            cands
        })
        .find(|cand| cand.contains('/') && db.get(cand).is_ok())
}

/// Read one element tree's text for tests and the simulator.
pub fn texts(el: &Element, name: &str) -> Vec<String> {
    let mut v = Vec::new();
    el.find_all(name, &mut v);
    v.into_iter().map(|e| e.text.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_sql_rendering_pads_like_the_cli() {
        let rows = SqlRows {
            columns: vec!["devicepool".into(), "priority".into()],
            rows: vec![
                vec!["DP_BLD_MobileAgent".into(), "1".into()],
                vec!["X".into(), String::new()],
            ],
        };
        let text = render_run_sql("select dp.name as devicepool, m.priority from x", &rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "devicepool         priority");
        assert_eq!(lines[2], "================== ========");
        assert_eq!(lines[3], "DP_BLD_MobileAgent 1");
        assert_eq!(lines[4], "X");
    }

    #[test]
    fn zone_strings_give_their_olson_name() {
        assert_eq!(
            olson_in("(GMT-5:0)Central Daylight Time-America/Chicago").as_deref(),
            Some("America/Chicago")
        );
        assert_eq!(
            olson_in("Client: (GMT+0:0)Europe/London").as_deref(),
            Some("Europe/London")
        );
        assert_eq!(olson_in("Central Daylight Time"), None);
    }

    #[test]
    fn select_aliases_name_columns() {
        assert_eq!(
            select_aliases("select dp.name as devicepool, m.priority from devicepool dp"),
            vec!["devicepool", "priority"]
        );
    }
}
