//! Fixed-width tables of the CIMC CLI (`show storageadapter`, `show
//! virtual-drive`, `show physical-drive`, `show fault-entries`, ...).
//!
//! Columns are found by name in the header line (longest names first, so
//! `Controller Status` wins over `Status`) and, when the CLI prints one, from
//! the runs of the `----- ---` rule under it, which give exact widths. Values
//! in public captures do not always sit under their header (a pasted capture
//! loses a leading space, an author shortens a serial number), so a row's
//! cells are matched to the columns whose starts are nearest, in order.

/// A table header: column names and their start columns (in characters).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Columns {
    /// `(name, start)` in order of position.
    pub(crate) cols: Vec<(String, usize)>,
}

/// How far before its header a value may start and still be the header's.
const LEAD: usize = 3;

impl Columns {
    /// Columns of `header` named by `known` (any order); None when fewer than
    /// two known names are present.
    pub(crate) fn from_header(header: &str, known: &[&str]) -> Option<Columns> {
        let chars: Vec<char> = header.chars().collect();
        let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
        let mut names: Vec<&str> = known.to_vec();
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut claimed = vec![false; chars.len()];
        let mut found: Vec<(String, usize)> = Vec::new();
        for name in names {
            let pat: Vec<char> = name.to_ascii_lowercase().chars().collect();
            let mut i = 0;
            while i + pat.len() <= lower.len() {
                let fits = lower[i..i + pat.len()] == pat[..]
                    && (i == 0 || lower[i - 1] == ' ')
                    && (i + pat.len() == lower.len() || lower[i + pat.len()] == ' ')
                    && !claimed[i..i + pat.len()].iter().any(|c| *c);
                if fits {
                    claimed[i..i + pat.len()].iter_mut().for_each(|c| *c = true);
                    found.push((name.to_string(), i));
                    break;
                }
                i += 1;
            }
        }
        found.sort_by_key(|(_, s)| *s);
        (found.len() >= 2).then_some(Columns { cols: found })
    }

    /// Refine the starts from a `---- ------` rule line (exact widths). When
    /// the header named as many known columns as the rule has runs, those
    /// names are taken in order: a header wider than its column (`Negotiated
    /// Link Speed` over a 10-dash run) overflows into its neighbours' runs.
    /// Otherwise the names are re-read from the header over each run.
    pub(crate) fn from_rule(header: &str, rule: &str, named: Option<&Columns>) -> Option<Columns> {
        let h: Vec<char> = header.chars().collect();
        let mut cols = Vec::new();
        let mut start = None;
        for (i, c) in rule.chars().chain(std::iter::once(' ')).enumerate() {
            match (c == '-', start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    let name: String = h
                        .get(s..i.min(h.len()))
                        .map(|x| x.iter().collect::<String>())
                        .unwrap_or_default();
                    cols.push((name.trim().to_string(), s));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(named) = named.filter(|n| n.cols.len() == cols.len()) {
            for ((name, _), (known, _)) in cols.iter_mut().zip(&named.cols) {
                name.clone_from(known);
            }
        }
        (cols.len() >= 2).then_some(Columns { cols })
    }

    /// The values of a row, one per column (empty string when absent).
    ///
    /// The row's cells (text separated by two or more spaces) are matched to
    /// columns in order, each to the column whose start is nearest overall
    /// (a monotone alignment; a column may stay empty). A cell that runs into
    /// an empty column is split at a word starting near that column. When a
    /// row has more cells than the header has columns, the row is cut at the
    /// column starts instead.
    pub(crate) fn cut(&self, row: &str) -> Vec<(String, String)> {
        let chars: Vec<char> = row.chars().collect();
        let cells = cells(&chars);
        match self.align(&cells) {
            Some(assign) => self.split_runs(&chars, &cells, &assign),
            None => self.cut_at_starts(&chars),
        }
    }

    /// Column index of each cell, minimising the summed distance of cell
    /// starts to column starts; None when there are more cells than columns.
    fn align(&self, cells: &[(usize, usize)]) -> Option<Vec<usize>> {
        let (m, n) = (cells.len(), self.cols.len());
        if m > n {
            return None;
        }
        if m == 0 {
            return Some(Vec::new());
        }
        const INF: usize = usize::MAX / 4;
        // cost[i][j]: cells 0..=i placed, cell i in column j.
        let mut cost = vec![vec![INF; n]; m];
        let mut from = vec![vec![0usize; n]; m];
        let dist = |i: usize, j: usize| cells[i].0.abs_diff(self.cols[j].1);
        for (j, c) in cost[0].iter_mut().enumerate() {
            *c = dist(0, j);
        }
        for i in 1..m {
            let mut best = (INF, 0);
            for j in 1..n {
                if cost[i - 1][j - 1] < best.0 {
                    best = (cost[i - 1][j - 1], j - 1);
                }
                if best.0 < INF {
                    cost[i][j] = best.0 + dist(i, j);
                    from[i][j] = best.1;
                }
            }
        }
        let (mut j, _) = (0..n)
            .map(|j| (j, cost[m - 1][j]))
            .min_by_key(|(_, c)| *c)?;
        if cost[m - 1][j] >= INF {
            return None;
        }
        let mut assign = vec![0; m];
        for i in (0..m).rev() {
            assign[i] = j;
            j = from[i][j];
        }
        Some(assign)
    }

    fn split_runs(
        &self,
        chars: &[char],
        cells: &[(usize, usize)],
        assign: &[usize],
    ) -> Vec<(String, String)> {
        let mut values = vec![String::new(); self.cols.len()];
        for (i, &(s, e)) in cells.iter().enumerate() {
            let col = assign[i];
            let last = assign.get(i + 1).copied().unwrap_or(self.cols.len());
            // Columns between this cell's and the next cell's are empty: the
            // cell may have run into them.
            let mut from = s;
            let mut at = col;
            for next in col + 1..last {
                let start = self.cols[next].1;
                let lo = start.saturating_sub(LEAD).max(from + 1);
                let hi = (start + LEAD).min(e);
                if let Some(w) = (lo..hi).find(|&w| w > 0 && chars[w - 1] == ' ' && chars[w] != ' ')
                {
                    values[at] = chars[from..w].iter().collect::<String>().trim().to_string();
                    from = w;
                    at = next;
                }
            }
            values[at] = chars[from..e].iter().collect::<String>().trim().to_string();
        }
        self.cols
            .iter()
            .map(|(n, _)| n.clone())
            .zip(values)
            .collect()
    }

    /// Cut at the column starts (for rows with more cells than columns).
    fn cut_at_starts(&self, chars: &[char]) -> Vec<(String, String)> {
        let n = chars.len();
        let mut cuts: Vec<usize> = Vec::with_capacity(self.cols.len());
        for (i, (_, start)) in self.cols.iter().enumerate() {
            if i == 0 {
                cuts.push(0);
                continue;
            }
            let floor = cuts.last().map_or(0, |c| c + 1);
            let mut c = (*start).min(n);
            if c < n && c > 0 && !chars[c - 1].is_whitespace() && !chars[c].is_whitespace() {
                // Inside a word: the word belongs to this column.
                while c > floor && !chars[c - 1].is_whitespace() {
                    c -= 1;
                }
            }
            cuts.push(c.max(floor).min(n));
        }
        let mut out = Vec::with_capacity(self.cols.len());
        for (i, (name, _)) in self.cols.iter().enumerate() {
            let from = cuts[i];
            let to = cuts.get(i + 1).copied().unwrap_or(n).max(from);
            let v: String = chars[from..to].iter().collect();
            out.push((name.clone(), v.trim().to_string()));
        }
        out
    }
}

/// `(start, end)` of each run of text whose words are at most one space apart.
fn cells(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let s = i;
        let mut e = i;
        while i < chars.len() {
            if !chars[i].is_whitespace() {
                i += 1;
                e = i;
            } else if chars[i] == ' ' && chars.get(i + 1).is_some_and(|c| !c.is_whitespace()) {
                i += 1;
            } else {
                break;
            }
        }
        out.push((s, e));
    }
    out
}

/// True for a `----- ------` rule line.
pub(crate) fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.contains('-') && t.chars().all(|c| c == '-' || c == ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    const VD: &[&str] = &[
        "Virtual Drive",
        "Health",
        "Status",
        "Name",
        "Size",
        "RAID Level",
        "Boot Drive",
    ];

    fn get<'a>(row: &'a [(String, String)], k: &str) -> &'a str {
        &row.iter().find(|(n, _)| n == k).unwrap().1
    }

    #[test]
    fn blog_virtual_drive_rows_split_under_their_headers() {
        let h = " Virtual Drive Health         Status               Name             Size       RAID Level Boot Drive ";
        let c = Columns::from_header(h, VD).unwrap();
        let r = c.cut(" 0             Moderate Fault Degraded             VirtualDisk1    1996036 MB RAID 5     false");
        assert_eq!(get(&r, "Virtual Drive"), "0");
        assert_eq!(get(&r, "Health"), "Moderate Fault");
        assert_eq!(get(&r, "Status"), "Degraded");
        assert_eq!(get(&r, "Name"), "VirtualDisk1");
        assert_eq!(get(&r, "RAID Level"), "RAID 5");
        assert_eq!(get(&r, "Boot Drive"), "false");
    }

    #[test]
    fn longest_names_claim_first_and_rules_give_widths() {
        let h = "PCI Slot     Health         Controller Status ROC Temperature Product Name";
        let known = [
            "PCI Slot",
            "Health",
            "Controller Status",
            "Status",
            "ROC Temperature",
            "Product Name",
        ];
        let c = Columns::from_header(h, &known).unwrap();
        assert_eq!(c.cols.len(), 5);
        assert!(c.cols.iter().all(|(n, _)| n != "Status"));
        let rule = "------------ -------------- ----------------- --------------- ------------";
        let c = Columns::from_rule(h, rule, None).unwrap();
        assert_eq!(c.cols[2].0, "Controller Status");
        let r = c.cut("SLOT-2       Good           Optimal           49 degrees C    LSI MegaRAID SAS 9266-8i");
        assert_eq!(get(&r, "Controller Status"), "Optimal");
        assert_eq!(get(&r, "ROC Temperature"), "49 degrees C");
    }

    #[test]
    fn headers_wider_than_their_rule_runs_keep_their_names() {
        // gitbook_slot2_storage.txt: `Negotiated Link Speed` sits over a
        // 10-dash run and pushes the later names right of their runs.
        let h = "Type  Block Size Physical Block Size Negotiated Link Speed Locator LED FDE Capable FDE Locked Coerced Size   ";
        let rule = "----- ---------- ------------------- ---------- ----------- ----------- ---------- -------------- ";
        let known = [
            "Type",
            "Block Size",
            "Physical Block Size",
            "Negotiated Link Speed",
            "Locator LED",
            "FDE Capable",
            "FDE Locked",
            "Coerced Size",
        ];
        let named = Columns::from_header(h, &known).unwrap();
        let c = Columns::from_rule(h, rule, Some(&named)).unwrap();
        let r = c.cut("HDD   512        512                 6.0 Gb/s   false       0           0          475883 MB      ");
        assert_eq!(get(&r, "Negotiated Link Speed"), "6.0 Gb/s");
        assert_eq!(get(&r, "Locator LED"), "false");
        assert_eq!(get(&r, "FDE Locked"), "0");
        assert_eq!(get(&r, "Coerced Size"), "475883 MB");
        // Without the names the runs are read from the header text.
        let c = Columns::from_rule(h, rule, None).unwrap();
        assert_ne!(c.cols[3].0, "Negotiated Link Speed");
    }

    #[test]
    fn edited_rows_shifted_left_still_align() {
        // The blog's row: serial numbers shortened by the author shift later
        // values left; `Controller Status` and `Product Name` share one space.
        let h = " PCI Slot     Health         Controller Status Product Name                       Serial Number  Firmware Package Build Product ID Battery Status Cache Memory Size Boot Drive     Boot Drive is PD ";
        let known = [
            "PCI Slot",
            "Health",
            "Controller Status",
            "Product Name",
            "Serial Number",
            "Firmware Package Build",
            "Product ID",
            "Battery Status",
            "Cache Memory Size",
            "Boot Drive is PD",
            "Boot Drive",
        ];
        let c = Columns::from_header(h, &known).unwrap();
        let r = c.cut(" SLOT-3       Good           Moderate Fault LSI MegaRAID SAS 9261-8i           Serial#         FW#           LSI Logic  discharging    346 MB            65535          false");
        assert_eq!(get(&r, "Controller Status"), "Moderate Fault");
        assert_eq!(get(&r, "Product Name"), "LSI MegaRAID SAS 9261-8i");
        assert_eq!(get(&r, "Battery Status"), "discharging");
        assert_eq!(get(&r, "Boot Drive is PD"), "false");
    }

    #[test]
    fn short_and_odd_rows_never_panic() {
        let c = Columns::from_header(
            "Time Severity Description",
            &["Time", "Severity", "Description"],
        )
        .unwrap();
        for row in [
            "",
            "x",
            "  \t",
            "ü ö ä ß 漢字 ✓",
            "2019-08-17T16:46:42       critical",
        ] {
            let r = c.cut(row);
            assert_eq!(r.len(), 3);
        }
        assert!(Columns::from_header("nothing here", VD).is_none());
        assert!(Columns::from_rule("a", "---", None).is_none());
    }
}
