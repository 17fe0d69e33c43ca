#!/usr/bin/env python3
"""wirescope lab delay line: a two-port Ethernet wire that holds every frame for a while.

This kernel has no sch_netem, so the lab adds latency in user space: inside its own
namespace, every frame that arrives on one interface goes out of the other after the
delay, both ways (ARP, neighbour discovery, ICMP, TCP alike). The delay, in
milliseconds, is read from --delay-file whenever that file changes (0 or missing: none),
so a test raises and lowers the latency of everything behind the line.

Usage: delayline.py --a IF --b IF --delay-file F --pid-file F
The pid file is written once both ports are open. SIGTERM stops it.
"""

import argparse
import heapq
import os
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAX_HELD = 10000


def open_port(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((name, 0))
    s.setblocking(False)
    return s


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--delay-file", required=True)
    p.add_argument("--pid-file", required=True)
    args = p.parse_args()
    a, b = open_port(args.a), open_port(args.b)
    other = {a.fileno(): b, b.fileno(): a}
    held = []  # (due, seq, out socket, frame)
    seq = 0
    delay, stamp = 0.0, None
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(args.pid_file + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(args.pid_file + ".tmp", args.pid_file)
    while running:
        try:
            st = os.stat(args.delay_file)
            if st.st_mtime_ns != stamp:
                stamp = st.st_mtime_ns
                with open(args.delay_file) as f:
                    delay = max(0.0, float(f.read().strip() or 0)) / 1000.0
        except (OSError, ValueError):
            delay, stamp = 0.0, None
        now = time.monotonic()
        timeout = 0.05
        if held:
            timeout = min(timeout, max(0.0, held[0][0] - now))
        try:
            ready, _, _ = select.select([a, b], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for s in ready:
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING or len(held) >= MAX_HELD:
                    continue
                seq += 1
                heapq.heappush(held, (now + delay, seq, other[s.fileno()], frame))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, out, frame = heapq.heappop(held)
            try:
                out.send(frame)
            except OSError:
                pass
    try:
        os.unlink(args.pid_file)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
