//! Evidence: file, line and the raw text, in a collapsible block.

use super::{esc, w};
use uctriage_core::Evidence;

/// `<details>` with one `file:line` and `<pre>` per item; nothing when empty.
pub(super) fn details(s: &mut String, ev: &[Evidence]) {
    if ev.is_empty() {
        return;
    }
    w!(
        s,
        "<details class=\"evidence\"><summary>Evidence ({} {})</summary>\n<ol class=\"ev\">\n",
        ev.len(),
        if ev.len() == 1 { "line" } else { "lines" }
    );
    for e in ev {
        w!(
            s,
            "<li><code>{}:{}</code><pre>{}</pre></li>\n",
            esc(&e.file),
            e.line,
            esc(&e.text.get())
        );
    }
    s.push_str("</ol></details>\n");
}
