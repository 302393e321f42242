//! The grouping half: distinct signatures into templates. Signatures with
//! the same number of tokens and the same first token are compared position
//! by position (Drain's similarity: the share of positions that agree); one
//! similar enough joins the template, whose disagreeing positions become
//! `<*>` (tokens that vary within a group). Signatures are taken most
//! frequent first, ties by their bytes, so the outcome depends only on the
//! set of signatures and their counts, never on the input's order or cut.

use crate::mask::WILDCARD;
use crate::miner::{Miner, MAX_HOSTS};
use crate::{Mined, Template};
use hashbrown::HashMap;

/// Templates compared per bucket, at most, for one signature (the most
/// frequent ones first): keeps a bucket of thousands of templates linear.
const MAX_CANDIDATES: usize = 256;

struct Group {
    tokens: Vec<Vec<u8>>,
    count: u64,
    members: Vec<u32>,
}

/// Group a miner's signatures into templates.
pub(crate) fn cluster(m: Miner) -> Mined {
    let mut order: Vec<u32> = (0..m.keys.len() as u32).collect();
    order.sort_by(|&a, &b| {
        m.stats[b as usize]
            .count
            .cmp(&m.stats[a as usize].count)
            .then_with(|| m.keys[a as usize].cmp(&m.keys[b as usize]))
    });
    let mut groups: Vec<Group> = Vec::new();
    let mut buckets: HashMap<(usize, &[u8]), Vec<usize>> = HashMap::new();
    for &s in &order {
        let key: &[u8] = &m.keys[s as usize];
        let toks: Vec<&[u8]> = if key.is_empty() {
            Vec::new()
        } else {
            key.split(|&b| b == b' ').collect()
        };
        let first: &[u8] = toks.first().copied().unwrap_or(b"");
        let bucket = buckets.entry((toks.len(), first)).or_default();
        let mut best: Option<(usize, f64)> = None;
        for &g in bucket.iter().take(MAX_CANDIDATES) {
            let sim = similarity(&groups[g].tokens, &toks);
            if best.is_none_or(|(_, b)| sim > b) {
                best = Some((g, sim));
            }
        }
        match best {
            Some((g, sim)) if sim >= m.cfg.similarity => {
                let grp = &mut groups[g];
                for (t, s) in grp.tokens.iter_mut().zip(&toks) {
                    if t.as_slice() != *s {
                        *t = WILDCARD.to_vec();
                    }
                }
                grp.count += m.stats[s as usize].count;
                grp.members.push(s);
            }
            _ => {
                bucket.push(groups.len());
                groups.push(Group {
                    tokens: toks.iter().map(|t| t.to_vec()).collect(),
                    count: m.stats[s as usize].count,
                    members: vec![s],
                });
            }
        }
    }
    drop(buckets);
    let groups = groups.into_iter().flat_map(|g| split(&m, g)).collect();
    finish(m, groups)
}

/// Split a group on its positions that vary between only a few plain words
/// (`Failed password` / `Failed none`, `Begin` / `End`): those are different
/// messages, not a variable. A position is a variable when it varies more,
/// or when any member has a masked value there.
fn split(m: &Miner, g: Group) -> Vec<Group> {
    if g.members.len() < 2 {
        return vec![g];
    }
    let toks: Vec<Vec<&[u8]>> = g
        .members
        .iter()
        .map(|&s| m.keys[s as usize].split(|&b| b == b' ').collect())
        .collect();
    let mut fixed = Vec::new();
    for (i, t) in g.tokens.iter().enumerate() {
        if t.as_slice() != WILDCARD {
            continue;
        }
        let mut values: Vec<&[u8]> = Vec::new();
        let mut masked = false;
        for mt in &toks {
            let v = mt[i];
            masked |= v.windows(3).any(|w| w == WILDCARD);
            if !values.contains(&v) {
                values.push(v);
            }
            if values.len() > m.cfg.few_values {
                break;
            }
        }
        if !masked && values.len() <= m.cfg.few_values {
            fixed.push(i);
        }
    }
    if fixed.is_empty() {
        return vec![g];
    }
    let mut parts: Vec<(Vec<&[u8]>, Group)> = Vec::new();
    for (k, &s) in g.members.iter().enumerate() {
        let key: Vec<&[u8]> = fixed.iter().map(|&i| toks[k][i]).collect();
        let count = m.stats[s as usize].count;
        match parts.iter_mut().find(|(pk, _)| *pk == key) {
            Some((_, p)) => {
                for (t, v) in p.tokens.iter_mut().zip(&toks[k]) {
                    if t.as_slice() != *v {
                        *t = WILDCARD.to_vec();
                    }
                }
                p.count += count;
                p.members.push(s);
            }
            None => parts.push((
                key,
                Group {
                    tokens: toks[k].iter().map(|t| t.to_vec()).collect(),
                    count,
                    members: vec![s],
                },
            )),
        }
    }
    parts.into_iter().map(|(_, p)| p).collect()
}

/// Share of positions where the template and the signature agree (a
/// template's `<*>` agrees with anything but counts half: a group must be
/// held together by its constant words).
fn similarity(tpl: &[Vec<u8>], sig: &[&[u8]]) -> f64 {
    if tpl.is_empty() {
        return 1.0;
    }
    let mut score = 0.0;
    for (t, s) in tpl.iter().zip(sig) {
        if t.as_slice() == *s {
            score += 1.0;
        } else if t.as_slice() == WILDCARD {
            score += 0.5;
        }
    }
    score / tpl.len() as f64
}

/// Apply the template cap and build the output.
fn finish(m: Miner, mut groups: Vec<Group>) -> Mined {
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tokens.cmp(&b.tokens)));
    let mut notes = Vec::new();
    let cap = m.cfg.max_templates.max(1);
    if groups.len() > cap {
        let rest = groups.split_off(cap - 1);
        let lines: u64 = rest.iter().map(|g| g.count).sum();
        notes.push(format!(
            "{} rarer templates ({} lines) were merged into one catch-all template `<*>`: more than the cap of {} templates",
            rest.len(),
            lines,
            cap
        ));
        let mut all = Group {
            tokens: vec![WILDCARD.to_vec()],
            count: 0,
            members: Vec::new(),
        };
        for g in rest {
            all.count += g.count;
            all.members.extend(g.members);
        }
        groups.push(all);
    }
    if m.overflow_lines > 0 {
        notes.push(format!(
            "{} lines came after the cap of {} distinct signatures was reached: they were grouped by their length and first word only",
            m.overflow_lines, m.cfg.max_signatures
        ));
    }
    if m.binary_lines > 0 {
        notes.push(format!(
            "{} lines were not text (control bytes or invalid UTF-8): mined as they are, shown with replacement characters",
            m.binary_lines
        ));
    }
    let mut of_signature = vec![0u32; m.keys.len()];
    let mut templates = Vec::with_capacity(groups.len());
    let mut ids: HashMap<String, u32> = HashMap::new();
    for (i, g) in groups.into_iter().enumerate() {
        let text = String::from_utf8_lossy(&g.tokens.join(&b' ')).into_owned();
        let mut id = template_id(&text);
        let n = ids.entry(id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            id = format!("{id}-{n}");
        }
        let (mut first, mut last, mut hosts, mut more) = (None, None, Vec::new(), false);
        for &s in &g.members {
            of_signature[s as usize] = i as u32;
            let st = &m.stats[s as usize];
            first = match (first, st.first) {
                (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
                (a, b) => a.or(b),
            };
            last = match (last, st.last) {
                (Some(a), Some(b)) => Some(std::cmp::max(a, b)),
                (a, b) => a.or(b),
            };
            more |= st.hosts_more;
            for &h in &st.hosts {
                let name = &m.hosts[h as usize];
                if !hosts.contains(name) {
                    hosts.push(name.clone());
                }
            }
        }
        hosts.sort();
        if hosts.len() > MAX_HOSTS {
            hosts.truncate(MAX_HOSTS);
            more = true;
        }
        let example = g
            .members
            .first()
            .map(|&s| m.stats[s as usize].example.clone())
            .unwrap_or_default();
        templates.push(Template {
            id,
            template: text,
            count: g.count,
            first,
            last,
            hosts,
            hosts_more: more,
            example,
        });
    }
    Mined {
        templates,
        of_signature,
        notes,
    }
}

/// A template's id: a hash of its text, so the same template has the same
/// id in every run (64-bit FNV-1a, shown as 12 hex digits).
pub fn template_id(text: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in text.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("T{:012x}", h >> 16)
}
