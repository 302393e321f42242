#!/usr/bin/env bash
# Per-thread CPU of `uctriage serve` while one TCP sender pushes N messages as
# fast as it goes (never in CI; loopback only, every wait bounded):
#
#   bench/serve_profile.sh BIN N [PERF_SECONDS]
#
# Prints messages/s, the server's CPU-µs per message, and each thread's
# (serve = receivers, decode, store = SQLite writer, checkpoint, correlate).
# With PERF_SECONDS, `perf record` samples the server meanwhile into
# $W/perf.data (PERFG="--call-graph dwarf,16384" for full stacks).
set -euo pipefail
BIN=$1; N=$2; PERF=${3:-}
W=${W:-/work/data/serve/prof}; rm -rf $W; mkdir -p $W
TOKEN=$($BIN serve init --data $W/d)
$BIN serve --data $W/d --syslog-tcp 127.0.0.1:15534 --syslog-udp 127.0.0.1:15534 --http 127.0.0.1:18534 --quiet ${EXTRA:-} 2> $W/log &
S=$!
trap 'kill -TERM $S 2>/dev/null; sleep 2; kill -KILL $S 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18534/healthz >/dev/null && break; sleep 0.1; done
st() { curl -sf -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18534/api/v1/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
T0=$(date +%s.%N)
C0=$(awk '{print $14+$15}' /proc/$S/stat)
if [ -n "$PERF" ]; then perf record -F 299 ${PERFG:--g} -p $S -o $W/perf.data -- sleep ${PERF} >/dev/null 2>&1 & PP=$!; fi
DEADLINE=250 timeout 300 python3 "$(dirname "$0")/serve_load.py" tcp 127.0.0.1:15534 10000000 $(python3 -c "print($N/10000000)") > $W/sent &
L=$!
for _ in $(seq 1 3000); do [ "$(st stored)" -ge "$N" ] && break; sleep 0.1; done
T1=$(date +%s.%N)
C1=$(awk '{print $14+$15}' /proc/$S/stat)
for t in /proc/$S/task/*; do echo "$(cat $t/comm) $(awk '{print $14+$15}' $t/stat)"; done | awk -v n=$N '{c[$1]+=$2} END {for (k in c) printf "  thread %s: %.2f s CPU = %.1f us/msg\n", k, c[k]/100, c[k]*1e4/n}' 
wait $L
[ -n "$PERF" ] && wait $PP || true
python3 -c "n=$N; t=$T1-$T0; c=($C1-$C0)/100; print(f'stored {n} in {t:.2f} s = {n/t:,.0f} msg/s; server CPU {c:.2f} s = {1e6*c/n:.1f} us/msg')"
echo "sent $(cat $W/sent) stored $(st stored) received $(st received) malformed $(st malformed)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
