//! Whole-buffer gzip inflate with libdeflate, for gzip streams small enough
//! to hold in memory (an RTMT trace file is a few MB to a few tens of MB).
//!
//! libdeflate inflates about 1.5× as fast as zlib-rs's streaming decoder on
//! SDL traces (bench/RESULTS.md), but only whole buffers: the output space
//! has to be given up front. [`inflate_members`] sizes it from the gzip
//! trailer, grows it when a member turns out larger (several members, or a
//! member over 4 GiB whose size the trailer wraps), and walks the members
//! with `libdeflate_gzip_decompress_ex`, which reports where each one ended.
//!
//! Anything it cannot take whole — bad or truncated data (a `.gzo` still
//! being written), bytes after the last member that are not another member,
//! output past the cap — makes it give up with `None`, and the caller
//! inflates the same bytes with the streaming decoder instead, which reports
//! exactly what is wrong and keeps what came before. So this path changes
//! speed only, never what is read or reported.

use libdeflate_sys as sys;
use std::ptr::NonNull;

/// The gzip magic bytes every member starts with.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A libdeflate decompressor, freed on drop.
struct Decompressor(NonNull<sys::libdeflate_decompressor>);

impl Decompressor {
    fn new() -> Option<Decompressor> {
        // SAFETY: plain allocation; a null return (out of memory) is handled.
        NonNull::new(unsafe { sys::libdeflate_alloc_decompressor() }).map(Decompressor)
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from libdeflate_alloc_decompressor and is
        // freed once, here.
        unsafe { sys::libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

/// How one member's inflate ended.
enum Member {
    /// Whole: this many input bytes were the member.
    Done { used: usize },
    /// The output space ran out before the member ended.
    NoRoom,
    /// Bad, truncated or unsupported data.
    Bad,
}

impl Decompressor {
    /// Inflate the gzip member at the start of `input` into the spare
    /// capacity of `out`, appending to it on success; `out` never grows past
    /// `cap` bytes (a reused buffer may have more capacity than that).
    fn member(&mut self, input: &[u8], out: &mut Vec<u8>, cap: usize) -> Member {
        let filled = out.len();
        let spare = out.spare_capacity_mut();
        let (room, to) = (
            spare.len().min(cap.saturating_sub(filled)),
            spare.as_mut_ptr(),
        );
        let (mut used, mut produced) = (0usize, 0usize);
        // SAFETY: `input` is valid for reads of its length and `to` for
        // writes of `room` bytes (uninitialised memory that libdeflate only
        // writes, or reads back where it already wrote); libdeflate keeps
        // neither pointer after returning. Only the `produced` bytes it
        // reports written become part of `out`.
        let rc = unsafe {
            sys::libdeflate_gzip_decompress_ex(
                self.0.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                to.cast(),
                room,
                &mut used,
                &mut produced,
            )
        };
        match rc {
            sys::libdeflate_result_LIBDEFLATE_SUCCESS if produced <= room => {
                // SAFETY: libdeflate initialised the first `produced` spare bytes.
                unsafe { out.set_len(out.len() + produced) };
                Member::Done { used }
            }
            sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Member::NoRoom,
            _ => Member::Bad,
        }
    }
}

/// Inflate every gzip member of `input` into `out` (cleared first), using at
/// most `cap` bytes of output. `None` when the input is not a clean run of
/// whole members or needs more than `cap`: the caller then streams it.
pub(crate) fn inflate_members(input: &[u8], cap: usize, out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    if !input.starts_with(&GZIP_MAGIC) || input.len() < 18 {
        return None;
    }
    let mut decompressor = Decompressor::new()?;
    // The last 4 bytes are the last member's size modulo 4 GiB: exact for
    // the usual single member, a first guess otherwise.
    let trailer = u32::from_le_bytes(input[input.len() - 4..].try_into().ok()?) as usize;
    grow_to(out, trailer.max(input.len()).min(cap), cap);
    let mut at = 0;
    while at < input.len() {
        let rest = &input[at..];
        if !rest.starts_with(&GZIP_MAGIC) {
            return None;
        }
        match decompressor.member(rest, out, cap) {
            Member::Done { used } => {
                if used == 0 {
                    return None;
                }
                at += used;
            }
            Member::NoRoom if out.capacity() < cap => {
                let wanted = out.capacity().saturating_mul(2).max(1 << 20).min(cap);
                grow_to(out, wanted, cap);
            }
            Member::NoRoom | Member::Bad => return None,
        }
    }
    Some(())
}

/// Make sure `out` can hold `total` bytes in all (`total` ≤ `cap`). An
/// empty buffer that is too small is replaced rather than grown, so nothing
/// is copied; either way it at least doubles, up to `cap`, so a reused
/// buffer settles after a few files.
fn grow_to(out: &mut Vec<u8>, total: usize, cap: usize) {
    if out.capacity() >= total {
        return;
    }
    let size = total.max(out.capacity().saturating_mul(2).min(cap));
    if out.is_empty() {
        *out = Vec::with_capacity(size);
    } else {
        out.reserve_exact(size - out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn text(lines: usize, tag: &str) -> Vec<u8> {
        (0..lines)
            .map(|i| format!("{i:08} {tag} AppInfo |line {}\n", i * 7919 % 1000))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn a_single_member_comes_out_whole() {
        let plain = text(20_000, "one");
        let mut out = Vec::new();
        assert!(inflate_members(&gzip(&plain), 1 << 30, &mut out).is_some());
        assert_eq!(out, plain);
    }

    #[test]
    fn every_member_of_a_concatenated_gzip_comes_out_in_order() {
        // A short last member makes the trailer's size far too small for
        // the whole output, so the buffer has to grow mid-way.
        let (a, b, c) = (text(30_000, "first"), text(10, "second"), text(3, "third"));
        let mut input = gzip(&a);
        input.extend(gzip(&b));
        input.extend(gzip(&c));
        let mut out = vec![b'x'; 10];
        assert!(inflate_members(&input, 1 << 30, &mut out).is_some());
        assert_eq!(out, [a, b, c].concat());
    }

    #[test]
    fn a_truncated_or_corrupt_stream_is_left_to_the_streaming_decoder() {
        let whole = gzip(&text(5_000, "cut"));
        let mut out = Vec::new();
        assert!(inflate_members(&whole[..whole.len() / 2], 1 << 30, &mut out).is_none());
        let mut bad = whole.clone();
        bad[whole.len() / 2] ^= 0x55;
        bad[whole.len() / 2 + 1] ^= 0xaa;
        assert!(inflate_members(&bad, 1 << 30, &mut out).is_none());
    }

    #[test]
    fn bytes_after_the_last_member_are_left_to_the_streaming_decoder() {
        let mut input = gzip(&text(100, "tail"));
        input.extend_from_slice(b"\0\0\0\0 trailing junk");
        assert!(inflate_members(&input, 1 << 30, &mut Vec::new()).is_none());
    }

    #[test]
    fn output_beyond_the_cap_is_refused_not_truncated() {
        let plain = text(50_000, "big");
        let mut out = Vec::new();
        assert!(inflate_members(&gzip(&plain), plain.len() - 1, &mut out).is_none());
        assert!(inflate_members(&gzip(&plain), plain.len(), &mut out).is_some());
        assert_eq!(out.len(), plain.len());
    }

    #[test]
    fn a_reused_buffer_larger_than_the_cap_does_not_lift_it() {
        let plain = text(50_000, "big");
        let mut out = Vec::with_capacity(plain.len() * 2);
        assert!(inflate_members(&gzip(&plain), plain.len() - 1, &mut out).is_none());
    }

    #[test]
    fn input_that_is_not_gzip_is_refused() {
        assert!(
            inflate_members(b"plain text, not gzip at all", 1 << 20, &mut Vec::new()).is_none()
        );
        assert!(inflate_members(b"", 1 << 20, &mut Vec::new()).is_none());
    }
}
