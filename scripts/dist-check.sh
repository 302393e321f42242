#!/usr/bin/env bash
# Check the archives scripts/dist.sh built: checksums, then each binary as a
# user gets it (unpacked from its archive) must start and explain the
# example incident:
#
# - Linux: the static binary prints its version and analyses the example.
# - Windows: uctriage.exe runs under Wine (Debian's wine64, ~10 s to install,
#   ~20 s to create its prefix on the first run), prints its version,
#   analyses the example with exactly the Linux binary's output, and ends
#   quietly when its reader goes away (`| head -1`).
#
# Why Wine: CI has no Windows machine, and starting the real .exe is the
# check that matters (imports resolve, the allocator and the C code start,
# paths and output behave). Debian's Wine 8.0 lacks bcryptprimitives.dll
# (Wine 9 and every Windows since 10 have it; Rust's std imports ProcessPrng
# from it), so a 10-line stand-in built with mingw is put beside the .exe,
# in the test folder only: nothing of it ships.
#
# Usage: scripts/dist-check.sh      (after scripts/dist.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

LINUX=x86_64-unknown-linux-musl
WINDOWS=x86_64-pc-windows-gnu
VERSION="$(cargo pkgid -p uctriage | sed 's/.*[#@]//')"
EXAMPLE=examples/ctios-outage-2019-07-12
WORK="$(mktemp -d)"
cleanup() {
  # This run's wineserver (its own prefix) holds the prefix open: end it first.
  if [ -x /usr/lib/wine/wineserver ] && [ -d "$WORK/wine" ]; then
    WINEPREFIX="$WORK/wine" /usr/lib/wine/wineserver -k 2>/dev/null || true
    WINEPREFIX="$WORK/wine" /usr/lib/wine/wineserver -w 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf 'dist-check: %s\n' "$*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}

(cd dist && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS do not match"

# Linux.
tar -xzf "dist/uctriage-$VERSION-$LINUX.tar.gz" -C "$WORK"
lin="$WORK/uctriage-$VERSION-$LINUX/uctriage"
[ "$("$lin" --version)" = "uctriage $VERSION" ] || fail "Linux --version"
"$lin" analyze "$EXAMPLE" >"$WORK/linux.txt" || fail "Linux analyze exited $?"
grep -q '^WHAT BROKE' "$WORK/linux.txt" || fail "Linux analyze found no impact"
say "Linux binary: $("$lin" --version), the example analysed"

# Windows, under Wine.
if [ ! -x /usr/lib/wine/wine64 ]; then
  say "installing wine64"
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wine64 >/dev/null
fi
(cd "$WORK" && unzip -q "$OLDPWD/dist/uctriage-$VERSION-$WINDOWS.zip")
win_dir="$WORK/uctriage-$VERSION-$WINDOWS"
cat >"$WORK/bcryptprimitives.c" <<'EOF'
#include <windows.h>
/* RtlGenRandom, exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
EOF
x86_64-w64-mingw32-gcc -shared -O2 -Wl,--kill-at -o "$win_dir/bcryptprimitives.dll" \
  "$WORK/bcryptprimitives.c" -ladvapi32
export WINEPREFIX="$WORK/wine" WINEDEBUG=-all
# Create the prefix first, quietly (without 32-bit Wine it complains about
# syswow64, harmlessly).
/usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || true
wine() { /usr/lib/wine/wine64 "$win_dir/uctriage.exe" "$@"; }
v="$(wine --version | tr -d '\r')" || fail "uctriage.exe --version exited $?"
[ "$v" = "uctriage $VERSION" ] || fail "uctriage.exe --version said '$v'"
wine analyze "$EXAMPLE" >"$WORK/windows.txt" || fail "uctriage.exe analyze exited $?"
diff -u "$WORK/linux.txt" "$WORK/windows.txt" >&2 || fail "Windows and Linux disagree on the example"
set +o pipefail
wine timeline "$EXAMPLE" --all 2>"$WORK/pipe.err" | head -1 >/dev/null
code=${PIPESTATUS[0]}
set -o pipefail
[ "$code" = 0 ] && [ ! -s "$WORK/pipe.err" ] ||
  fail "uctriage.exe | head -1: exit $code, stderr: $(cat "$WORK/pipe.err")"
say "Windows binary: $v under $(/usr/lib/wine/wine64 --version), the example analysed as on Linux, a closed pipe is quiet"
