//! Turning one message into its signature: tokens split on whitespace, and
//! every part that is a variable by its shape (numbers, hex, IPv4/IPv6
//! addresses with or without port, MACs, UUIDs, paths, quoted strings, and
//! any run of letters and digits that holds a digit, which covers device
//! names such as `SEP0023EB54A1C7`, block ids and versions) replaced by
//! [`WILDCARD`]. No per-dataset configuration: the shapes are the same for
//! every input. Byte scanning only; nothing is allocated per token.

/// The variable placeholder in signatures and templates.
pub const WILDCARD: &[u8] = b"<*>";

/// Signature tokens kept from one message, at most (the rest are folded into
/// a last `<*>`): a 1 MiB line must not make a 1 MiB signature.
pub const MAX_TOKENS: usize = 128;

/// Bytes of one token looked at, at most; a longer token is a variable.
const MAX_TOKEN_BYTES: usize = 256;

/// Write the signature of `msg` into `out` (cleared first): its tokens
/// masked and joined by single spaces. Returns the number of tokens.
pub fn signature(msg: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut n = 0;
    let mut i = 0;
    let len = msg.len();
    while i < len {
        while i < len && is_space(msg[i]) {
            i += 1;
        }
        if i >= len {
            break;
        }
        if n == MAX_TOKENS {
            out.extend_from_slice(b" ");
            out.extend_from_slice(WILDCARD);
            return n + 1;
        }
        let start = i;
        // A quoted string is one variable, spaces and all, when it closes.
        if msg[i] == b'"' || msg[i] == b'\'' {
            let q = msg[i];
            if let Some(end) = msg[i + 1..].iter().position(|&b| b == q) {
                let close = i + 1 + end;
                if close + 1 >= len || is_space(msg[close + 1]) {
                    if n > 0 {
                        out.push(b' ');
                    }
                    out.push(q);
                    out.extend_from_slice(WILDCARD);
                    out.push(q);
                    n += 1;
                    i = close + 1;
                    continue;
                }
            }
        }
        // The token's characters are counted by class as it is scanned.
        let mut counts = 0u64;
        while i < len && !is_space(msg[i]) {
            counts = counts.wrapping_add(COUNT[msg[i] as usize]);
            i += 1;
        }
        if n > 0 {
            out.push(b' ');
        }
        mask_token(&msg[start..i], counts, out);
        n += 1;
    }
    n
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// Punctuation stripped from both ends of a token before its shape is judged
/// (and put back around it).
fn is_edge(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'<'
            | b'>'
            | b','
            | b';'
            | b':'
            | b'.'
            | b'"'
            | b'\''
            | b'!'
            | b'?'
            | b'@'
            | b'#'
            | b'='
    )
}

/// Append the masked form of one token; `counts` are its characters
/// counted by class ([`COUNT`], summed).
fn mask_token(tok: &[u8], counts: u64, out: &mut Vec<u8>) {
    if tok.len() > MAX_TOKEN_BYTES {
        out.extend_from_slice(WILDCARD);
        return;
    }
    let mut a = 0;
    let mut b = tok.len();
    while a < b && is_edge(tok[a]) {
        a += 1;
    }
    while b > a && is_edge(tok[b - 1]) {
        b -= 1;
    }
    let core = &tok[a..b];
    out.extend_from_slice(&tok[..a]);
    if !core.is_empty() {
        // The edges stripped hold no digit, letter or slash; only `:` counts.
        let edge_colons = tok[..a].iter().chain(&tok[b..]).filter(|&&c| c == b':');
        let counts = counts - edge_colons.count() as u64 * COUNT[b':' as usize];
        let shape = Shape::from_counts(core, counts);
        if shape.digits == 0 && !shape.path {
            // A plain word (the common case): nothing in it is a variable.
            out.extend_from_slice(core);
        } else if is_whole_variable(core, &shape) {
            out.extend_from_slice(WILDCARD);
        } else {
            mask_runs(core, out);
        }
    }
    out.extend_from_slice(&tok[b..]);
}

/// Bits per class in a packed count ([`COUNT`]): a token of up to
/// [`MAX_TOKEN_BYTES`] characters fits in each field.
const FIELD: u32 = 10;
const _: () = assert!(MAX_TOKEN_BYTES < 1 << FIELD);
const DIGIT: u32 = 0;
const HEX: u32 = 1;
const LETTER: u32 = 2;
const COLON: u32 = 3;
const SLASH: u32 = 4;
const BACKSLASH: u32 = 5;

/// Each byte's class as a packed count: one add per byte counts a token's
/// digits, hex letters, other letters, colons, slashes and backslashes,
/// [`FIELD`] bits each.
static COUNT: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let class = if c.is_ascii_digit() {
            Some(DIGIT)
        } else if matches!(c, b'a'..=b'f' | b'A'..=b'F') {
            Some(HEX)
        } else if c.is_ascii_alphabetic() {
            Some(LETTER)
        } else if c == b':' {
            Some(COLON)
        } else if c == b'/' {
            Some(SLASH)
        } else if c == b'\\' {
            Some(BACKSLASH)
        } else {
            None
        };
        if let Some(k) = class {
            t[i] = 1 << (k * FIELD);
        }
        i += 1;
    }
    t
};

/// One class's count out of a packed count.
fn field(counts: u64, class: u32) -> usize {
    ((counts >> (class * FIELD)) & ((1 << FIELD) - 1)) as usize
}

/// What a token is made of.
struct Shape {
    digits: usize,
    hex_letters: usize,
    other_letters: usize,
    colons: usize,
    /// A path: /a/b, C:\x, \\host\share, scheme://...
    path: bool,
}

impl Shape {
    /// The shape of `t` (at most [`MAX_TOKEN_BYTES`]), whose characters
    /// counted by class are `counts`.
    fn from_counts(t: &[u8], counts: u64) -> Shape {
        let (colons, slashes) = (field(counts, COLON), field(counts, SLASH));
        let path = (t[0] == b'/' && t.len() > 1)
            || field(counts, BACKSLASH) > 0
            || (colons > 0 && slashes >= 2 && t.windows(3).any(|w| w == b"://"));
        Shape {
            digits: field(counts, DIGIT),
            hex_letters: field(counts, HEX),
            other_letters: field(counts, LETTER),
            colons,
            path,
        }
    }
}

/// Shapes that are a variable as a whole: numbers, dates and versions (digits
/// and separators only), hex, IP addresses (with a port), MACs, UUIDs, paths.
fn is_whole_variable(t: &[u8], shape: &Shape) -> bool {
    let Shape {
        digits,
        hex_letters,
        other_letters,
        colons,
        path,
    } = *shape;
    if path {
        return true;
    }
    if digits == 0 {
        return false;
    }
    if hex_letters == 0 && other_letters == 0 {
        // 12, -3, 1.5, 10.0.0.1:5060, 2016/9/27:20:30:31.455, 12:00:01
        return t.iter().all(|&c| {
            c.is_ascii_digit() || matches!(c, b'.' | b':' | b',' | b'-' | b'_' | b'/' | b'+')
        });
    }
    if other_letters == 0 {
        // Hex with a prefix, MACs, IPv6, UUIDs, long hex ids.
        let sep_ok = t
            .iter()
            .all(|&c| c.is_ascii_hexdigit() || matches!(c, b':' | b'-' | b'.'));
        if sep_ok && (colons >= 2 || t.contains(&b'-') || t.len() >= 8) {
            return true;
        }
    }
    if (t.starts_with(b"0x") || t.starts_with(b"0X"))
        && t.len() > 2
        && t[2..].iter().all(|c| c.is_ascii_hexdigit())
    {
        return true;
    }
    false
}

/// Within a token of no whole shape, each run of letters and digits that
/// holds a digit is a variable (`blk_<*>`, `sshd[<*>]`, `size=<*>`); a minus
/// sign right before a digit belongs to the number.
fn mask_runs(t: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < t.len() {
        let c = t[i];
        if c.is_ascii_alphanumeric() {
            let s = i;
            let mut digit = false;
            while i < t.len() && t[i].is_ascii_alphanumeric() {
                digit |= t[i].is_ascii_digit();
                i += 1;
            }
            if digit && !is_word_with_suffix(&t[s..i]) {
                out.extend_from_slice(WILDCARD);
            } else {
                out.extend_from_slice(&t[s..i]);
            }
        } else if c == b'-' && t.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
}

/// A word of two or more letters ending in one or two digits (`ssh2`,
/// `ipv4`, `md5`, `eth0`) is a word, not a variable.
fn is_word_with_suffix(run: &[u8]) -> bool {
    let letters = run.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = run.len() - letters;
    letters >= 2 && (1..=2).contains(&digits) && run[letters..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> String {
        let mut out = Vec::new();
        signature(s.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn variables_are_found_by_shape() {
        assert_eq!(
            sig("Connection from 10.1.2.3:5060 closed after 12 ms"),
            "Connection from <*> closed after <*> ms"
        );
        assert_eq!(sig("peer fe80::1ff:fe23:4567:890a down"), "peer <*> down");
        assert_eq!(sig("mac 00:1A:2B:3C:4D:5E"), "mac <*>");
        assert_eq!(
            sig("id 123e4567-e89b-12d3-a456-426614174000 ok"),
            "id <*> ok"
        );
        assert_eq!(
            sig("Device SEP0023EB54A1C7 unregistered"),
            "Device <*> unregistered"
        );
        assert_eq!(sig("open /var/log/messages failed"), "open <*> failed");
        assert_eq!(
            sig("block blk_-6952295868487656571 done"),
            "block blk_<*> done"
        );
        assert_eq!(
            sig("sshd[24200]: user \"bob smith\" in"),
            "sshd[<*>]: user \"<*>\" in"
        );
        assert_eq!(sig("at 0xdeadbeef, [173.234.31.186]"), "at <*>, [<*>]");
    }

    #[test]
    fn spacing_does_not_matter_and_long_lines_are_capped() {
        assert_eq!(sig("  a\t b  "), "a b");
        let long = "word ".repeat(10_000);
        let s = sig(&long);
        assert_eq!(s.split(' ').count(), MAX_TOKENS + 1);
        assert!(s.ends_with("<*>"));
    }
}
