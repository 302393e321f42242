#!/usr/bin/env python3
"""Syslog load for bench/serve.sh (loopback only): numbered messages at a
paced rate over TCP (newline framing) or UDP, or a file's lines replayed.

  serve_load.py tcp 127.0.0.1:5514 RATE SECONDS   -> prints messages sent
  serve_load.py udp 127.0.0.1:5514 RATE SECONDS
  serve_load.py replay 127.0.0.1:5514 FILE GAP_MS -> prints the send time of the last line

The traffic mixes what a CUCM cluster sends (CiscoLog alarms with a UTC
stamp, RTMT alerts) with plain RFC 3164 and RFC 5424 lines. Every loop is
bounded by its count and its time. CONNS=N (TCP) offers the rate over N
connections at once.
"""
import os
import socket
import sys
import threading
import time

POOL = 100_000

TEMPLATES = [
    "<187>{n}: cm{h}.example.net: Dec 06 2026 12:00:{s:02d}.{ms:03d} UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP00{n:010X}][IPAddress=10.1.{h}.{x}][Protocol=SIP][DeviceType=592][Reason=13][AppID=Cisco CallManager][ClusterID=bench][NodeID=cm{h}]: An endpoint has unregistered",
    "<14>Dec  6 12:00:{s:02d} esx{h} vmkernel: cpu1:2097 {n} NMP: nmp_ThrottleLogForDevice: Cmd 0x2a to dev naa.600{x} failed",
    "<165>1 2026-12-06T12:00:{s:02d}.{ms:03d}Z app{h}.example.net appd {x} ID{h} - message {n} from the bench",
    "<190>{n}: cm{h}.example.net: Dec 06 2026 12:00:{s:02d}.{ms:03d} UTC :  %UC_GENERIC-6-ServiceStarted: %[ServiceName=Cisco CDP][ProcessID={x}][AppID=Cisco Service Manager][ClusterID=][NodeID=cm{h}]: Service started.",
]


def message(n):
    t = TEMPLATES[n % len(TEMPLATES)]
    return t.format(n=n, h=n % 8, x=n % 250, s=(n // 1000) % 60, ms=n % 1000)


def chunks(rate, seconds, step=0.02):
    """(messages due so far) every step, for `seconds`."""
    t0 = time.monotonic()
    total = int(rate * seconds)
    sent = 0
    while sent < total:
        elapsed = time.monotonic() - t0
        # A receiver slower than the rate holds the sender back (TCP
        # back-pressure): stop anyway at twice the planned time (or after
        # DEADLINE seconds, for "as fast as it goes" runs).
        if elapsed > float(os.environ.get("DEADLINE", seconds * 2 + 10)):
            return
        due = min(total, int(elapsed * rate))
        if due > sent:
            # At most a second's worth at once, so the time limit is seen.
            due = min(due, sent + max(1, int(rate)))
            yield sent, due
            sent = due
        else:
            time.sleep(step / 4)


def main():
    mode, addr = sys.argv[1], sys.argv[2]
    host, port = addr.rsplit(":", 1)
    port = int(port)
    if mode == "replay":
        lines = open(sys.argv[3], "rb").read().splitlines()
        gap = float(sys.argv[4]) / 1000.0
        s = socket.create_connection((host, port))
        last = 0.0
        for line in lines:
            s.sendall(line + b"\n")
            last = time.time()
            time.sleep(gap)
        s.close()
        print(f"{last:.3f}")
        return
    rate, seconds = float(sys.argv[3]), float(sys.argv[4])
    # Pre-built messages (cycled with fresh numbers would cost more CPU than the server).
    pool = [message(n).encode() for n in range(POOL)]
    sent = 0
    if mode == "tcp":
        # The whole pool as one newline-framed block; a run of messages is a
        # slice of it (no per-message work in Python: one sender connection
        # pushes several hundred thousand messages a second, so the sender is
        # not what a measurement measures). CONNS=N splits the rate over N
        # connections (threads; sendall releases the GIL).
        blob = b"".join(m + b"\n" for m in pool)
        offs = [0]
        for m in pool:
            offs.append(offs[-1] + len(m) + 1)
        view = memoryview(blob)
        conns = int(os.environ.get("CONNS", "1"))
        counts = [0] * conns

        def one(k):
            s = socket.create_connection((host, port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
            for a, b in chunks(rate / conns, seconds):
                while a < b:
                    i = a % POOL
                    j = min(POOL, i + (b - a))
                    s.sendall(view[offs[i]:offs[j]])
                    a += j - i
                counts[k] = b
            s.close()

        threads = [threading.Thread(target=one, args=(k,)) for k in range(conns)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent = sum(counts)
    elif mode == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        target = (host, port)
        for a, b in chunks(rate, seconds, step=0.005):
            for i in range(a, b):
                s.sendto(pool[i % POOL], target)
            sent = b
    print(sent)


if __name__ == "__main__":
    main()
