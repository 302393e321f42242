//! The HTTPS/SOAP side of one simulated node: Basic authentication,
//! requests checked against the WSDLs (AXL against the README's contract),
//! answers built from the bundle, and the faults asked for.

use crate::faults::NodeFaults;
use crate::model::{Cluster, Node};
use crate::wsdl::Service;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use uctriage_collect::xml::{self, escape, Element};

const AST: &str = "http://schemas.cisco.com/ast/soap";

/// Everything one node's HTTPS server needs.
pub struct NodeHttp {
    /// The cluster.
    pub cluster: Arc<Cluster>,
    /// Index of this node in the cluster.
    pub index: usize,
    /// Services by path.
    pub services: Arc<BTreeMap<String, Service>>,
    /// Expected `Authorization` header.
    pub basic: String,
    /// Faults for this node.
    pub faults: NodeFaults,
    /// Requests refused so far for throttling.
    pub throttled: AtomicU32,
}

impl NodeHttp {
    fn node(&self) -> &Node {
        &self.cluster.nodes[self.index]
    }

    /// Answer one request.
    pub async fn handle(
        self: Arc<Self>,
        req: Request<hyper::body::Incoming>,
    ) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
        if let Some(d) = self.faults.slow {
            tokio::time::sleep(d).await;
        }
        let auth_ok = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == self.basic);
        if self.faults.unauthorized || !auth_ok {
            return Ok(Response::builder()
                .status(401)
                .header(
                    "WWW-Authenticate",
                    "Basic realm=\"Cisco Unified Communications Manager\"",
                )
                .body(Full::new(Bytes::from_static(b"Unauthorized")))
                .expect("response"));
        }
        let path = req.uri().path().to_string();
        let action = req
            .headers()
            .get("soapaction")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = match Limited::new(req.into_body(), 1 << 20).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return Ok(fault(400, "soapenv:Client", "request too large")),
        };
        if self.faults.throttle > self.throttled.load(Ordering::SeqCst) {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return Ok(fault(500, "ns1:Server.RateControl", "Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is 15 requests per minute.If problem persists, please contact system administrator."));
        }
        Ok(match self.dispatch(&path, &action, &body) {
            Ok(xml_body) => envelope(200, &xml_body),
            Err(m) => fault(500, "soapenv:Client", &m),
        })
    }

    fn dispatch(&self, path: &str, action: &str, raw: &[u8]) -> Result<String, String> {
        let root = xml::parse(raw).map_err(|e| format!("not XML: {e}"))?;
        if root.name != "Envelope" {
            return Err("not a SOAP envelope".into());
        }
        let scope: Vec<(String, String)> = root
            .attrs
            .iter()
            .filter(|(k, _)| k.starts_with("xmlns"))
            .cloned()
            .collect();
        let body_el = root.child("Body").ok_or("no SOAP Body")?;
        let mut scope = scope;
        scope.extend(
            body_el
                .attrs
                .iter()
                .filter(|(k, _)| k.starts_with("xmlns"))
                .cloned(),
        );
        let op = body_el.children.first().ok_or("empty SOAP Body")?;
        if path == "/axl/" || path == "/axl" {
            return self.axl(action, op, &scope);
        }
        let service = self
            .services
            .get(path)
            .ok_or_else(|| format!("no service at {path}"))?;
        let input = service.check(action, op, &scope)?;
        match input.as_str() {
            "getProductInformationList" => Ok(self.products()),
            "soapGetServiceStatus" => Ok(self.services_status()),
            "selectCmDeviceExt" => Ok(self.devices(op)),
            "selectCtiItem" => Ok(self.cti(op)),
            "perfmonCollectCounterData" => Ok(self.counters(op)),
            "LocalHost" => Ok(format!(
                "<ns1:TimeZone xmlns:ns1=\"{AST}\">{}</ns1:TimeZone>",
                escape(&self.zone_string())
            )),
            "listNodeServiceLogs" => Ok(self.log_names()),
            "selectLogFiles" => self.select_logs(op),
            "FileName" => self.one_file(op.text.trim()),
            other => Err(format!("operation {other} is not simulated")),
        }
    }

    fn zone_string(&self) -> String {
        let zone = self.node().zone.clone().unwrap_or_else(|| "Etc/UTC".into());
        let tz = jiff::tz::db().get(&zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let secs = tz.to_offset(jiff::Timestamp::now()).seconds();
        let sign = if secs < 0 { '-' } else { '+' };
        format!(
            "(GMT{sign}{}:{}){zone}",
            secs.abs() / 3600,
            secs.abs() % 3600 / 60
        )
    }

    fn axl(
        &self,
        action: &str,
        op: &Element,
        scope: &[(String, String)],
    ) -> Result<String, String> {
        let action = action.trim().trim_matches('"');
        let version = action
            .strip_prefix("CUCM:DB ver=")
            .and_then(|r| r.strip_suffix(" executeSQLQuery"))
            .ok_or_else(|| {
                format!("SOAPAction `{action}` is not `CUCM:DB ver=X.Y executeSQLQuery`")
            })?;
        let ns = op.namespace(scope).unwrap_or("");
        if ns != format!("http://www.cisco.com/AXL/API/{version}") || op.name != "executeSQLQuery" {
            return Err(format!(
                "expected <executeSQLQuery> in AXL namespace {version}, got <{}> in `{ns}`",
                op.name
            ));
        }
        if op.children.len() != 1 || op.children[0].name != "sql" {
            return Err("executeSQLQuery takes exactly one <sql>".into());
        }
        if !self.node().publisher {
            return Err("AXL answers on the publisher only in this simulator".into());
        }
        let sql = op.children[0].text.to_ascii_lowercase();
        let tables = from_tables(&sql);
        let c = &self.cluster;
        let rows: Vec<Vec<(&str, String)>> = if tables == ["processnode"] {
            c.nodes
                .iter()
                .enumerate()
                .map(|(i, n)| vec![("name", n.name.clone()), ("nodeid", (i + 1).to_string())])
                .collect()
        } else if tables == ["callmanager", "processnode"] {
            let mut cms: Vec<String> = c.groups.iter().map(|g| g[2].clone()).collect();
            cms.sort();
            cms.dedup();
            cms.into_iter()
                .filter_map(|cm| {
                    c.node_of_callmanager(&cm)
                        .map(|n| vec![("callmanager", cm.clone()), ("processnode", n.name.clone())])
                })
                .collect()
        } else if tables
            == [
                "callmanager",
                "callmanagergroup",
                "callmanagergroupmember",
                "devicepool",
            ]
        {
            c.groups
                .iter()
                .map(|g| {
                    vec![
                        ("devicepool", g[0].clone()),
                        ("cmgroup", g[1].clone()),
                        ("callmanager", g[2].clone()),
                        ("priority", g[3].clone()),
                    ]
                })
                .collect()
        } else if tables == ["device", "devicepool", "typeclass"] {
            c.devices
                .iter()
                .map(|d| {
                    vec![
                        ("devicename", d.name.clone()),
                        ("description", d.description.clone()),
                        ("devicepool", d.pool.clone()),
                        ("class", "Phone".to_string()),
                    ]
                })
                .collect()
        } else {
            return Err(format!(
                "the simulator answers only uctriage's topology queries, not one on {}",
                tables.join(", ")
            ));
        };
        let mut out = format!("<ns:executeSQLQueryResponse xmlns:ns=\"http://www.cisco.com/AXL/API/{version}\"><return>");
        for r in rows {
            out += "<row>";
            for (k, v) in r {
                out += &format!("<{k}>{}</{k}>", escape(&v));
            }
            out += "</row>";
        }
        out += "</return></ns:executeSQLQueryResponse>";
        Ok(out)
    }

    fn products(&self) -> String {
        let v = self.node().version.clone().unwrap_or_default();
        format!("<ns1:getProductInformationListResponse xmlns:ns1=\"{AST}\"><ns1:getProductInformationListReturn><ns1:ActiveServerVersion>{v}</ns1:ActiveServerVersion><ns1:PrimaryNode>{}</ns1:PrimaryNode><ns1:SecondaryNode></ns1:SecondaryNode><ns1:Products><ns1:item><ns1:ProductName>Cisco Unified CallManager</ns1:ProductName><ns1:ProductVersion>{v}</ns1:ProductVersion><ns1:ProductDescription>Cisco Unified CallManager</ns1:ProductDescription><ns1:ProductID>CallManager</ns1:ProductID><ns1:ShortName>CallManager</ns1:ShortName></ns1:item></ns1:Products><ns1:Services></ns1:Services></ns1:getProductInformationListReturn></ns1:getProductInformationListResponse>",
            escape(&self.cluster.nodes[0].name))
    }

    fn services_status(&self) -> String {
        let mut items = String::new();
        for svc in [
            "Cisco CallManager",
            "Cisco CTIManager",
            "Cisco Tftp",
            "Cisco RIS Data Collector",
        ] {
            items += &format!("<ns1:item><ns1:ServiceName>{svc}</ns1:ServiceName><ns1:ServiceStatus>Started</ns1:ServiceStatus><ns1:ReasonCode>-1</ns1:ReasonCode><ns1:ReasonCodeString> </ns1:ReasonCodeString><ns1:StartTime></ns1:StartTime><ns1:UpTime>-1</ns1:UpTime></ns1:item>");
        }
        format!("<ns1:soapGetServiceStatusResponse xmlns:ns1=\"{AST}\"><ns1:soapGetServiceStatusReturn><ns1:ReturnCode>0</ns1:ReturnCode><ns1:ReasonCode>-1</ns1:ReasonCode><ns1:ReasonString></ns1:ReasonString><ns1:ServiceInfoList>{items}</ns1:ServiceInfoList></ns1:soapGetServiceStatusReturn></ns1:soapGetServiceStatusResponse>")
    }

    fn devices(&self, _op: &Element) -> String {
        let c = &self.cluster;
        let now = jiff::Timestamp::now().as_second();
        let mut by_node: BTreeMap<String, String> = BTreeMap::new();
        let mut total = 0;
        for d in &c.devices {
            let Some(n) = c.primary_of_pool(&d.pool) else {
                continue;
            };
            total += 1;
            by_node.entry(n.name.clone()).or_default().push_str(&format!(
                "<ns1:item><ns1:Name>{}</ns1:Name><ns1:DirNumber></ns1:DirNumber><ns1:DeviceClass>Cti</ns1:DeviceClass><ns1:Model>72</ns1:Model><ns1:Product>73</ns1:Product><ns1:BoxProduct>0</ns1:BoxProduct><ns1:Httpd>No</ns1:Httpd><ns1:RegistrationAttempts>0</ns1:RegistrationAttempts><ns1:IsCtiControllable>true</ns1:IsCtiControllable><ns1:LoginUserId></ns1:LoginUserId><ns1:Status>Registered</ns1:Status><ns1:StatusReason>0</ns1:StatusReason><ns1:PerfMonObject>2</ns1:PerfMonObject><ns1:DChannel>0</ns1:DChannel><ns1:Description>{}</ns1:Description><ns1:H323Trunk></ns1:H323Trunk><ns1:TimeStamp>{now}</ns1:TimeStamp><ns1:Protocol>SCCP</ns1:Protocol><ns1:NumOfLines>1</ns1:NumOfLines><ns1:LinesStatus></ns1:LinesStatus><ns1:ActiveLoadID></ns1:ActiveLoadID><ns1:InactiveLoadID></ns1:InactiveLoadID><ns1:DownloadStatus>Unknown</ns1:DownloadStatus><ns1:DownloadFailureReason></ns1:DownloadFailureReason><ns1:DownloadServer></ns1:DownloadServer><ns1:IPAddress></ns1:IPAddress></ns1:item>",
                escape(&d.name), escape(&d.description)));
        }
        let nodes: String = by_node
            .iter()
            .map(|(n, items)| format!("<ns1:item><ns1:ReturnCode>Ok</ns1:ReturnCode><ns1:Name>{}</ns1:Name><ns1:NoChange>false</ns1:NoChange><ns1:CmDevices>{items}</ns1:CmDevices></ns1:item>", escape(n)))
            .collect();
        format!("<ns1:selectCmDeviceResponse xmlns:ns1=\"{AST}\"><ns1:selectCmDeviceReturn><ns1:SelectCmDeviceResult><ns1:TotalDevicesFound>{total}</ns1:TotalDevicesFound><ns1:CmNodes>{nodes}</ns1:CmNodes></ns1:SelectCmDeviceResult><ns1:StateInfo>&lt;StateInfo&gt;&lt;/StateInfo&gt;</ns1:StateInfo></ns1:selectCmDeviceReturn></ns1:selectCmDeviceResponse>")
    }

    fn cti(&self, _op: &Element) -> String {
        format!("<ns1:selectCtiItemResponse xmlns:ns1=\"{AST}\"><ns1:selectCtiItemReturn><ns1:SelectCtiItemResult><ns1:TotalItemsFound>0</ns1:TotalItemsFound><ns1:CtiNodes></ns1:CtiNodes></ns1:SelectCtiItemResult><ns1:StateInfo></ns1:StateInfo></ns1:selectCtiItemReturn></ns1:selectCtiItemResponse>")
    }

    fn counters(&self, op: &Element) -> String {
        let host = op.text_of("Host");
        let object = op.text_of("Object");
        let counters: &[&str] = match object.as_str() {
            "Processor" => &["% CPU Time", "IOwait Percentage"],
            "Memory" => &["% Mem Used", "% VM Used"],
            "Partition" => &["% Used"],
            _ => &["CallsActive", "RegisteredHardwarePhones"],
        };
        let inst = match object.as_str() {
            "Processor" => "(_Total)",
            "Partition" => "(Active)",
            _ => "",
        };
        let items: String = counters
            .iter()
            .map(|c| format!("<ns1:perfmonCollectCounterDataReturn><ns1:Name>\\\\{}\\{}{}\\{}</ns1:Name><ns1:Value>0</ns1:Value><ns1:CStatus>1</ns1:CStatus></ns1:perfmonCollectCounterDataReturn>", escape(&host), escape(&object), inst, escape(c)))
            .collect();
        format!("<ns1:perfmonCollectCounterDataResponse xmlns:ns1=\"{AST}\">{items}</ns1:perfmonCollectCounterDataResponse>")
    }

    fn log_names(&self) -> String {
        let items = |v: &[&str]| -> String {
            v.iter()
                .map(|s| format!("<ns1:item>{s}</ns1:item>"))
                .collect()
        };
        format!("<ns1:listNodeServiceLogsResponse xmlns:ns1=\"{AST}\"><ns1:listNodeServiceLogsReturn><ns1:name>{}</ns1:name><ns1:ServiceLog>{}</ns1:ServiceLog><ns1:SystemLog>{}</ns1:SystemLog></ns1:listNodeServiceLogsReturn></ns1:listNodeServiceLogsResponse>",
            escape(&self.node().name),
            items(&["Cisco CallManager", "Cisco CTIManager", "Cisco RIS Data Collector PerfMonLog", "Cisco Tftp"]),
            items(&["Event Viewer-Application Log", "Event Viewer-System Log"]))
    }

    fn select_logs(&self, op: &Element) -> Result<String, String> {
        let crit = op
            .child("FileSelectionCriteria")
            .ok_or("no FileSelectionCriteria")?;
        for end in ["FromDate", "ToDate"] {
            let v = crit.text_of(end);
            if !dime_date(&v) {
                return Err(format!("{end} `{v}` is not `MM/DD/YY hh:mm AM`"));
            }
        }
        let mut wanted: Vec<String> = Vec::new();
        for list in ["ServiceLogs", "SystemLogs"] {
            if let Some(l) = crit.child(list) {
                wanted.extend(l.children_named("item").map(|i| i.text.trim().to_string()));
            }
        }
        // The simulator does not read its files' times: every file of a wanted log is listed.
        let mut by_service: BTreeMap<&str, String> = BTreeMap::new();
        for (service, remote, disk) in &self.node().logs {
            if !wanted.iter().any(|w| w == service) {
                continue;
            }
            let size = std::fs::metadata(disk).map(|m| m.len()).unwrap_or(0);
            let name = remote.rsplit('/').next().unwrap_or(remote);
            by_service.entry(service.as_str()).or_default().push_str(&format!(
                "<ns1:File><ns1:name>{}</ns1:name><ns1:absolutepath>{}</ns1:absolutepath><ns1:filesize>{size}</ns1:filesize><ns1:modifiedDate>Fri Jul 12 13:00:00 CDT 2019</ns1:modifiedDate></ns1:File>",
                escape(name), escape(remote)));
        }
        let list: String = by_service
            .iter()
            .map(|(s, files)| format!("<ns1:ServiceLogs><ns1:name>{}</ns1:name><ns1:SetOfFiles>{files}</ns1:SetOfFiles></ns1:ServiceLogs>", escape(s)))
            .collect();
        Ok(format!("<ns1:selectLogFilesResponse xmlns:ns1=\"{AST}\"><ns1:ResultSet><ns1:SchemaFileSelectionResult><ns1:Node><ns1:name>{}</ns1:name><ns1:ServiceList>{list}</ns1:ServiceList></ns1:Node></ns1:SchemaFileSelectionResult></ns1:ResultSet></ns1:selectLogFilesResponse>", escape(&self.node().name)))
    }

    fn one_file(&self, remote: &str) -> Result<String, String> {
        let (_, _, disk) = self
            .node()
            .logs
            .iter()
            .find(|(_, r, _)| r == remote)
            .ok_or_else(|| format!("{remote}: no such file"))?;
        let bytes = std::fs::read(disk).map_err(|e| format!("{remote}: {e}"))?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        Ok(format!(
            "<ns1:GetOneFileReturn xmlns:ns1=\"{AST}\">{b64}</ns1:GetOneFileReturn>"
        ))
    }
}

fn dime_date(v: &str) -> bool {
    let t: Vec<&str> = v.split_whitespace().collect();
    if t.len() != 3 || !matches!(t[2], "AM" | "PM") {
        return false;
    }
    let d: Vec<&str> = t[0].split('/').collect();
    let h: Vec<&str> = t[1].split(':').collect();
    d.len() == 3
        && d.iter().all(|x| x.len() == 2 && x.parse::<u32>().is_ok())
        && h.len() == 2
        && h.iter().all(|x| x.parse::<u32>().is_ok())
}

/// The tables a query reads, sorted.
fn from_tables(sql: &str) -> Vec<String> {
    let Some(i) = sql.find(" from ") else {
        return Vec::new();
    };
    let rest = &sql[i + 6..];
    let end = [" where ", " order by ", " group by "]
        .iter()
        .filter_map(|k| rest.find(k))
        .min()
        .unwrap_or(rest.len());
    let mut t: Vec<String> = rest[..end]
        .split(',')
        .filter_map(|p| p.split_whitespace().next().map(str::to_string))
        .collect();
    t.sort();
    t.dedup();
    t
}

fn envelope(status: u16, body: &str) -> Response<Full<Bytes>> {
    let text = format!("<?xml version='1.0' encoding='utf-8'?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>");
    Response::builder()
        .status(status)
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(Full::new(Bytes::from(text)))
        .expect("response")
}

fn fault(status: u16, code: &str, text: &str) -> Response<Full<Bytes>> {
    envelope(status, &format!("<soapenv:Fault><faultcode xmlns:ns1=\"{AST}\">{}</faultcode><faultstring>{}</faultstring></soapenv:Fault>", escape(code), escape(text)))
}

/// The expected Basic header for a user and password.
pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}
