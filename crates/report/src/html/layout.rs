//! The page around the content: head, inline CSS and JavaScript, foot.

use super::{esc, w};
use crate::time::TimeStyle;
use uctriage_correlate::Analysis;
use uctriage_normalize::Bundle;

/// Nothing may be fetched: no scripts, styles, images or fonts from anywhere.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
img-src data:; base-uri 'none'; form-action 'none'";

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;
--impact:#b3261e;--root_cause:#c25e00;--contributing:#8a6d00;--coincidental:#6e7781;
--recurrence:#0b5cad;--advisory:#1a7f5a;--focus:#0a58ca}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:0 20px 40px}
header.top{border-bottom:3px solid var(--fg);padding:18px 0 10px;margin-bottom:14px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.3em;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1.05em;margin:0}
.meta,.muted{color:var(--muted);font-size:.92em}
nav.toc a{margin-right:14px}
a{color:#0a58ca}a:visited{color:#6639ba}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
.summary{display:grid;grid-template-columns:9em 1fr;gap:6px 14px;background:var(--soft);border:1px solid var(--line);border-left:6px solid var(--impact);padding:12px 16px;margin:10px 0}
.summary dt{font-weight:700;text-transform:uppercase;font-size:.8em;letter-spacing:.04em;padding-top:2px}
.summary dd{margin:0}.summary ul{margin:0;padding-left:1.2em}
.card{border:1px solid var(--line);border-left:6px solid var(--k,#999);border-radius:4px;padding:10px 14px;margin:12px 0;break-inside:avoid-page}
.card:target{box-shadow:0 0 0 3px var(--focus)}
.card header{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:baseline}
.badge{display:inline-block;font-size:.72em;font-weight:700;letter-spacing:.05em;text-transform:uppercase;padding:1px 7px;border-radius:3px;color:#fff;background:var(--k,#999);border:1px solid var(--k,#999)}
.conf{font-variant-numeric:tabular-nums;color:var(--muted)}
.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;color:var(--muted)}
.k-impact{--k:var(--impact)}.k-root_cause{--k:var(--root_cause)}.k-contributing{--k:var(--contributing)}
.k-coincidental{--k:var(--coincidental)}.k-recurrence{--k:var(--recurrence)}.k-advisory{--k:var(--advisory)}
.when{font-variant-numeric:tabular-nums}
.card p{margin:6px 0}.card h4{margin:8px 0 2px;font-size:.9em}.card ul{margin:2px 0;padding-left:1.3em}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
ol.ev{list-style:none;padding:0;margin:6px 0}ol.ev li{margin:0 0 6px}
ol.ev code{font-size:.82em;color:var(--muted)}
pre{margin:2px 0 0;padding:6px 8px;background:var(--soft);border:1px solid var(--line);border-radius:3px;white-space:pre-wrap;word-break:break-all;font:12.5px/1.35 ui-monospace,Menlo,Consolas,monospace}
figure{margin:12px 0}figcaption{font-size:.9em;color:var(--muted);margin-bottom:4px}
svg{max-width:100%;height:auto;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg text{fill:#24292f}
.chart,.lanes{border:1px solid var(--line);border-radius:4px;padding:8px 10px;margin:12px 0;break-inside:avoid-page}
.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.88em}
.legend li{display:flex;align-items:center;gap:5px}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.path{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.tools{margin:8px 0}.tools button{font:inherit;padding:3px 10px;margin-right:6px;border:1px solid var(--line);border-radius:4px;background:var(--soft);cursor:pointer}
footer{margin-top:30px;color:var(--muted);font-size:.85em;border-top:1px solid var(--line);padding-top:8px}
@media print{
 body{font-size:10pt}main{max-width:none;padding:0}
 nav.toc,.tools{display:none}
 a{color:#000;text-decoration:underline}
 details::details-content{content-visibility:visible;display:block}
 .card,.chart,figure{break-inside:avoid}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 pre{white-space:pre-wrap;border-color:#999}
 .badge{color:#000;background:#fff;border-color:#000}
}
"#;

/// Optional niceties; the page reads the same with JavaScript off.
const JS: &str = r#"
(function(){
var d=document,all=function(){return d.querySelectorAll('details');};
var tools=d.getElementById('tools');
if(tools){tools.hidden=false;
d.getElementById('open-all').addEventListener('click',function(){all().forEach(function(x){x.open=true;});});
d.getElementById('close-all').addEventListener('click',function(){all().forEach(function(x){x.open=false;});});}
window.addEventListener('beforeprint',function(){all().forEach(function(x){x.dataset.was=x.open?'1':'';x.open=true;});});
window.addEventListener('afterprint',function(){all().forEach(function(x){if(x.dataset.was!==undefined){x.open=x.dataset.was==='1';delete x.dataset.was;}});});
d.documentElement.setAttribute('data-ready','1');
})();
"#;

/// `<!doctype html>` to the start of `<main>`, with the title block.
pub(super) fn head(s: &mut String, a: &Analysis, b: &Bundle, style: &TimeStyle) {
    let title = a
        .findings
        .first()
        .map(|f| format!("uctriage — {}", f.title))
        .unwrap_or_else(|| "uctriage analysis".into());
    w!(
        s,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&clip(&title, 120))
    );
    w!(
        s,
        "<header class=\"top\">\n<h1>uctriage incident analysis</h1>\n\
<p class=\"meta\">Times in <strong>{}</strong> (the bundle's zone: {}; {}). \
Generated by uctriage {} from {} files, {} events.</p>\n",
        esc(&style.name),
        esc(&b.display.zone),
        esc(&b.display.detail),
        env!("CARGO_PKG_VERSION"),
        b.files.len(),
        b.events.len() + b.spilled.as_ref().map_or(0, |r| r.events() as usize)
    );
    s.push_str(
        "<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#summary\">Summary</a>\
<a href=\"#findings\">Findings</a><a href=\"#timeline\">Timeline</a>\
<a href=\"#metrics\">Metrics</a><a href=\"#files\">Files</a><a href=\"#notes\">Notes</a></nav>\n\
<div class=\"tools\" id=\"tools\" hidden><button type=\"button\" id=\"open-all\">Expand all evidence</button>\
<button type=\"button\" id=\"close-all\">Collapse all</button></div>\n</header>\n",
    );
}

/// The end of the page, with the script.
pub(super) fn foot(s: &mut String) {
    w!(
        s,
        "<footer>Generated by uctriage {} — a self-contained file: nothing is loaded from the network. \
Every time is shown in the incident's zone with its UTC offset; every finding cites file and line.</footer>\n\
</main>\n<script>{JS}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// At most `n` characters, with an ellipsis when cut.
pub(super) fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
