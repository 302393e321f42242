#!/usr/bin/env bash
# A soak of uctriage serve on loopback (never in CI):
#
#   bench/soak.sh DURATION RATE      # e.g. bench/soak.sh 20m 30000
#
# One TCP sender (bench/serve_load.py) offers RATE messages/s for DURATION
# (s, m or h) to a release build; retention keeps RETAIN_SIZE (2GB by
# default) so the disk holds whatever the duration. Every SAMPLE seconds it
# records the server's resident memory (VmRSS and the peak VmHWM), its CPU
# time, the data folder's size, what was stored and the load average, in
# $OUT/samples.tsv. At the end it checks that the messages sent equal the
# messages stored, and prints every incident the traffic opened with its
# title and root cause (the load carries CUCM endpoint-unregistration
# alarms from eight nodes, so incidents are expected: each must say why).
# Everything talks to 127.0.0.1; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: bench/soak.sh DURATION RATE" >&2; exit 2; }
secs() { case $1 in *h) echo $(( ${1%h} * 3600 ));; *m) echo $(( ${1%m} * 60 ));; *s) echo "${1%s}";; *) echo "$1";; esac; }
SECS=$(secs "$1")
RATE=$2
SAMPLE=${SAMPLE:-5}
RETAIN_SIZE=${RETAIN_SIZE:-2GB}
OUT=${OUT:-/work/data/serve/soak-$(date -u +%Y%m%dT%H%M%S)}
BIN=${BIN:-}
TCP=127.0.0.1:15524
HTTP=127.0.0.1:18524
mkdir -p "$OUT"
# BIN=path runs that binary as it is (e.g. another branch's); else this tree's release build.
if [ -z "$BIN" ]; then nice cargo build --release -q -p uctriage; BIN=target/release/uctriage; fi
DATA=$OUT/data
rm -rf "$DATA"
TOKEN=$("$BIN" serve init --data "$DATA")
"$BIN" serve --data "$DATA" --syslog-tcp $TCP --http $HTTP --retain-size "$RETAIN_SIZE" --quiet 2> "$OUT/serve.log" &
SERVER=$!
LOADER=""
cleanup() {
  [ -n "$LOADER" ] && kill "$LOADER" 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://$HTTP/healthz" >/dev/null && break; sleep 0.1; done
api() { curl -sf -H "Authorization: Bearer $TOKEN" "http://$HTTP$1"; }
stat_of() { api /api/v1/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }

echo "# soak: TCP at $RATE/s for $SECS s; retention $RETAIN_SIZE; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# samples: $OUT/samples.tsv"
printf 't_s\trss_mib\tpeak_mib\tcpu_s\tstored\tdata_mib\tload1\n' > "$OUT/samples.tsv"
T0=$(date +%s)
timeout $((SECS * 2 + 60)) python3 bench/serve_load.py tcp $TCP "$RATE" "$SECS" > "$OUT/sent" &
LOADER=$!
sample() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $(( $(date +%s) - T0 )) \
    $(( $(status_kib $SERVER VmRSS) / 1024 )) $(( $(status_kib $SERVER VmHWM) / 1024 )) \
    "$(cpu_s $SERVER)" "$(stat_of stored)" "$(du -sm "$DATA" | cut -f1)" \
    "$(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/samples.tsv"
}
while kill -0 $LOADER 2>/dev/null; do sample; sleep "$SAMPLE"; done
wait $LOADER || true
LOADER=""
# CPU seconds per thread (receivers = serve, decode, store = the writer with retention, checkpoint, correlate).
for t in /proc/$SERVER/task/*; do echo "$(cat $t/comm) $(awk '{print $14+$15}' $t/stat)"; done \
  | awk '{c[$1]+=$2} END {for (k in c) printf "%s\t%.1f\n", k, c[k]/100}' > "$OUT/threads.tsv"
SEND_END=$(date +%s)
SENT=$(cat "$OUT/sent")
for _ in $(seq 1 600); do [ "$(stat_of stored)" -ge "$SENT" ] && break; sleep 1; done
DRAIN=$(( $(date +%s) - SEND_END ))
sample
STORED=$(stat_of stored)
api /api/v1/stats > "$OUT/stats.json"
api /api/v1/incidents > "$OUT/incidents.json"
python3 - "$OUT" "$SENT" "$STORED" "$SECS" "$DRAIN" <<'EOF'
import json, sys
out, sent, stored, secs, drain = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/samples.tsv")][1:]
peak = max(int(r[2]) for r in rows)
rss_max = max(int(r[1]) for r in rows)
cpu = float(rows[-1][3])
data = max(int(r[5]) for r in rows)
loads = [float(r[6]) for r in rows]
st = json.load(open(f"{out}/stats.json"))
took = int(rows[-1][0])
print(f"sent {sent:,}; stored {stored:,} ({'equal' if sent == stored else 'NOT EQUAL'}); "
      f"dropped {st['dropped']}; malformed {st['malformed']}; pruned by retention {st['pruned']:,}")
print(f"sending took {took - drain} s for {secs} s planned ({sent / max(1, took - drain):,.0f} msg/s achieved); "
      f"all stored {drain} s after the sender finished")
print(f"peak RSS {peak} MiB (VmHWM; highest VmRSS sampled {rss_max} MiB); "
      f"server CPU {cpu:.0f} s = {1e6 * cpu / max(1, stored):.1f} CPU-us per message; "
      f"data folder at most {data} MiB; load average {min(loads):.1f}-{max(loads):.1f}")
inc = json.load(open(f"{out}/incidents.json"))["incidents"]
print(f"incidents: {len(inc)}")
for i in inc:
    rc = i.get("root_cause") or {}
    rc = rc.get("title") if isinstance(rc, dict) else rc
    print(f"  #{i['id']} {i['status']}: {i.get('title', '?')} | root cause: {rc or 'none stated'} | "
          f"{len(i.get('findings', []))} findings")
sys.exit(0 if sent == stored else 1)
EOF
