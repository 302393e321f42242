//! UTF-16 text (Windows exports: PowerShell `Out-File`, Event Viewer, some
//! PerfMon and CSV saves) decoded to UTF-8 before detection and parsing, so
//! the parsers only ever see UTF-8.
//!
//! A file is UTF-16 when it starts with a byte order mark (`FF FE` little
//! endian, `FE FF` big endian), or, without one, when its head has a zero
//! byte in nearly every other position and almost none in the others (ASCII
//! text in UTF-16). Unpaired surrogates become U+FFFD.

use std::io::{self, BufRead, Read};

/// The byte order of a UTF-16 stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Little,
    Big,
}

/// Whether `head` (a file's first bytes) is UTF-16, and in which order.
pub(crate) fn sniff(head: &[u8]) -> Option<Order> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(Order::Little);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(Order::Big);
    }
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 16 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros = |offset: usize| {
        sample
            .iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let mostly = |n: usize| n * 10 >= pairs * 9;
    let rarely = |n: usize| n * 10 <= pairs;
    if mostly(odd) && rarely(even) {
        Some(Order::Little)
    } else if mostly(even) && rarely(odd) {
        Some(Order::Big)
    } else {
        None
    }
}

/// Reads UTF-16 from `inner`, hands out UTF-8 (a leading BOM dropped).
pub(crate) struct Utf16Reader<R> {
    inner: R,
    order: Order,
    /// An odd byte left over from the last chunk.
    carry: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    out: Vec<u8>,
    pos: usize,
    started: bool,
}

impl<R: BufRead> Utf16Reader<R> {
    pub(crate) fn new(inner: R, order: Order) -> Utf16Reader<R> {
        Utf16Reader {
            inner,
            order,
            carry: None,
            high: None,
            out: Vec::new(),
            pos: 0,
            started: false,
        }
    }

    fn unit(&self, pair: [u8; 2]) -> u16 {
        match self.order {
            Order::Little => u16::from_le_bytes(pair),
            Order::Big => u16::from_be_bytes(pair),
        }
    }

    fn push(&mut self, unit: u16) {
        if !self.started {
            self.started = true;
            if unit == 0xFEFF {
                return;
            }
        }
        let c = match (self.high.take(), unit) {
            (Some(hi), 0xDC00..=0xDFFF) => {
                let code = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            (hi, 0xD800..=0xDBFF) => {
                if hi.is_some() {
                    self.put('\u{FFFD}');
                }
                self.high = Some(unit);
                return;
            }
            (hi, _) => {
                if hi.is_some() {
                    self.put('\u{FFFD}');
                }
                char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}')
            }
        };
        self.put(c);
    }

    fn put(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    /// Decode the next chunk of input; false at its end.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        let chunk = self.inner.fill_buf()?;
        if chunk.is_empty() {
            if self.carry.take().is_some() || self.high.take().is_some() {
                self.put('\u{FFFD}');
            }
            return Ok(!self.out.is_empty());
        }
        let chunk = chunk.to_vec();
        self.inner.consume(chunk.len());
        let mut bytes = chunk.as_slice();
        if let Some(first) = self.carry.take() {
            let unit = self.unit([first, bytes[0]]);
            self.push(unit);
            bytes = &bytes[1..];
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in pairs.by_ref() {
            let unit = self.unit([pair[0], pair[1]]);
            self.push(unit);
        }
        self.carry = pairs.remainder().first().copied();
        Ok(true)
    }
}

impl<R: BufRead> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    fn be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
    }

    fn decode(bytes: &[u8], order: Order, chunk: usize) -> String {
        let r = io::BufReader::with_capacity(chunk, bytes);
        let mut s = String::new();
        Utf16Reader::new(r, order).read_to_string(&mut s).unwrap();
        s
    }

    const TEXT: &str = "\u{feff}2024-03-01 10:00:00 Müller 😀 ok\r\nnext line\r\n";

    #[test]
    fn both_orders_with_and_without_a_bom_are_recognised() {
        assert_eq!(sniff(&le(TEXT)), Some(Order::Little));
        assert_eq!(sniff(&be(TEXT)), Some(Order::Big));
        assert_eq!(sniff(&le(&TEXT[3..])), Some(Order::Little));
        assert_eq!(sniff(&be(&TEXT[3..])), Some(Order::Big));
        assert_eq!(sniff(TEXT.as_bytes()), None);
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0"),
            None
        );
    }

    #[test]
    fn decoding_is_the_same_whatever_the_chunks_and_drops_the_bom() {
        for chunk in [1, 2, 3, 7, 64, 8192] {
            assert_eq!(
                decode(&le(TEXT), Order::Little, chunk),
                &TEXT[3..],
                "{chunk}"
            );
            assert_eq!(decode(&be(TEXT), Order::Big, chunk), &TEXT[3..], "{chunk}");
        }
    }

    #[test]
    fn broken_surrogates_and_an_odd_last_byte_become_replacement_characters() {
        let mut bytes = le("a");
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&le("b"));
        bytes.push(0x41);
        assert_eq!(decode(&bytes, Order::Little, 5), "a\u{FFFD}b\u{FFFD}");
    }
}
