#!/usr/bin/env bash
# Times uctriage against common tools on one generated collection.
#
#   bench/compare.sh [SIZE]        # SIZE as uctriage-gen takes it, default 1GB
#
# Builds release, writes a collection with uctriage-gen into a temp dir, then
# runs one after another (each under /usr/bin/time -v for wall time and peak
# RSS): uctriage analyze, rg -z -c, zcat of the gzipped part | wc -l, lnav
# loading every file headless, and s4 (super_speedy_syslog_searcher) when it
# is installed (BENCH_INSTALL_S4=1 tries `cargo install` with a time limit).
# It also times uctriage on one thread, and on one thread over the gzipped
# part only against `zcat > /dev/null` of the same files (the per-core gzip
# target).
# Environment: BENCH_RUNS (runs per tool, the median wall time is kept;
# default 3), BENCH_PAIRS (uctriage-then-lnav pairs for the paired ratio;
# default BENCH_RUNS), BENCH_KEEP=1 keeps the collection, BENCH_SEED, BENCH_NODES,
# BENCH_GZ_RATIO (share of SDL files gzipped, default 0.7; 0 = all plain,
# 1 = all gzip), BENCH_DIR (reuse a collection written there before),
# BENCH_TARBALL=1 (also time uctriage on the collection packed as one
# .tar.gz).
set -euo pipefail

SIZE="${1:-1GB}"
SEED="${BENCH_SEED:-42}"
NODES="${BENCH_NODES:-4}"
GZ_RATIO="${BENCH_GZ_RATIO:-0.7}"
RUNS="${BENCH_RUNS:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PATTERN='DeviceUnregistered|IntentionalAbort'

need_apt=()
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v lnav >/dev/null || need_apt+=(lnav)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "installing ${need_apt[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get install -y "${need_apt[@]}" >/dev/null 2>&1 \
        || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y "${need_apt[@]}" >/dev/null 2>&1; } \
        || echo "could not install ${need_apt[*]}; those rows are skipped" >&2
fi
if ! command -v s4 >/dev/null && [ "${BENCH_INSTALL_S4:-0}" = 1 ]; then
    echo "installing s4 (cargo install super_speedy_syslog_searcher, 15 min limit)" >&2
    # 0.11 needs rustc >= 1.99; 0.10.83 declares 1.88 (but one of its crates
    # takes over 20 minutes of one core and 3 GB to compile).
    timeout 900 cargo install --locked super_speedy_syslog_searcher >/dev/null 2>&1 \
        || timeout 900 cargo install --locked super_speedy_syslog_searcher --version 0.10.83 >/dev/null 2>&1 \
        || echo "s4 did not install in time; skipped" >&2
fi

cd "$ROOT"
cargo build --release -q -p uctriage -p uctriage-gen
UCT="$ROOT/target/release/uctriage"
GEN="$ROOT/target/release/uctriage-gen"

if [ -n "${BENCH_DIR:-}" ]; then
    WORK="$BENCH_DIR"; mkdir -p "$WORK"
else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/uctriage-bench.XXXXXX")"
    cleanup() { [ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
    trap cleanup EXIT
fi

if [ -d "$WORK/collection" ] && [ -n "${BENCH_DIR:-}" ]; then
    echo "reusing the collection in $WORK" >&2
else
    echo "generating $SIZE (seed $SEED, $NODES nodes, gz ratio $GZ_RATIO) in $WORK" >&2
    "$GEN" --out "$WORK" --size "$SIZE" --seed "$SEED" --nodes "$NODES" --gz-ratio "$GZ_RATIO" > /dev/null
fi
COL="$WORK/collection"
FILES="$WORK/files.txt"; find "$COL" -type f | sort > "$FILES"
GZ="$WORK/gz.txt"; grep -E '\.gzo?$' "$FILES" > "$GZ" || true
disk=$(du -sb "$COL" | cut -f1)
gz_disk=0
[ -s "$GZ" ] && gz_disk=$(xargs -a "$GZ" -d '\n' du -cb | tail -1 | cut -f1)
# gzip stops at the first file without a trailer (.gzo): one gzip per file.
unzip_all() { while IFS= read -r f; do gzip -dc "$f" 2>/dev/null || true; done < "$GZ"; }
gz_raw=$(unzip_all | wc -c)
plain=$(grep -vE '\.gzo?$' "$FILES" | xargs -d '\n' du -cb | tail -1 | cut -f1)
raw=$((gz_raw + plain))
echo "collection: $(wc -l < "$FILES") files, $disk bytes on disk ($gz_disk gzipped), $raw bytes uncompressed ($gz_raw in gzip)" >&2

# Drop nothing from the page cache (no root needed); warm it once so every tool
# starts equal.
cat $(cat "$FILES") > /dev/null

RESULTS="$WORK/results.tsv"; : > "$RESULTS"
measure() { # name, command... (run BENCH_RUNS times: median wall, largest RSS)
    local name="$1"; shift
    local log="$WORK/$name.time" walls=() rss=0 r wall one
    for ((r = 0; r < RUNS; r++)); do
        if ! /usr/bin/time -v -o "$log" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"; then
            # rg exits 1 when nothing matched in some file; keep timing anyway.
            [ -s "$log" ] || { echo "$name failed" >&2; return 0; }
        fi
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" \
            | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
        one=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
        walls+=("$wall")
        [ "$one" -gt "$rss" ] && rss=$one
    done
    wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    printf '%s\t%s\t%s\n' "$name" "$wall" "$rss" >> "$RESULTS"
    echo "$name: ${wall}s (median of ${walls[*]}), ${rss} KB" >&2
}

wall_of() { # command...: its wall time in seconds (output discarded)
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

measure uctriage "$UCT" analyze "$COL" -q --format json
measure "uctriage -j1" "$UCT" analyze "$COL" -q -j1 --format json
measure "rg -z -c" rg -z -c "$PATTERN" "$COL"
export GZ
[ -s "$GZ" ] && measure "zcat gz | wc -l" bash -c 'while IFS= read -r f; do zcat -f "$f" 2>/dev/null || true; done < "$GZ" | wc -l'
if [ -s "$GZ" ]; then
    # The per-core gzip target: one thread over the gzipped part, against
    # GNU zcat decompressing the same files to nowhere.
    mapfile -t gz_files < "$GZ"
    measure "uctriage -j1 gz" "$UCT" analyze "${gz_files[@]}" -q -j1 --format json
    measure "zcat gz (no output)" bash -c 'while IFS= read -r f; do zcat -f "$f" 2>/dev/null || true; done < "$GZ" > /dev/null'
fi
if [ "${BENCH_TARBALL:-0}" = 1 ]; then
    # The same collection as one .tar.gz, as a customer sends it (gzip -1).
    TGZ="$WORK/collection.tar.gz"
    [ -s "$TGZ" ] || tar cf - -C "$WORK" collection | gzip -1 > "$TGZ"
    measure "uctriage tar.gz" "$UCT" analyze "$TGZ" -q --format json
fi
if command -v lnav >/dev/null; then
    # -n headless; loading indexes every file, then a query over every log
    # line (all_logs) prints one count.
    measure lnav bash -c "xargs -a '$FILES' -d '\n' lnav -n -c ';SELECT count(*) AS n FROM all_logs'"
fi
if command -v s4 >/dev/null; then
    # s4 reads every file and prints all lines merged in time order.
    measure s4 bash -c "s4 '$COL' > /dev/null"
fi

echo
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -h | awk '/Mem:/ {print $2}') RAM"
echo "collection: $SIZE asked, $disk bytes on disk ($gz_disk gzipped), $raw bytes uncompressed ($gz_raw of them from gzip), $(wc -l < "$FILES") files"
echo "MB/s = uncompressed bytes of the whole collection / wall time (zcat only reads the gzipped part: $gz_raw bytes)"
printf '\n| %-16s | %9s | %12s | %12s | %11s |\n' tool "wall (s)" "MB/s (raw)" "peak RSS MB" "× uctriage"
printf '|%s|%s|%s|%s|%s|\n' ------------------ ----------- -------------- -------------- -------------
base=$(awk -F'\t' '$1=="uctriage" {print $2}' "$RESULTS")
while IFS=$'\t' read -r name wall rss; do
    awk -v n="$name" -v w="$wall" -v r="$rss" -v b="$base" -v raw="$raw" 'BEGIN {
        mbs = (w > 0) ? raw / 1e6 / w : 0;
        ratio = (b > 0) ? w / b : 0;
        printf "| %-16s | %9.2f | %12.0f | %12.1f | %10.2f× |\n", n, w, mbs, r / 1024, ratio }'
done < "$RESULTS"

# Rates on the part each row reads: the gzip rows read only the gzipped files.
rate() { awk -F'\t' -v n="$1" '$1==n {print $2}' "$RESULTS"; }
gz_uct=$(rate "uctriage -j1 gz"); gz_zcat=$(rate "zcat gz (no output)")
if [ -n "$gz_uct" ] && [ -n "$gz_zcat" ]; then
    awk -v u="$gz_uct" -v z="$gz_zcat" -v raw="$gz_raw" 'BEGIN {
        printf "\ngzip part on one core: uctriage (inflate + parse + analyze) %.0f MB/s, zcat > /dev/null %.0f MB/s: %.0f %% of zcat\n",
            raw / 1e6 / u, raw / 1e6 / z, 100 * z / u }'
fi
lnav_t=$(rate lnav)
if [ -n "$lnav_t" ] && [ -n "$base" ]; then
    awk -v l="$lnav_t" -v b="$base" 'BEGIN { printf "lnav / uctriage: %.1fx (medians of separate runs)\n", l / b }'
fi

# The host's speed drifts by 20-30 % within minutes, and lnav's runs take
# ten times as long as uctriage's, so the medians above can come from
# different speeds. Paired: uctriage, then lnav straight after, BENCH_PAIRS
# times (default BENCH_RUNS); the ratio of each pair, and their median.
if command -v lnav >/dev/null; then
    ratios=()
    for ((r = 0; r < ${BENCH_PAIRS:-$RUNS}; r++)); do
        u=$(wall_of "$UCT" analyze "$COL" -q --format json)
        l=$(wall_of bash -c "xargs -a '$FILES' -d '\n' lnav -n -c ';SELECT count(*) AS n FROM all_logs'")
        ratios+=("$(awk -v l="$l" -v u="$u" 'BEGIN { printf "%.1f", l / u }')")
        echo "pair $((r + 1)): uctriage ${u}s, lnav ${l}s" >&2
    done
    median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    echo "lnav / uctriage, paired runs: ${ratios[*]} (median ${median}x)"
fi
