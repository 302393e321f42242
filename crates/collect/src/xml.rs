//! A small element tree over quick-xml, namespace-agnostic: SOAP answers are
//! read by local element names (formats.md §9.1: "parse by element name,
//! namespace-agnostic, and treat `xsi:nil` and missing elements alike").

use quick_xml::events::Event;
use quick_xml::Reader;

/// One XML element: its local name, namespace URI if declared by prefix, attributes, text and children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    /// Local name (prefix removed).
    pub name: String,
    /// The prefix as written (`soapenv`, `ns1`, or empty).
    pub prefix: String,
    /// Attributes as written (qualified names kept).
    pub attrs: Vec<(String, String)>,
    /// Concatenated text and CDATA directly inside this element.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name ("" when absent or nil).
    pub fn text_of(&self, name: &str) -> String {
        self.child(name)
            .map(|c| c.text.trim().to_string())
            .unwrap_or_default()
    }

    /// The first element with this local name anywhere below (depth first), self included.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every element with this local name anywhere below, self included.
    pub fn find_all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.find_all(name, out);
        }
    }

    /// An attribute by its qualified or local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name || k.rsplit(':').next() == Some(name))
            .map(|(_, v)| v.as_str())
    }

    /// The namespace URI this element's prefix is bound to, looking only at
    /// its own declarations and those given by `scope` (outer declarations).
    pub fn namespace<'a>(&'a self, scope: &'a [(String, String)]) -> Option<&'a str> {
        let key = if self.prefix.is_empty() {
            "xmlns".to_string()
        } else {
            format!("xmlns:{}", self.prefix)
        };
        self.attrs
            .iter()
            .chain(scope.iter().rev())
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parse a document into its root element. Fails on malformed XML, on a
/// document without an element, and on input nested deeper than 64 levels.
pub fn parse(bytes: &[u8]) -> Result<Element, String> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut buf = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("malformed XML at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Event::Start(s) | Event::Empty(s) if stack.len() > 64 => {
                let _ = s;
                return Err("XML nested too deep".into());
            }
            Event::Start(s) => stack.push(open(&s)?),
            Event::Empty(s) => {
                let el = open(&s)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("unbalanced XML end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let raw = String::from_utf8_lossy(t.as_ref()).into_owned();
                    let text = quick_xml::escape::unescape(&raw)
                        .map_err(|e| format!("bad XML escape: {e}"))?;
                    top.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                    let reference = format!("&{name};");
                    let text = quick_xml::escape::unescape(&reference)
                        .map_err(|e| format!("bad XML reference: {e}"))?;
                    top.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(t.as_ref()));
                }
            }
            Event::Eof => return Err("XML ended before its root element closed".into()),
            _ => {}
        }
        buf.clear();
    }
}

fn open(s: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let qname = String::from_utf8_lossy(s.name().as_ref()).into_owned();
    let (prefix, name) = match qname.split_once(':') {
        Some((p, n)) => (p.to_string(), n.to_string()),
        None => (String::new(), qname),
    };
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| format!("bad XML attribute: {e}"))?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|e| format!("bad XML attribute value: {e}"))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        prefix,
        attrs,
        ..Default::default()
    })
}

/// Escape text for an XML element or attribute.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_local_names_text_and_nil() {
        let doc = br#"<?xml version='1.0'?><a:Env xmlns:a="urn:x"><a:Body><b:r xmlns:b="urn:y"><b:v>1 &amp; 2</b:v><b:n xsi:nil="1"/></b:r></a:Body></a:Env>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Env");
        let r = root.find("r").unwrap();
        assert_eq!(r.text_of("v"), "1 & 2");
        assert_eq!(r.text_of("n"), "");
        assert_eq!(r.namespace(&[]), Some("urn:y"));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<a>").is_err());
        assert!(parse(b"").is_err());
    }
}
