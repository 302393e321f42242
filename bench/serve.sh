#!/usr/bin/env bash
# uctriage serve on loopback, side by side with rsyslog (never in CI).
#
#   bench/serve.sh                 # all: TCP, UDP, rsyslog, incident latency, soak
#   RATE=50000 SECS=30 SOAK_SECS=300 bench/serve.sh
#
# 1. TCP at RATE messages/s for SECS s: sent vs stored, and how long after
#    the last message everything was stored.
# 2. The same as fast as one sender goes (max throughput).
# 3. UDP at RATE for SECS: loss (kernel + intake drops).
# 4. rsyslog (Debian's package, imtcp in, omfile out) on the same traffic.
# 5. The example incident's CiscoSyslog replayed over TCP: seconds from its
#    last message until the incident is explained (root cause found).
# 6. A soak at RATE for SOAK_SECS: peak RSS (VmHWM).
# Everything talks to 127.0.0.1 only; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-50000}
SECS=${SECS:-30}
SOAK_SECS=${SOAK_SECS:-300}
MAX_N=${MAX_N:-1000000}
WORK=${WORK:-$(mktemp -d /tmp/uctriage-serve-bench.XXXXXX)}
BIN=${BIN:-}
LOAD="python3 bench/serve_load.py"
TCP=127.0.0.1:15514
UDP=127.0.0.1:15514
HTTP=127.0.0.1:18514
RS_TCP=15515

# BIN=path runs that binary as it is (e.g. another branch's); else this tree's release build.
if [ -z "$BIN" ]; then nice cargo build --release -q -p uctriage; BIN=target/release/uctriage; fi
echo "# machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
RS_PID=""
stop_rsyslog() {
  if [ -n "$RS_PID" ]; then kill -TERM "$RS_PID" 2>/dev/null || true; sleep 0.5; kill -KILL "$RS_PID" 2>/dev/null || true; RS_PID=""; fi
}
trap 'stop_server; stop_rsyslog' EXIT

start_server() { # data dir, extra args...
  local data=$1; shift
  rm -rf "$data"
  TOKEN=$("$BIN" serve init --data "$data" 2>/dev/null)
  "$BIN" serve --data "$data" --syslog-tcp $TCP --syslog-udp $UDP --http $HTTP --quiet "$@" \
    2> "$data.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://$HTTP/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$data.log"; exit 1
}
stat_of() { curl -sf -H "Authorization: Bearer $TOKEN" "http://$HTTP/api/v1/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
wait_stored() { # count, timeout s -> seconds waited
  local want=$1 limit=$2 t0 now
  t0=$(date +%s.%N)
  for _ in $(seq 1 $((limit * 10))); do
    [ "$(stat_of stored)" -ge "$want" ] && break
    sleep 0.1
  done
  now=$(date +%s.%N)
  python3 -c "print(f'{$now - $t0:.2f}')"
}
rss_peak() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status"; }
# CPU seconds (user + system, all threads) a process has used so far: the
# figure a shared machine distorts least (per message: divide by the count).
cpu_of() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
per_msg() { python3 -c "print(f'{1e6 * ($2 - $1) / $3:.1f} CPU-us per message')"; }

echo "## 1. TCP at $RATE/s for $SECS s"
start_server "$WORK/tcp"
C0=$(cpu_of $SERVER_PID)
T0=$(date +%s.%N)
SENT=$($LOAD tcp $TCP "$RATE" "$SECS")
DRAIN=$(wait_stored "$SENT" 120)
T1=$(date +%s.%N)
python3 -c "print(f'{$SENT} messages stored {$T1 - $T0:.1f} s after the first was sent: {$SENT / ($T1 - $T0):,.0f} messages/s sustained')"
echo "sent $SENT; stored $(stat_of stored); received $(stat_of received); malformed $(stat_of malformed); all stored ${DRAIN} s after the sender finished; peak RSS $(rss_peak $SERVER_PID) MiB; $(per_msg $C0 $(cpu_of $SERVER_PID) $SENT); load $(cut -d' ' -f1 /proc/loadavg)"

echo "## 2. TCP as fast as one sender goes ($MAX_N messages)"
T0=$(date +%s.%N)
BEFORE=$(stat_of stored)
C0=$(cpu_of $SERVER_PID)
DEADLINE=250 $LOAD tcp $TCP 10000000 "$(python3 -c "print($MAX_N/10000000)")" >/dev/null
wait_stored $((BEFORE + MAX_N)) 300 >/dev/null
T1=$(date +%s.%N)
python3 -c "print(f'stored {$MAX_N} in {$T1-$T0:.2f} s: {$MAX_N/($T1-$T0):,.0f} messages/s')"
echo "$(per_msg $C0 $(cpu_of $SERVER_PID) $MAX_N); load $(cut -d' ' -f1 /proc/loadavg)"
stop_server

echo "## 3. UDP at $RATE/s for $SECS s"
start_server "$WORK/udp"
C0=$(cpu_of $SERVER_PID)
SENT=$($LOAD udp $UDP "$RATE" "$SECS")
sleep 3
R=$(stat_of received); D=$(stat_of dropped); S=$(stat_of stored)
python3 -c "s=$SENT; r=$R; d=$D; st=$S; print(f'sent {s}; read {r} (kernel lost {s-r}); intake dropped {d}; stored {st}; loss {100*(s-st)/s:.2f} %')"
echo "$(per_msg $C0 $(cpu_of $SERVER_PID) $R) read; load $(cut -d' ' -f1 /proc/loadavg)"
stop_server

echo "## 4. rsyslog (imtcp in, omfile out) on the same TCP traffic"
if ! command -v rsyslogd >/dev/null; then
  apt-get install -y -qq --no-install-recommends rsyslog >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends rsyslog >/dev/null; }
fi
rsyslogd -v | head -1
RS=$WORK/rsyslog; mkdir -p "$RS"
cat > "$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS")
module(load="imtcp")
input(type="imtcp" port="$RS_TCP" address="127.0.0.1")
*.* action(type="omfile" file="$RS/out.log" template="RSYSLOG_FileFormat")
EOF
run_rsyslog() {
  rm -f "$RS/out.log"
  rsyslogd -n -f "$RS/rsyslog.conf" -i "$RS/pid" &
  RS_PID=$!
  sleep 1
}
count_lines() { [ -f "$RS/out.log" ] && wc -l < "$RS/out.log" || echo 0; }
wait_lines() { # want -> seconds
  local want=$1 t0 now
  t0=$(date +%s.%N)
  for _ in $(seq 1 3000); do [ "$(count_lines)" -ge "$want" ] && break; sleep 0.1; done
  now=$(date +%s.%N); python3 -c "print(f'{$now - $t0:.2f}')"
}
run_rsyslog
C0=$(cpu_of $RS_PID)
SENT=$($LOAD tcp 127.0.0.1:$RS_TCP "$RATE" "$SECS")
DRAIN=$(wait_lines "$SENT")
echo "rsyslog at $RATE/s: sent $SENT; written $(count_lines); all written ${DRAIN} s after the sender finished; peak RSS $(rss_peak $RS_PID) MiB; $(per_msg $C0 $(cpu_of $RS_PID) $SENT); load $(cut -d' ' -f1 /proc/loadavg)"
stop_rsyslog
run_rsyslog
T0=$(date +%s.%N)
C0=$(cpu_of $RS_PID)
DEADLINE=250 $LOAD tcp 127.0.0.1:$RS_TCP 10000000 "$(python3 -c "print($MAX_N/10000000)")" >/dev/null
wait_lines "$MAX_N" >/dev/null
T1=$(date +%s.%N)
python3 -c "print(f'rsyslog max: wrote {$MAX_N} in {$T1-$T0:.2f} s: {$MAX_N/($T1-$T0):,.0f} messages/s')"
echo "rsyslog: $(per_msg $C0 $(cpu_of $RS_PID) $MAX_N); load $(cut -d' ' -f1 /proc/loadavg)"
stop_rsyslog

echo "## 5. The example incident replayed: seconds from its last message to its explanation"
start_server "$WORK/replay"
SYSLOG=examples/ctios-outage-2019-07-12/bldcucmpub/syslog/CiscoSyslog
LAST=$($LOAD replay $TCP $SYSLOG 20)
for _ in $(seq 1 300); do
  FOUND=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://$HTTP/api/v1/incidents" | python3 -c "
import json,sys
d=json.load(sys.stdin)
ok=[i for i in d['incidents'] if i['root_cause'] and any(f['kind']=='coincidental' for f in i['findings'])]
print('yes' if ok else '')")
  [ -n "$FOUND" ] && break
  sleep 0.05
done
NOW=$(date +%s.%N)
python3 -c "print(f'explained {$NOW - $LAST:.2f} s after its last message (root cause and coincidence found)')"
stop_server

echo "## 6. Soak: TCP at $RATE/s for $SOAK_SECS s (retention at 2 GB)"
start_server "$WORK/soak" --retain-size 2GB
$LOAD tcp $TCP "$RATE" "$SOAK_SECS" > "$WORK/soak.sent" &
LOAD_PID=$!
PEAK=0
while kill -0 $LOAD_PID 2>/dev/null; do
  P=$(rss_peak $SERVER_PID); [ "$P" -gt "$PEAK" ] && PEAK=$P
  sleep 5
done
SENT=$(cat "$WORK/soak.sent")
wait_stored "$SENT" 300 >/dev/null
echo "soak: sent $SENT; stored $(stat_of stored); pruned $(stat_of pruned); peak RSS $(rss_peak $SERVER_PID) MiB; data $(du -sh "$WORK/soak" | cut -f1)"
stop_server
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$WORK"
