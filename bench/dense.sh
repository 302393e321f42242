#!/usr/bin/env bash
# Peak memory and wall time of uctriage on event-dense input (issue 20).
#
#   bench/dense.sh [SIZE...]          # default: 300MB; e.g. bench/dense.sh 300MB 10GB
#
# For each SIZE, writes with uctriage-gen (release) one input of each kind,
# one file per node (4 nodes):
#   dense-syslog  a large cluster's CiscoSyslog: registration churn all day,
#                 one injected CallManager failure with 600 devices lost
#   generic-log   plain timestamped application lines no rule reads
# then runs `analyze --format json`, `timeline --format json` and `files`
# on it with -j1 and -j2, each under /usr/bin/time (wall time, peak RSS),
# stdout to /dev/null. Never run in CI.
#
# Environment:
#   BENCH_BEFORE=PATH   also time this (older) uctriage binary, same runs
#   BENCH_MEM_CAP_GB    address-space cap per run (ulimit -v), default 12:
#                       a run over it fails and shows as "over cap" (the
#                       machine is shared; an unbounded run would OOM it)
#   BENCH_TIMEOUT       seconds per run, default 900 ("timeout" past it)
#   BENCH_CMDS          commands to run, default "analyze timeline files"
#   BENCH_DIR           where inputs go (kept), default a temp dir (removed)
#   BENCH_MAX_MEMORY    passed as --max-memory to the "after" binary (e.g.
#                       512M, none); default: its own default (512M)
set -euo pipefail

SIZES=("$@")
[ "${#SIZES[@]}" -gt 0 ] || SIZES=(300MB)
CAP_GB="${BENCH_MEM_CAP_GB:-12}"
TIMEOUT="${BENCH_TIMEOUT:-900}"
CMDS="${BENCH_CMDS:-analyze timeline files}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cd "$ROOT"
cargo build --release -q -p uctriage -p uctriage-gen
GEN="$ROOT/target/release/uctriage-gen"
. "$ROOT/bench/lib.sh"
bench_binaries
bench_work dense

echo "| input | size | binary | command | -j | wall (s) | peak RSS (MiB) | MB/s |"
echo "|---|---|---|---|---|---|---|---|"
for size in "${SIZES[@]}"; do
    for mode in dense-syslog generic-log; do
        dir="$WORK/$mode-$size"
        if [ ! -d "$dir" ]; then
            "$GEN" --mode "$mode" --size "$size" --out "$dir" >&2
        fi
        bytes=$(du -sb "$dir" | cut -f1)
        cat "$dir"/*/*/* > /dev/null   # page cache warm
        for bin in "${BINS[@]}"; do
            name="${bin%%=*}"; exe="${bin#*=}"
            for cmd in $CMDS; do
                case "$cmd" in
                    analyze|timeline) args=("$cmd" -q --format json "$dir") ;;
                    *) args=("$cmd" -q "$dir") ;;
                esac
                if [ "$name" = after ] && [ -n "${BENCH_MAX_MEMORY:-}" ]; then
                    args+=(--max-memory "$BENCH_MAX_MEMORY")
                fi
                for j in 1 2; do
                    stats="$WORK/time.txt"
                    set +e
                    ( ulimit -v $((CAP_GB * 1024 * 1024))
                      /usr/bin/time -f "%e %M" -o "$stats" \
                          timeout "$TIMEOUT" "$exe" "${args[@]}" -j "$j" > /dev/null 2> "$WORK/err.txt" )
                    rc=$?
                    set -e
                    read -r wall rss < <(tail -1 "$stats") || { wall=NA; rss=0; }
                    rss_mib=$((rss / 1024))
                    if [ "$rc" -eq 124 ]; then
                        note="timeout (> ${TIMEOUT} s)"
                    elif [ "$rc" -gt 2 ] || grep -qiE "memory allocation|out of memory" "$WORK/err.txt"; then
                        note="over cap (${CAP_GB} GiB)"
                    else
                        note=$(awk -v b="$bytes" -v w="$wall" 'BEGIN { if (w > 0) printf "%.0f", b / 1e6 / w; else print "-" }')
                        # The texts spilled past --max-memory, when any.
                        spilled=$(grep -o 'raw text of [0-9]* events ([0-9]* [KM]iB)' "$WORK/err.txt" || true)
                        [ -z "$spilled" ] || note="$note; $spilled spilled"
                    fi
                    echo "| $mode | $size | $name | $cmd | $j | $wall | $rss_mib | $note |"
                done
            done
        done
        [ -n "${BENCH_DIR:-}" ] || rm -rf "$dir"
    done
done
