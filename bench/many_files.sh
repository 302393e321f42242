#!/usr/bin/env bash
# Peak memory and wall time of uctriage on inputs of many small files
# (issue 20: what a collection from a stranger can look like).
#
#   bench/many_files.sh [FILES]       # default 100000
#
# Writes, once, into BENCH_DIR (or a temp dir, removed at the end):
#   many/       FILES one-line CiscoSyslog files, 500 per folder
#   many.tar.gz the same folder as one archive
#   links/      FILES/2.5 files beside as many links that lead out of the
#               folder (each reported and skipped)
#   hosts/      one syslog file of FILES lines, each from another host (a
#               syslog server's file)
# then runs `files`, `analyze` and `timeline` (JSON), and `analyze` as an
# HTML report, on each under /usr/bin/time, stdout to /dev/null (the HTML
# to a file in the work folder: an older uctriage given `-o /dev/null`
# renamed a file over it). Never run in CI.
#
# Environment:
#   BENCH_BEFORE=PATH   also time this (older) uctriage binary, same runs
#   BENCH_DIR           where inputs go (kept), default a temp dir (removed)
set -euo pipefail

FILES="${1:-100000}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cd "$ROOT"
cargo build --release -q -p uctriage
. "$ROOT/bench/lib.sh"
bench_binaries
bench_work many

if [ ! -d "$WORK/many" ]; then
    python3 - "$WORK" "$FILES" <<'EOF'
import os, sys
work, files = sys.argv[1], int(sys.argv[2])
line = ("Nov 14 00:00:00 cucm1 local7 6 : 1001: cucm1.example.net: Nov 14 2024 00:00:00.000 UTC :  "
        "%UC_CALLMANAGER-6-EndPointUnregistered: %[DeviceName=SEP001B540114CF][IPAddress=10.62.40.125]"
        "[Protocol=SIP][DeviceType=36670][Description=Desk Phone 30123][Reason=8][IPAddrAttributes=0]"
        "[AppID=Cisco CallManager][ClusterID=C][NodeID=cucm1]: An endpoint has unregistered\n")
for i in range(files):
    folder = os.path.join(work, "many", f"d{i // 500:04}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"syslog{i % 500:04}.log"), "w") as f:
        f.write(line)
links = os.path.join(work, "links")
os.makedirs(links, exist_ok=True)
for i in range(int(files / 2.5)):
    os.symlink("/etc/hostname", os.path.join(links, f"l{i:06}.log"))
    with open(os.path.join(links, f"f{i:06}.log"), "w") as f:
        f.write(line)
os.makedirs(os.path.join(work, "hosts"), exist_ok=True)
with open(os.path.join(work, "hosts", "messages"), "w") as f:
    for i in range(files):
        h, t = f"node{i:06}", f"00:{(i // 60) % 60:02}:{i % 60:02}"
        f.write(f"Nov 14 {t} {h} local7 6 : {i + 1}: {h}.example.net: Nov 14 2024 {t}.000 UTC :  "
                f"%UC_CALLMANAGER-3-DeviceTransientConnection: %[DeviceName=SEP001B5400{i % 65536:04X}]"
                f"[Reason=13][AppID=Cisco CallManager][ClusterID=C][NodeID={h}]: Transient connection attempt\n")
EOF
    tar czf "$WORK/many.tar.gz" -C "$WORK" many
fi

echo "| input | binary | command | wall (s) | peak RSS (MiB) |"
echo "|---|---|---|---|---|"
for input in many many.tar.gz links hosts; do
    for bin in "${BINS[@]}"; do
        name="${bin%%=*}"; exe="${bin#*=}"
        for cmd in files analyze timeline html; do
            case "$cmd" in
                files) args=(files -q) ;;
                html) args=(analyze -q --format html -o "$WORK/report.html") ;;
                *) args=("$cmd" -q --format json) ;;
            esac
            /usr/bin/time -o "$WORK/time" -f "%e %M" "$exe" "${args[@]}" "$WORK/$input" \
                > /dev/null 2> /dev/null || true
            read -r wall kb < <(tail -1 "$WORK/time")
            echo "| $input ($FILES files) | $name | $cmd | $wall | $((kb / 1024)) |"
        done
    done
done
