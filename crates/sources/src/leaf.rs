//! The buffered reader a parser reads a plain file through ([`Leaf`]).
//!
//! `std::io::BufReader` zeroes its whole buffer the first time it fills it
//! (its inner readers take their bytes through `Read::read`, which needs
//! initialised memory), and a new `BufReader` is made for every file: on a
//! folder or archive of a hundred thousand small files that was 25 GB of
//! zeroing, a sixth of the run. A [`Leaf`] borrows its thread's buffer,
//! initialised once, and gives it back when dropped.

use std::cell::Cell;
use std::io::{self, BufRead, Read};

/// The buffer over a streamed plain file (the parser's blocks are up to
/// 256 KiB of whole lines).
pub(crate) const LEAF_BUFFER: usize = 256 << 10;

thread_local! {
    /// The buffer of the last leaf dropped on this thread, still
    /// initialised. Taken while in use: a leaf made while another is alive
    /// on the same thread gets a fresh one.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A `BufRead` over `inner` with a [`LEAF_BUFFER`] reused from one file to
/// the next on a thread.
pub(crate) struct Leaf<R> {
    inner: R,
    buf: Vec<u8>,
    /// The unread bytes are `buf[pos..filled]`.
    pos: usize,
    filled: usize,
}

impl<R: Read> Leaf<R> {
    /// A reader over `inner`, its buffer taken from the thread's spare.
    pub fn new(inner: R) -> Leaf<R> {
        let mut buf = SPARE.take();
        if buf.len() < LEAF_BUFFER {
            buf.resize(LEAF_BUFFER, 0);
        }
        Leaf {
            inner,
            buf,
            pos: 0,
            filled: 0,
        }
    }
}

impl<R> Drop for Leaf<R> {
    fn drop(&mut self) {
        SPARE.set(std::mem::take(&mut self.buf));
    }
}

impl<R: Read> BufRead for Leaf<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            let n = loop {
                match self.inner.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            (self.pos, self.filled) = (0, n);
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.filled);
    }
}

impl<R: Read> Read for Leaf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // Nothing buffered and a large read: straight from the inner reader.
        if self.pos >= self.filled && out.len() >= self.buf.len() {
            return self.inner.read(out);
        }
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives at most `step` bytes a call, with an
    /// interruption before each.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            let n = self.data.len().min(self.step).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn lines_of(r: &mut dyn BufRead) -> Vec<String> {
        r.lines().map(|l| l.unwrap()).collect()
    }

    #[test]
    fn files_read_one_after_another_on_a_thread_each_read_whole() {
        let big: String = (0..60_000).map(|i| format!("line {i}\n")).collect();
        let small = "first\nsecond without newline";
        for (text, step) in [(big.as_str(), 7_777), (small, 3), (big.as_str(), 1 << 20)] {
            let mut leaf = Leaf::new(Trickle {
                data: text.as_bytes(),
                step,
                interrupt: false,
            });
            let want: Vec<String> = text.lines().map(String::from).collect();
            assert_eq!(lines_of(&mut leaf), want);
        }
        // The second file's bytes never show the first's: a short file
        // after a long one reads only itself.
        let mut leaf = Leaf::new("x\n".as_bytes());
        assert_eq!(lines_of(&mut leaf), ["x"]);
    }

    #[test]
    fn two_alive_at_once_do_not_share_a_buffer() {
        let mut a = Leaf::new("a1\na2\n".as_bytes());
        let mut b = Leaf::new("b1\nb2\n".as_bytes());
        let mut line = String::new();
        a.read_line(&mut line).unwrap();
        b.read_line(&mut line).unwrap();
        a.read_line(&mut line).unwrap();
        b.read_line(&mut line).unwrap();
        assert_eq!(line, "a1\nb1\na2\nb2\n");
    }

    #[test]
    fn read_and_read_to_end_give_every_byte() {
        let data: Vec<u8> = (0..(3 * LEAF_BUFFER + 5)).map(|i| i as u8).collect();
        let mut leaf = Leaf::new(Trickle {
            data: &data,
            step: 100_000,
            interrupt: false,
        });
        let mut head = [0u8; 10];
        leaf.read_exact(&mut head).unwrap();
        let mut rest = Vec::new();
        leaf.read_to_end(&mut rest).unwrap();
        assert_eq!(head[..], data[..10]);
        assert_eq!(rest[..], data[10..]);
    }
}
