//! What a rule declares: the events and findings it reads, the findings it
//! writes; and the order that follows, refused at load time when it has a
//! cycle or an input nothing produces.

use crate::finding::FindingKind;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::Kind;

/// A finding input of a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// Findings of this class (or carrying it as a tag).
    Class(String),
    /// Any finding of this kind.
    Kind(FindingKind),
    /// Every finding produced before it (advice): runs after all other rules.
    Everything,
    /// The metric episodes (from the `metric_episodes` rule).
    Episodes,
}

/// A finding output of a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Output {
    /// Findings of this class and kind.
    Class(String, FindingKind),
    /// A tag it may put on its findings.
    Tag(String),
    /// The metric episodes.
    Episodes,
}

/// A rule's inputs and outputs.
#[derive(Clone, Debug, Default)]
pub struct Declaration {
    /// Event kinds it reads.
    pub events: Vec<Kind>,
    /// Findings it reads.
    pub consumes: Vec<Input>,
    /// What it writes.
    pub produces: Vec<Output>,
}

impl Declaration {
    /// Classes it produces.
    pub fn classes(&self) -> impl Iterator<Item = (&str, FindingKind)> {
        self.produces.iter().filter_map(|o| match o {
            Output::Class(c, k) => Some((c.as_str(), *k)),
            _ => None,
        })
    }

    /// Tags it may set.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.produces.iter().filter_map(|o| match o {
            Output::Tag(t) => Some(t.as_str()),
            _ => None,
        })
    }

    /// True when it reads `f`'s findings (class, tag or kind).
    pub fn reads(&self, class: &str, tags: &[String], kind: FindingKind) -> bool {
        self.consumes.iter().any(|i| match i {
            Input::Class(c) => c == class || tags.iter().any(|t| t == c),
            Input::Kind(k) => *k == kind,
            Input::Everything => true,
            Input::Episodes => false,
        })
    }
}

/// Why rules cannot be ordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderError {
    /// A rule reads findings nothing produces: (rule, input).
    Unproduced(String, String),
    /// Rules that depend on each other: the rule ids on the cycle.
    Cycle(Vec<String>),
}

/// Order rules so each runs after everything it consumes is produced; ties
/// keep the given order. `decls` are (rule id, declaration).
pub fn order(decls: &[(String, Declaration)]) -> Result<Vec<usize>, OrderError> {
    let n = decls.len();
    let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (i, (id, d)) in decls.iter().enumerate() {
        for input in &d.consumes {
            let producers: Vec<usize> = (0..n)
                .filter(|&j| j != i)
                .filter(|&j| produces(&decls[j].1, input))
                .collect();
            let required = !matches!(input, Input::Everything | Input::Kind(_));
            if producers.is_empty() && required {
                return Err(OrderError::Unproduced(id.clone(), describe(input)));
            }
            // Everything: after every rule that is not itself an Everything reader.
            let producers = producers.into_iter().filter(|&j| {
                !(matches!(input, Input::Everything)
                    && decls[j].1.consumes.contains(&Input::Everything))
            });
            deps[i].extend(producers);
        }
    }
    let mut done: Vec<usize> = Vec::with_capacity(n);
    let mut placed = vec![false; n];
    while done.len() < n {
        let next = (0..n).find(|&i| !placed[i] && deps[i].iter().all(|&d| placed[d]));
        match next {
            Some(i) => {
                placed[i] = true;
                done.push(i);
            }
            None => return Err(OrderError::Cycle(cycle(&deps, &placed, decls))),
        }
    }
    Ok(done)
}

/// Whether `d` produces what `input` asks for.
pub(crate) fn produces(d: &Declaration, input: &Input) -> bool {
    d.produces.iter().any(|o| match (input, o) {
        (Input::Class(c), Output::Class(p, _)) => c == p,
        (Input::Class(c), Output::Tag(t)) => c == t,
        (Input::Kind(k), Output::Class(_, pk)) => k == pk,
        (Input::Everything, Output::Class(..)) => true,
        (Input::Episodes, Output::Episodes) => true,
        _ => false,
    })
}

fn describe(input: &Input) -> String {
    match input {
        Input::Class(c) => format!("findings of class `{c}`"),
        Input::Kind(k) => format!("findings of kind `{}`", k.as_str()),
        Input::Everything => "every finding".into(),
        Input::Episodes => "metric episodes (a rule of type metric_episodes)".into(),
    }
}

/// The rule ids of one cycle among the unplaced rules.
fn cycle(
    deps: &[BTreeSet<usize>],
    placed: &[bool],
    decls: &[(String, Declaration)],
) -> Vec<String> {
    let start = (0..deps.len()).find(|&i| !placed[i]).unwrap_or(0);
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    let mut path = vec![start];
    let mut at = start;
    loop {
        seen.insert(at, path.len() - 1);
        let Some(&next) = deps[at].iter().find(|&&d| !placed[d]) else {
            break;
        };
        if let Some(&pos) = seen.get(&next) {
            return path[pos..].iter().map(|&i| decls[i].0.clone()).collect();
        }
        path.push(next);
        at = next;
    }
    path.iter().map(|&i| decls[i].0.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(consumes: Vec<Input>, produces: Vec<Output>) -> Declaration {
        Declaration {
            events: Vec::new(),
            consumes,
            produces,
        }
    }

    fn class(c: &str, k: FindingKind) -> Output {
        Output::Class(c.into(), k)
    }

    #[test]
    fn consumers_run_after_producers_whatever_the_file_order() {
        let decls = vec![
            (
                "advice".to_string(),
                decl(
                    vec![Input::Everything],
                    vec![class("steps", FindingKind::Advisory)],
                ),
            ),
            (
                "crash".to_string(),
                decl(
                    vec![Input::Class("loss".into())],
                    vec![class("hang", FindingKind::RootCause)],
                ),
            ),
            (
                "coincidence".to_string(),
                decl(
                    vec![Input::Kind(FindingKind::RootCause)],
                    vec![class("other", FindingKind::Coincidental)],
                ),
            ),
            (
                "impact".to_string(),
                decl(vec![], vec![class("loss", FindingKind::Impact)]),
            ),
        ];
        let order = order(&decls).unwrap();
        let ids: Vec<&str> = order.iter().map(|&i| decls[i].0.as_str()).collect();
        assert_eq!(ids, ["impact", "crash", "coincidence", "advice"]);
    }

    #[test]
    fn an_input_nothing_produces_is_refused() {
        let decls = vec![(
            "crash".to_string(),
            decl(vec![Input::Class("loss".into())], vec![]),
        )];
        assert_eq!(
            order(&decls),
            Err(OrderError::Unproduced(
                "crash".into(),
                "findings of class `loss`".into()
            ))
        );
    }

    #[test]
    fn a_cycle_is_refused_with_its_members() {
        let decls = vec![
            (
                "a".to_string(),
                decl(
                    vec![Input::Class("y".into())],
                    vec![class("x", FindingKind::RootCause)],
                ),
            ),
            (
                "b".to_string(),
                decl(
                    vec![Input::Class("x".into())],
                    vec![class("y", FindingKind::Impact)],
                ),
            ),
            (
                "c".to_string(),
                decl(vec![], vec![class("z", FindingKind::Impact)]),
            ),
        ];
        match order(&decls) {
            Err(OrderError::Cycle(ids)) => {
                assert!(
                    ids.contains(&"a".to_string()) && ids.contains(&"b".to_string()),
                    "{ids:?}"
                );
                assert!(!ids.contains(&"c".to_string()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn several_readers_of_everything_do_not_wait_for_each_other() {
        let decls = vec![
            (
                "advice".to_string(),
                decl(
                    vec![Input::Everything],
                    vec![class("steps", FindingKind::Advisory)],
                ),
            ),
            (
                "summary".to_string(),
                decl(
                    vec![Input::Everything],
                    vec![class("sum", FindingKind::Advisory)],
                ),
            ),
            (
                "impact".to_string(),
                decl(vec![], vec![class("loss", FindingKind::Impact)]),
            ),
        ];
        let order = order(&decls).unwrap();
        assert_eq!(order, vec![2, 0, 1]);
    }
}
