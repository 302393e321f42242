#!/usr/bin/env python3
"""drain3 with its default settings over one message per line: prints each
line's cluster id (accuracy mode) or only the throughput (--speed), for
bench/templates.sh."""
import sys, time
from drain3 import TemplateMiner

def main():
    path = sys.argv[1]
    speed = "--speed" in sys.argv
    miner = TemplateMiner()
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    t, cpu = time.perf_counter(), time.process_time()
    ids = [miner.add_log_message(l)["cluster_id"] for l in lines]
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    # Per CPU second (one core: drain3 is single-threaded).
    sys.stderr.write("%d lines, %d clusters, %.3f s wall, %.3f s cpu, %.0f lines/s/core\n" % (len(lines), len(miner.drain.clusters), secs, cpu, len(lines) / cpu))
    if not speed:
        # The final clusters: a line's group is the cluster it ended in.
        out = sys.stdout
        for i in ids:
            out.write("%d\n" % i)

if __name__ == "__main__":
    main()
