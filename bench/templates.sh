#!/usr/bin/env bash
# Template mining, uctriage against drain3 (default settings), side by side
# on the same lines:
#   1. grouping accuracy on the ten Loghub 2k datasets (the Content column of
#      each *_structured.csv, one message per line; truth: its EventId);
#   2. throughput in lines per second per core (per CPU second) on a large
#      input made of those datasets repeated.
# Data: Loghub, https://github.com/logpai/loghub (see its LICENSE: research
# and academic use; cite Loghub wherever these results are shown).
#
#   bench/templates.sh            # LOGHUB_2K=DIR for another copy; BENCH_REPEAT=N (default 50)
#
# Needs python3 with drain3 (`pip install drain3`). Writes only in a temp dir.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${LOGHUB_2K:-}
for d in "$DATA" /work/shared/data/loghub-2k "$ROOT/../shared/data/loghub-2k" "$ROOT/../../shared/data/loghub-2k"; do
    if [ -n "$d" ] && [ -d "$d" ]; then DATA=$d; break; fi
done
[ -d "$DATA" ] || { echo "no Loghub 2k data: set LOGHUB_2K" >&2; exit 2; }
REPEAT=${BENCH_REPEAT:-50}
python3 -c 'import drain3' 2>/dev/null || { echo "drain3 missing: pip install drain3" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
cargo build --release --quiet --bin uctriage
cargo build --release --quiet -p uctriage-templates --example mine
UCT=$ROOT/target/release/uctriage
MINE=$ROOT/target/release/examples/mine
DATASETS="Android Apache BGL HDFS HPC Hadoop OpenSSH Spark Windows Zookeeper"

python3 - "$DATA" "$WORK" $DATASETS <<'PY'
import csv, sys
data, work, names = sys.argv[1], sys.argv[2], sys.argv[3:]
for d in names:
    rows = list(csv.DictReader(open(f"{data}/{d}/{d}_2k.log_structured.csv", newline="", encoding="utf-8")))
    with open(f"{work}/{d}.txt", "w", encoding="utf-8") as f:
        f.writelines(r["Content"].replace("\n", " ") + "\n" for r in rows)
    with open(f"{work}/{d}.truth", "w") as f:
        f.writelines(r["EventId"] + "\n" for r in rows)
PY

echo "## Grouping accuracy, Loghub 2k (Content column; data: https://github.com/logpai/loghub)"
echo
echo "| dataset | uctriage | drain3 (defaults) |"
echo "|---|---|---|"
su=0; sd=0
for d in $DATASETS; do
    "$UCT" templates "$WORK/$d.txt" --assign --format json -q \
        | python3 -c 'import json,sys; [print(json.loads(l)["template_id"]) for l in sys.stdin]' > "$WORK/$d.uct"
    python3 "$ROOT/bench/drain3_run.py" "$WORK/$d.txt" > "$WORK/$d.drain" 2>/dev/null
    au=$(python3 "$ROOT/bench/templates_acc.py" "$WORK/$d.truth" "$WORK/$d.uct")
    ad=$(python3 "$ROOT/bench/templates_acc.py" "$WORK/$d.truth" "$WORK/$d.drain")
    echo "| $d | $au | $ad |"
    su=$(python3 -c "print($su+$au)"); sd=$(python3 -c "print($sd+$ad)")
done
echo "| **average** | $(python3 -c "print('%.4f' % ($su/10))") | $(python3 -c "print('%.4f' % ($sd/10))") |"

echo
echo "## Throughput: the ten datasets repeated $REPEAT times"
for d in $DATASETS; do cat "$WORK/$d.txt"; done > "$WORK/one.txt"
for _ in $(seq "$REPEAT"); do cat "$WORK/one.txt"; done > "$WORK/big.txt"
LINES=$(wc -l < "$WORK/big.txt")
echo
echo "$LINES lines, $(du -h "$WORK/big.txt" | cut -f1)"
echo
cat "$WORK/big.txt" > /dev/null
# CPU seconds (user + system) and peak RSS of the whole command.
cpu() { /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$@" > /dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
        read -r u s m < "$WORK/time"; python3 -c "print('%.2f s cpu, %.0f lines/s/core, peak RSS %d MiB' % ($u+$s, $LINES/($u+$s), $m/1024))"; }
echo "- uctriage templates (whole command: read, format detection, mining, JSON), -j 1: $(cpu "$UCT" templates "$WORK/big.txt" --format json -q -j 1)"
echo "- uctriage templates, -j $(nproc): $(cpu "$UCT" templates "$WORK/big.txt" --format json -q)"
"$MINE" "$WORK/big.txt" --templates > /dev/null 2> "$WORK/mine1"
echo "- uctriage-templates miner alone (lines in memory), 1 thread: $(cat "$WORK/mine1")"
"$MINE" "$WORK/big.txt" --templates --threads "$(nproc)" > /dev/null 2> "$WORK/mineN"
echo "- uctriage-templates miner alone, $(nproc) threads: $(cat "$WORK/mineN")"
python3 "$ROOT/bench/drain3_run.py" "$WORK/big.txt" --speed 2> "$WORK/drain" > /dev/null
echo "- drain3 (defaults, one thread; lines in memory): $(grep lines "$WORK/drain")"
"$UCT" templates "$WORK/big.txt" --format json -q -j 1 > "$WORK/t1.json"
"$UCT" templates "$WORK/big.txt" --format json -q > "$WORK/tn.json"
if cmp -s "$WORK/t1.json" "$WORK/tn.json"; then
    echo "- the same templates with -j 1 and -j $(nproc): yes"
else
    echo "- the same templates with -j 1 and -j $(nproc): NO"
fi
