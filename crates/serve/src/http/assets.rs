//! The UI's stylesheet and its one small script, served from this process.

use axum::http::header;
use axum::response::IntoResponse;

const CSS: &str = r#"
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--bad:#b3261e;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg)}
header{display:flex;gap:1.5em;align-items:center;padding:.6em 1.2em;background:#24292f;color:#fff}
header a{color:#fff;margin-right:1em;text-decoration:none}header a:hover{text-decoration:underline}
header form.logout{margin-left:auto;display:flex;gap:.6em;align-items:center}
main{padding:1em 1.2em;max-width:1400px}
h1{font-size:1.35em;margin:.2em 0 .8em}h2{font-size:1.1em;margin:.4em 0}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-bottom:1px solid var(--line);padding:.3em .5em;text-align:left;vertical-align:top}
th{background:var(--soft);position:sticky;top:0}
td code{font-size:.9em;color:var(--muted)}
tr.open .status,span.status{font-weight:600}
tr.open .status{color:var(--bad)}tr.closed .status{color:var(--ok)}
section.finding{border:1px solid var(--line);border-radius:6px;padding:.6em .9em;margin:.7em 0}
section.finding[data-kind=impact]{border-left:5px solid var(--bad)}
section.finding[data-kind=root_cause]{border-left:5px solid #c25e00}
span.kind{font-size:.8em;text-transform:uppercase;color:var(--muted)}
ul.evidence{font-size:.9em}ul.evidence li{word-break:break-all}
.unknown{color:var(--bad);font-weight:700}
.error{color:var(--bad);font-weight:600}
form.search,form.login{display:flex;flex-wrap:wrap;gap:.8em;align-items:end;margin-bottom:1em}
form.login{flex-direction:column;align-items:start;max-width:22em}
input,select,button{font:inherit;padding:.25em .4em}
code.token{background:#fff8c5;padding:.2em .4em;user-select:all}
footer{padding:1em 1.2em;color:var(--muted);font-size:.85em}
tr.fresh{background:#fff8c5}
"#;

const JS: &str = r#"(function () {
  'use strict';
  var body = document.body;
  var every = parseInt(body.getAttribute('data-refresh') || '0', 10);
  if (every > 0) {
    setInterval(function () {
      // Never pull a page away from someone reading evidence or typing.
      if (!document.querySelector('details[open]') && document.activeElement === body) {
        location.reload();
      }
    }, every * 1000);
  }
  var table = document.querySelector('table[data-live-host]');
  if (table) {
    var host = table.getAttribute('data-live-host');
    var tbody = table.tBodies[0];
    var last = 0;
    Array.prototype.forEach.call(tbody.rows, function (r) {
      last = Math.max(last, parseInt(r.getAttribute('data-line') || '0', 10));
    });
    var cell = function (tr, text, title) {
      var td = document.createElement('td');
      td.textContent = text;
      if (title) { td.title = title; }
      tr.appendChild(td);
    };
    var poll = function () {
      fetch('/api/v1/events?limit=500&host=' + encodeURIComponent(host) + '&after=' + last,
            { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : ''; })
        .then(function (text) {
          text.split('\n').filter(Boolean).forEach(function (line) {
            var e = JSON.parse(line);
            var tr = document.createElement('tr');
            tr.className = 'fresh';
            tr.setAttribute('data-line', e.line);
            cell(tr, e.time ? e.time.replace('T', ' ').replace('Z', '') : '—', e.clock.detail);
            cell(tr, e.host || '—');
            cell(tr, e.kind);
            cell(tr, e.severity);
            cell(tr, e.summary, e.text);
            cell(tr, e.file + ':' + e.line);
            tbody.insertBefore(tr, tbody.firstChild);
            last = Math.max(last, e.line);
          });
        })
        .catch(function () {})
        .then(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 2000);
  }
  document.documentElement.setAttribute('data-ready', '1');
})();
"#;

/// The stylesheet.
pub async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// The script.
pub async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
}
