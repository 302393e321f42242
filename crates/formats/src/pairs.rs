//! `Name:Value` token pairs, as old-style CUCM alarm texts print them
//! (`Expected Average Delay:7906 Entry Latency:20 ...`): words before a
//! colon form the name; a value may follow the colon after a space, unless
//! the next token is itself a `Name:` (then the value is empty).

/// The `Name:Value` pairs of a run of whitespace-separated tokens.
pub(crate) fn name_value_pairs<'t>(
    tokens: impl IntoIterator<Item = &'t str>,
) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut key: Vec<&str> = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while let Some(tok) = it.next() {
        let Some((k, v)) = tok.split_once(':') else {
            key.push(tok);
            continue;
        };
        if !k.is_empty() {
            key.push(k);
        }
        let v = if v.is_empty() {
            match it.peek() {
                Some(next) if !next.contains(':') => it.next().unwrap_or(""),
                _ => "",
            }
        } else {
            v
        };
        if !key.is_empty() {
            pairs.push((key.join(" "), v.to_string()));
        }
        key.clear();
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::name_value_pairs;

    #[test]
    fn names_of_several_words_values_after_a_space_and_empty_values() {
        let p = name_value_pairs(
            "Expected Average Delay:7906 Entry Latency: 20 Cluster ID: NodeID:n1"
                .split_whitespace(),
        );
        assert_eq!(
            p,
            vec![
                ("Expected Average Delay".into(), "7906".into()),
                ("Entry Latency".into(), "20".into()),
                ("Cluster ID".into(), "".into()),
                ("NodeID".into(), "n1".into())
            ]
        );
    }
}
