//! Splitting a syslog TCP stream into messages (RFC 6587).
//!
//! Two framings share one stream and are told apart per message, as rsyslog
//! and syslog-ng do: *octet counting* (`LEN SP MSG`, RFC 6587 §3.4.1 and
//! RFC 5425) when the message starts with a non-zero digit run followed by a
//! space, else *non-transparent* framing, where a line feed (or a NUL) ends the
//! message (§3.4.2). A CiscoLog message without a PRI (`48215: host: ...`)
//! starts with digits too, but a colon follows them, so it is read as a line.
//!
//! A message longer than the cap is cut there and the rest skipped: it is
//! still delivered (flagged) so nothing read disappears silently.
//!
//! Messages are taken out by moving a read position over the held bytes;
//! what is left is moved to the front once per [`Framer::push`], never once
//! per message (a 64 KiB read holds hundreds of messages).

/// What the framer found.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame {
    /// The message bytes, without framing.
    pub bytes: Vec<u8>,
    /// The message was longer than the cap and was cut.
    pub truncated: bool,
}

/// A message borrowed from the framer's buffer (valid until the next call).
#[derive(Debug, PartialEq, Eq)]
pub struct FrameRef<'a> {
    /// The message bytes, without framing.
    pub bytes: &'a [u8],
    /// The message was longer than the cap and was cut.
    pub truncated: bool,
}

/// Incremental splitter: push bytes as they arrive, take whole messages out.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    /// Where the bytes not yet taken start in `buf`.
    pos: usize,
    max: usize,
    /// Bytes still to skip of a message that was cut (octet counting).
    skip: usize,
    /// Inside a line that was cut: skip to its end.
    skip_line: bool,
}

impl Framer {
    /// A framer that cuts messages at `max` bytes.
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            pos: 0,
            max: max.max(16),
            skip: 0,
            skip_line: false,
        }
    }

    /// Add bytes read from the stream.
    pub fn push(&mut self, mut data: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.skip > 0 {
            let n = self.skip.min(data.len());
            self.skip -= n;
            data = &data[n..];
        }
        if self.skip_line {
            match memchr::memchr2(b'\n', 0, data) {
                Some(i) => {
                    self.skip_line = false;
                    data = &data[i + 1..];
                }
                None => return,
            }
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes held that do not make a whole message yet.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next whole message, if the bytes pushed so far hold one.
    pub fn next_frame(&mut self) -> Option<Frame> {
        self.next_ref().map(|f| Frame {
            bytes: f.bytes.to_vec(),
            truncated: f.truncated,
        })
    }

    /// The next whole message, borrowed (no copy), if the bytes pushed so
    /// far hold one.
    pub fn next_ref(&mut self) -> Option<FrameRef<'_>> {
        let (start, len, truncated) = self.next_span()?;
        Some(FrameRef {
            bytes: &self.buf[start..start + len],
            truncated,
        })
    }

    /// Where the next message is in `buf` (start, length, cut), the read
    /// position moved past it.
    fn next_span(&mut self) -> Option<(usize, usize, bool)> {
        loop {
            // Blank lines between messages (and CR LF ends) are not messages.
            let held = &self.buf[self.pos..];
            let blank = held
                .iter()
                .position(|&b| !matches!(b, b'\n' | b'\r' | 0))
                .unwrap_or(held.len());
            self.pos += blank;
            let held = &self.buf[self.pos..];
            if held.is_empty() {
                self.buf.clear();
                self.pos = 0;
                return None;
            }
            let at = self.pos;
            match octet_count(held) {
                Count::Yes(len, header) => {
                    let have = held.len() - header;
                    if len <= self.max {
                        if have < len {
                            return None;
                        }
                        self.pos += header + len;
                        return Some((at + header, len, false));
                    }
                    if have < self.max {
                        return None;
                    }
                    let kept = have.min(len);
                    self.pos += header + kept;
                    self.skip = len - kept;
                    return Some((at + header, self.max, true));
                }
                Count::NeedMore => return None,
                Count::No => {}
            }
            match memchr::memchr2(b'\n', 0, held) {
                Some(end) if end <= self.max => {
                    self.pos += end + 1;
                    let mut len = end;
                    if len > 0 && held[len - 1] == b'\r' {
                        len -= 1;
                    }
                    if len == 0 {
                        continue;
                    }
                    return Some((at, len, false));
                }
                Some(end) => {
                    self.pos += end + 1;
                    return Some((at, self.max, true));
                }
                None if held.len() > self.max => {
                    // The rest of this line is skipped as it arrives; the
                    // message stays readable until the next call.
                    self.pos = self.buf.len();
                    self.skip_line = true;
                    return Some((at, self.max, true));
                }
                None => return None,
            }
        }
    }

    /// The stream ended: whatever is held is the last message (a line
    /// without its line end, or a short octet-counted one, flagged).
    pub fn finish(&mut self) -> Option<Frame> {
        if let Some(f) = self.next_frame() {
            return Some(f);
        }
        let rest = self.buf.split_off(self.pos);
        self.buf.clear();
        self.pos = 0;
        if rest.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
            return None;
        }
        let truncated = matches!(octet_count(&rest), Count::Yes(..));
        let mut bytes = rest;
        bytes.truncate(self.max);
        Some(Frame { bytes, truncated })
    }
}

enum Count {
    /// Octet counting: message length and header length (digits and space).
    Yes(usize, usize),
    /// Digits so far, and no byte yet that settles it.
    NeedMore,
    /// Not octet counting.
    No,
}

fn octet_count(buf: &[u8]) -> Count {
    if !matches!(buf.first(), Some(b'1'..=b'9')) {
        return Count::No;
    }
    let digits = buf.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 9 {
        return Count::No;
    }
    match buf.get(digits) {
        None => Count::NeedMore,
        Some(b' ') => {
            let n: usize = std::str::from_utf8(&buf[..digits])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            Count::Yes(n, digits + 1)
        }
        Some(_) => Count::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(f: &mut Framer) -> Vec<String> {
        let mut v = Vec::new();
        while let Some(fr) = f.next_frame() {
            v.push(String::from_utf8(fr.bytes).unwrap());
        }
        v
    }

    #[test]
    fn newline_and_octet_counted_messages_mix_in_one_stream() {
        let mut f = Framer::new(1024);
        f.push(b"<13>Dec  6 17:00:00 h1 a: one\r\n11 <13>1 - two");
        f.push(b"\n48215: cm1: Jul 12 2019 12:45:10.298 UTC : %UC_X-3-Y: z\n");
        assert_eq!(
            all(&mut f),
            vec![
                "<13>Dec  6 17:00:00 h1 a: one",
                "<13>1 - two",
                "48215: cm1: Jul 12 2019 12:45:10.298 UTC : %UC_X-3-Y: z",
            ]
        );
    }

    #[test]
    fn messages_split_across_reads_come_out_whole() {
        let mut f = Framer::new(1024);
        let stream = b"5 hello6 world!<14>three\n";
        for b in stream {
            f.push(&[*b]);
        }
        assert_eq!(all(&mut f), vec!["hello", "world!", "<14>three"]);
    }

    #[test]
    fn an_oversized_message_is_cut_flagged_and_the_stream_goes_on() {
        let mut f = Framer::new(16);
        f.push(b"40 0123456789012345678901234567890123456789");
        f.push(b"<13>next\n");
        let first = f.next_frame().unwrap();
        assert!(first.truncated);
        assert_eq!(first.bytes.len(), 16);
        assert_eq!(f.next_frame().unwrap().bytes, b"<13>next");
        let mut f = Framer::new(16);
        f.push(&[b'x'; 100]);
        assert!(f.next_frame().unwrap().truncated);
        f.push(b"yy\n<13>after\n");
        assert_eq!(all(&mut f), vec!["<13>after"]);
        assert!(f.pending() == 0);
    }

    #[test]
    fn the_last_line_without_an_end_is_delivered_at_close() {
        let mut f = Framer::new(64);
        f.push(b"<13>last words");
        assert!(f.next_frame().is_none());
        let last = f.finish().unwrap();
        assert_eq!(last.bytes, b"<13>last words");
        assert!(!last.truncated);
    }
}
