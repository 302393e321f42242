#!/usr/bin/env bash
# Build the release archives into dist/:
#
#   uctriage-VERSION-x86_64-unknown-linux-musl.tar.gz   a static Linux binary
#   uctriage-VERSION-x86_64-pc-windows-gnu.zip          uctriage.exe, no runtime DLLs
#   SHA256SUMS
#
# Each archive holds one folder: the binary (stripped), README.md, the man
# pages (doc/), shell completions (complete/) and the JSON Schemas (schema/).
# Archives are reproducible: files sorted, owners and times fixed to the
# last commit's time.
#
# It installs what it needs on a Debian machine (as root, or with sudo):
# the rustup targets, musl-tools (musl-gcc: libmimalloc-sys and
# libdeflate-sys compile C for the musl target), gcc-mingw-w64-x86-64 (the C
# compiler and linker for Windows), zip. Set DIST_NO_INSTALL=1 to skip that.
#
# Usage: scripts/dist.sh            (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

LINUX=x86_64-unknown-linux-musl
WINDOWS=x86_64-pc-windows-gnu
# Its own target folder, so that the dist profile never invalidates the
# release builds used for benchmarks.
TARGET_DIR="${CARGO_TARGET_DIR:-target}/dist"
OUT=dist

say() { printf 'dist: %s\n' "$*" >&2; }

install_prerequisites() {
  if [ "${DIST_NO_INSTALL:-}" = 1 ]; then
    return
  fi
  local missing=()
  command -v musl-gcc >/dev/null || missing+=(musl-tools)
  command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
  command -v zip >/dev/null || missing+=(zip)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  local installed
  installed="$(rustup target list --installed)"
  for t in "$LINUX" "$WINDOWS"; do
    if ! grep -qx "$t" <<<"$installed"; then
      say "rustup target add $t"
      rustup target add "$t"
    fi
  done
}

build() {
  say "building $LINUX and $WINDOWS"
  # One cargo run for both targets: build scripts and proc macros are built
  # once for the host, and the two targets' crates share the cores.
  # cc-rs picks musl-gcc and x86_64-w64-mingw32-gcc for these targets by
  # itself; rustc links the musl target statically (its own crt objects) and
  # the Windows one with mingw's gcc, libgcc and winpthread included.
  cargo build --locked --profile dist --target "$LINUX" --target "$WINDOWS" \
    --target-dir "$TARGET_DIR" --bin uctriage
}

# Fail unless the Linux binary is static and the Windows one needs only
# DLLs that ship with Windows.
check_linkage() {
  local linux=$1 windows=$2
  if readelf -l "$linux" | grep -q 'INTERP'; then
    say "$linux asks for a dynamic loader: not static"
    exit 1
  fi
  if readelf -d "$linux" | grep -q 'NEEDED'; then
    say "$linux needs shared libraries: not static"
    exit 1
  fi
  local dlls
  dlls="$(x86_64-w64-mingw32-objdump -p "$windows" | sed -n 's/.*DLL Name: //p' | sort -u)"
  if grep -Eiq 'libgcc|libwinpthread|libstdc|mingw' <<<"$dlls"; then
    say "$windows needs mingw runtime DLLs: $(tr '\n' ' ' <<<"$dlls")"
    exit 1
  fi
  say "$windows imports only: $(tr '\n' ' ' <<<"$dlls")"
}

# The folder that goes into an archive: binary, README, man pages,
# completions, schemas. Man pages and completions come from the Linux
# binary (it runs here); they are the same for both.
stage() {
  local dir=$1 bin=$2 name=$3 linux_bin=$4
  rm -rf "$dir"
  mkdir -p "$dir/doc" "$dir/complete" "$dir/schema"
  cp "$bin" "$dir/$name"
  cp README.md "$dir/"
  cp schema/*.schema.json "$dir/schema/"
  "$linux_bin" man --dir "$dir/doc"
  "$linux_bin" completions bash >"$dir/complete/uctriage.bash"
  "$linux_bin" completions zsh >"$dir/complete/_uctriage"
  "$linux_bin" completions fish >"$dir/complete/uctriage.fish"
  "$linux_bin" completions powershell >"$dir/complete/_uctriage.ps1"
  find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

main() {
  install_prerequisites
  VERSION="$(cargo pkgid -p uctriage | sed 's/.*[#@]//')"
  SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
  export SOURCE_DATE_EPOCH

  build
  local linux_bin="$TARGET_DIR/$LINUX/dist/uctriage"
  local windows_bin="$TARGET_DIR/$WINDOWS/dist/uctriage.exe"
  check_linkage "$linux_bin" "$windows_bin"

  mkdir -p "$OUT"
  local stage_root="$TARGET_DIR/stage"
  local lname="uctriage-$VERSION-$LINUX" wname="uctriage-$VERSION-$WINDOWS"
  stage "$stage_root/$lname" "$linux_bin" uctriage "$linux_bin"
  stage "$stage_root/$wname" "$windows_bin" uctriage.exe "$linux_bin"

  rm -f "$OUT/$lname.tar.gz" "$OUT/$wname.zip" "$OUT/SHA256SUMS"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$stage_root" -cf - "$lname" | gzip -9n >"$OUT/$lname.tar.gz"
  (cd "$stage_root" && find "$wname" -print | LC_ALL=C sort | zip -X -q -9 "$OLDPWD/$OUT/$wname.zip" -@)
  (cd "$OUT" && sha256sum "$lname.tar.gz" "$wname.zip" >SHA256SUMS)

  say "built:"
  ls -l "$OUT/$lname.tar.gz" "$OUT/$wname.zip" "$OUT/SHA256SUMS" >&2
  say "binaries: $(stat -c %s "$linux_bin") bytes (Linux), $(stat -c %s "$windows_bin") bytes (Windows)"
}

main "$@"
