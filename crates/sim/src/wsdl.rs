//! Requests checked against the published WSDLs (copied in `wsdl/`, MIT
//! licence in `wsdl/LICENSE-wsdl`): the SOAPAction names an operation of the
//! service, the Body's element is that operation's input, and every element
//! below follows its declared sequence (names, order, required elements,
//! enumerations). Anything else is refused with a SOAP fault.

use std::collections::BTreeMap;
use uctriage_collect::xml::{self, Element};

/// One declared child of a sequence.
#[derive(Clone, Debug)]
struct Child {
    name: String,
    ty: Ty,
    min: u32,
    unbounded: bool,
    max: u32,
}

/// A type: built in, named (complex or simple), or inline.
#[derive(Clone, Debug)]
enum Ty {
    Builtin(String),
    Named(String),
    Inline(Vec<Child>),
}

/// One service's contract.
#[derive(Debug, Default)]
pub struct Service {
    target_ns: String,
    elements: BTreeMap<String, Ty>,
    complex: BTreeMap<String, Vec<Child>>,
    enums: BTreeMap<String, Vec<String>>,
    /// SOAPAction → input element name.
    actions: BTreeMap<String, String>,
}

const SOURCES: &[(&str, &str)] = &[
    (
        "/realtimeservice2/services/RISService70",
        include_str!("../wsdl/RISService70.wsdl"),
    ),
    (
        "/perfmonservice2/services/PerfmonService",
        include_str!("../wsdl/PerfmonService.wsdl"),
    ),
    (
        "/logcollectionservice2/services/LogCollectionPortTypeService",
        include_str!("../wsdl/LogCollectionPortTypeService.wsdl"),
    ),
    (
        "/controlcenterservice2/services/ControlCenterServices",
        include_str!("../wsdl/ControlCenterServices.wsdl"),
    ),
];

/// Every service by its path.
pub fn load() -> BTreeMap<String, Service> {
    SOURCES
        .iter()
        .map(|(path, text)| {
            (
                path.to_string(),
                Service::parse(text).expect("bundled WSDL parses"),
            )
        })
        .collect()
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

fn is_builtin(qname: &str) -> bool {
    let (prefix, _) = qname.split_once(':').unwrap_or(("", qname));
    prefix.is_empty() || prefix == "xsd" || prefix == "xs"
}

impl Service {
    fn parse(text: &str) -> Result<Service, String> {
        let root = xml::parse(text.as_bytes())?;
        let mut s = Service::default();
        let mut schemas = Vec::new();
        root.find_all("schema", &mut schemas);
        for schema in schemas {
            s.target_ns = schema.attr("targetNamespace").unwrap_or("").to_string();
            for el in &schema.children {
                let Some(name) = el.attr("name") else {
                    continue;
                };
                match el.name.as_str() {
                    "element" => {
                        let ty = element_type(el);
                        s.elements.insert(name.to_string(), ty);
                    }
                    "complexType" => {
                        s.complex.insert(name.to_string(), sequence(el));
                    }
                    "simpleType" => {
                        let mut en = Vec::new();
                        el.find_all("enumeration", &mut en);
                        s.enums.insert(
                            name.to_string(),
                            en.iter()
                                .filter_map(|e| e.attr("value").map(str::to_string))
                                .collect(),
                        );
                    }
                    _ => {}
                }
            }
        }
        // message name → element of its (single) part
        let mut messages = BTreeMap::new();
        for m in root.children_named("message") {
            if let (Some(name), Some(part)) = (m.attr("name"), m.child("part")) {
                if let Some(el) = part.attr("element") {
                    messages.insert(name.to_string(), local(el).to_string());
                }
            }
        }
        // portType operation → input message
        let mut inputs = BTreeMap::new();
        for pt in root.children_named("portType") {
            for op in pt.children_named("operation") {
                if let (Some(name), Some(input)) = (op.attr("name"), op.child("input")) {
                    if let Some(msg) = input.attr("message") {
                        if let Some(el) = messages.get(local(msg)) {
                            inputs.insert(name.to_string(), el.clone());
                        }
                    }
                }
            }
        }
        for b in root.children_named("binding") {
            for op in b.children_named("operation") {
                let Some(name) = op.attr("name") else {
                    continue;
                };
                let action = op
                    .child("operation")
                    .and_then(|o| o.attr("soapAction"))
                    .unwrap_or(name);
                if let Some(el) = inputs.get(name) {
                    s.actions.insert(action.to_string(), el.clone());
                }
            }
        }
        Ok(s)
    }

    /// Check a request; returns the operation's input element name.
    pub fn check(
        &self,
        action: &str,
        body: &Element,
        scope: &[(String, String)],
    ) -> Result<String, String> {
        let action = action.trim().trim_matches('"');
        let expected = self
            .actions
            .get(action)
            .ok_or_else(|| format!("SOAPAction `{action}` is not an operation of this service"))?;
        if body.name != *expected {
            return Err(format!(
                "operation {action} takes <{expected}>, not <{}>",
                body.name
            ));
        }
        let ty = self
            .elements
            .get(expected)
            .ok_or_else(|| format!("element {expected} is not declared"))?;
        self.check_element(body, ty, scope, expected)
            .map(|_| expected.clone())
    }

    fn check_element(
        &self,
        el: &Element,
        ty: &Ty,
        scope: &[(String, String)],
        path: &str,
    ) -> Result<(), String> {
        let mut scope = scope.to_vec();
        scope.extend(
            el.attrs
                .iter()
                .filter(|(k, _)| k.starts_with("xmlns"))
                .cloned(),
        );
        let ns = el.namespace(&scope).unwrap_or("");
        if ns != self.target_ns {
            return Err(format!(
                "<{path}> is in namespace `{ns}`, not `{}`",
                self.target_ns
            ));
        }
        match ty {
            Ty::Builtin(b) => check_builtin(b, el, path),
            Ty::Named(n) => {
                if let Some(children) = self.complex.get(n) {
                    self.check_sequence(el, children, &scope, path)
                } else if let Some(values) = self.enums.get(n) {
                    let v = el.text.trim();
                    if values.is_empty() || values.iter().any(|x| x == v) || nil(el) {
                        Ok(())
                    } else {
                        Err(format!(
                            "<{path}> is `{v}`, not one of {}",
                            values.join(", ")
                        ))
                    }
                } else {
                    Ok(())
                }
            }
            Ty::Inline(children) => self.check_sequence(el, children, &scope, path),
        }
    }

    fn check_sequence(
        &self,
        el: &Element,
        decl: &[Child],
        scope: &[(String, String)],
        path: &str,
    ) -> Result<(), String> {
        if nil(el) && el.children.is_empty() {
            return Ok(());
        }
        let mut i = 0;
        for d in decl {
            let mut n = 0u32;
            while i < el.children.len() && el.children[i].name == d.name {
                if !d.unbounded && n >= d.max {
                    return Err(format!("<{path}> has too many <{}>", d.name));
                }
                let child_path = format!("{path}/{}", d.name);
                self.check_element(&el.children[i], &d.ty, scope, &child_path)?;
                i += 1;
                n += 1;
            }
            if n < d.min {
                return Err(format!("<{path}> lacks <{}>", d.name));
            }
        }
        if let Some(extra) = el.children.get(i) {
            return Err(format!("<{path}> has an unexpected <{}>", extra.name));
        }
        Ok(())
    }
}

fn nil(el: &Element) -> bool {
    matches!(el.attr("nil"), Some("1") | Some("true"))
}

fn check_builtin(b: &str, el: &Element, path: &str) -> Result<(), String> {
    if !el.children.is_empty() {
        return Err(format!("<{path}> must hold text, not elements"));
    }
    let v = el.text.trim();
    let ok = match b {
        "unsignedInt" | "long" | "integer" | "int" => {
            v.is_empty() && nil(el)
                || v.parse::<i64>().is_ok() && (b != "unsignedInt" || !v.starts_with('-'))
        }
        "byte" => v.parse::<i8>().is_ok(),
        "boolean" => matches!(v, "true" | "false" | "1" | "0"),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("<{path}> `{v}` is not a valid {b}"))
    }
}

fn element_type(el: &Element) -> Ty {
    match el.attr("type") {
        Some(t) if is_builtin(t) => Ty::Builtin(local(t).to_string()),
        Some(t) => Ty::Named(local(t).to_string()),
        None => match el.child("complexType") {
            Some(ct) => Ty::Inline(sequence(ct)),
            None => Ty::Builtin("string".into()),
        },
    }
}

fn sequence(ct: &Element) -> Vec<Child> {
    let Some(seq) = ct.child("sequence") else {
        return Vec::new();
    };
    seq.children_named("element")
        .map(|e| {
            let max = e.attr("maxOccurs").unwrap_or("1");
            Child {
                name: e.attr("name").unwrap_or("").to_string(),
                ty: element_type(e),
                min: e
                    .attr("minOccurs")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(1),
                unbounded: max == "unbounded",
                max: max.parse().unwrap_or(1),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first child of a wrapper element, and the namespaces the wrapper declares.
    fn body(xml_text: &str) -> (Element, Vec<(String, String)>) {
        let root = xml::parse(xml_text.as_bytes()).unwrap();
        (root.children[0].clone(), root.attrs.clone())
    }

    #[test]
    fn a_well_formed_request_passes_and_a_bad_one_is_refused() {
        let services = load();
        let dime = &services["/logcollectionservice2/services/LogCollectionPortTypeService"];
        let (ok, scope) = body(
            r#"<w xmlns:soap="http://schemas.cisco.com/ast/soap"><soap:LocalHost>n1</soap:LocalHost></w>"#,
        );
        assert_eq!(
            dime.check("\"getTimeZone\"", &ok, &scope).unwrap(),
            "LocalHost"
        );
        assert!(dime.check("getTimeZone", &ok, &scope).is_ok());
        assert!(dime.check("deleteEverything", &ok, &scope).is_err());
        let ris = &services["/realtimeservice2/services/RISService70"];
        let (bad, scope) = body(
            r#"<w xmlns:soap="http://schemas.cisco.com/ast/soap"><soap:selectCtiItem><soap:StateInfo/><soap:CtiSelectionCriteria><soap:MaxReturnedItems>10</soap:MaxReturnedItems><soap:CtiMgrClass>Everything</soap:CtiMgrClass></soap:CtiSelectionCriteria></soap:selectCtiItem></w>"#,
        );
        let err = ris.check("selectCtiItem", &bad, &scope).unwrap_err();
        assert!(err.contains("Everything"), "{err}");
    }
}
