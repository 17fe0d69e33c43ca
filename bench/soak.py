#!/usr/bin/env python3
"""Soak load for `wirescope serve` (driven by bench/soak.sh): for a bounded time, mixed load on
loopback and the lab at once -- runs into the lab, 50 WebSocket subscribers joining and leaving,
capture uploads, live captures started and stopped, SSH terminals opening and closing, slow
clients that never finish their headers -- while the server's RSS and open files are sampled.
Prints one line per sample and a JSON summary last. Standard library only.

usage: soak.py BASE_URL PID SECONDS SSH_HOST SSH_USER SSH_PASSWORD
"""

import base64
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request

BASE, PID, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
SSH_HOST, SSH_USER, SSH_PASSWORD = sys.argv[4], sys.argv[5], sys.argv[6]
HOST, PORT = BASE.split("//")[1].split(":")[0], int(BASE.rsplit(":", 1)[1])
STOP = time.monotonic() + SECONDS
LOCK = threading.Lock()
COUNTS = {}
ERRORS = []


def count(what, n=1):
    with LOCK:
        COUNTS[what] = COUNTS.get(what, 0) + n


def error(what):
    with LOCK:
        if len(ERRORS) < 50:
            ERRORS.append(what)
    count("errors")


def running():
    return time.monotonic() < STOP


def http(method, path, body=None, ctype="application/json", timeout=60):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw


def expect(what, status, ok, body):
    if status in ok:
        count(what)
    elif status == 429:
        count(what + " 429")
    else:
        error(f"{what}: {status} {str(body)[:200]}")


# --- a small WebSocket client (RFC 6455): masked frames out, pings answered ---------------
class Ws:
    def __init__(self, path, timeout=30):
        self.s = socket.create_connection((HOST, PORT), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(
            (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n")[0].decode(errors="replace"))
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def send(self, payload, opcode=1):
        if isinstance(payload, str):
            payload = payload.encode()
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next text or binary message (pings answered on the way); None once closed."""
        while True:
            b0, b1 = self._need(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._need(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._need(8))[0]
            payload = self._need(n)
            op = b0 & 0x0F
            if op == 9:
                self.send(payload, opcode=10)
            elif op == 8:
                return None
            elif op in (1, 2):
                return payload

    def close(self):
        try:
            self.send(b"\x03\xe8", opcode=8)
        except OSError:
            pass
        self.s.close()


# --- the load ------------------------------------------------------------------------------
LATEST_RUN = [0]


def runs():
    i = 0
    while running():
        i += 1
        if i % 3 == 0:
            body = {"kind": "dns", "targets": [f"h{j}.lab.test" for j in range(1, 40)], "net": {"netns": "wsl-c"},
                    "options": {"server": "198.18.0.53"}}
        else:
            body = {"kind": "ping", "targets_text": "198.18.16.1-198.18.16.200", "net": {"netns": "wsl-c"},
                    "options": {"count": 3, "interval": "200ms", "timeout": "1s"}}
        status, v = http("POST", "/api/runs", body)
        expect("runs", status, (201,), v)
        if status == 201:
            LATEST_RUN[0] = v["id"]
        status, v = http("GET", "/api/runs?limit=50")
        expect("run lists", status, (200,), v)
        time.sleep(1.5)


def subscriber():
    while running():
        run = LATEST_RUN[0]
        if not run:
            time.sleep(0.5)
            continue
        try:
            ws = Ws("/api/ws")
            ws.send(json.dumps({"type": "subscribe", "run": run}))
            until = time.monotonic() + random.uniform(1, 6)
            ws.s.settimeout(2)
            got = 0
            while time.monotonic() < until:
                try:
                    m = ws.recv()
                except socket.timeout:
                    continue
                if m is None:
                    break
                got += 1
            ws.close()
            count("ws sessions")
            count("ws messages", got)
        except (OSError, ConnectionError) as e:
            error(f"websocket: {e}")
        time.sleep(random.uniform(0, 1))


def pcap(frames, size):
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    frame = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0, 0x45, 0]) + struct.pack(">H", size - 14)
    frame += bytes([0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, 0x9C, 0x40, 0, 53])
    frame += struct.pack(">H", size - 34) + b"\0\0"
    frame = frame.ljust(size, b"\xab")
    for i in range(frames):
        out += struct.pack("<IIII", i // 1000, (i % 1000) * 1000, size, size) + frame
    return bytes(out)


UPLOAD = pcap(20_000, 1000)  # 20 MB


def uploads():
    while running():
        status, v = http("POST", f"/api/captures/upload?name=soak-{random.randint(0, 999)}.pcap", UPLOAD,
                         ctype="application/octet-stream", timeout=120)
        expect("uploads", status, (201,), v)
        if status == 201:
            for path in (f"/api/captures/{v['id']}/packets?limit=200&filter=udp.port==53",
                         f"/api/captures/{v['id']}/packets/5"):
                s, b = http("GET", path)
                expect("capture reads", s, (200, 410), b)
            if random.random() < 0.5:
                s, b = http("DELETE", f"/api/captures/{v['id']}")
                expect("capture deletes", s, (204, 404, 410), b)
        time.sleep(3)


def captures():
    while running():
        status, v = http("POST", "/api/captures", {"interfaces": ["eth0"], "netns": "wsl-c", "ring_size": 20000})
        expect("live captures", status, (201,), v)
        if status == 201:
            time.sleep(5)
            s, b = http("POST", f"/api/captures/{v['id']}/stop")
            expect("capture stops", s, (200,), b)
            s, b = http("GET", f"/api/captures/{v['id']}/packets?limit=100")
            expect("capture reads", s, (200, 410), b)
            s, b = http("DELETE", f"/api/captures/{v['id']}")
            expect("capture deletes", s, (204, 404, 410), b)
        time.sleep(2)


def terminals():
    while running():
        try:
            ws = Ws("/api/ssh/terminal")
            ws.send(json.dumps({"type": "open", "target": SSH_HOST, "user": SSH_USER, "password": SSH_PASSWORD,
                                "netns": "wsl-c", "cols": 80, "rows": 24}))
            ws.s.settimeout(20)
            seen, sent = b"", False
            while True:
                m = ws.recv()
                if m is None:
                    break
                if m[:1] == b"{":
                    msg = json.loads(m)
                    if msg.get("type") == "host_key":
                        ws.send(json.dumps({"type": "accept_host_key", "fingerprint": msg["fingerprint"]}))
                    elif msg.get("type") == "ready" and not sent:
                        ws.send(b"echo soak-$((6*7))\r", opcode=2)
                        sent = True
                    elif msg.get("type") == "closed":
                        count("terminals")
                        break
                    elif msg.get("type") == "error":
                        error(f"terminal: {msg}")
                        break
                else:
                    seen += m
                    if b"soak-42" in seen:
                        ws.send(b"exit\r", opcode=2)
                        seen = b""
            ws.close()
        except (OSError, ConnectionError) as e:
            error(f"terminal: {e}")
        time.sleep(2)


HELD = []


def slow_clients():
    held = HELD
    while running():
        for _ in range(10):
            try:
                s = socket.create_connection((HOST, PORT), timeout=5)
                s.sendall(b"GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
                held.append(s)
                count("slow clients")
            except OSError as e:
                error(f"slow client: {e}")
        # A reader that stops reading a large answer.
        try:
            s = socket.create_connection((HOST, PORT), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(f"GET /api/runs?limit=500 HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n\r\n".encode())
            held.append(s)
        except OSError as e:
            error(f"stalled reader: {e}")
        time.sleep(3)
        # Keep the last 100 open (on our side) to the very end: the server is the one that must
        # let go of them.
        while len(held) > 100:
            held.pop(0).close()


def sample():
    status = open(f"/proc/{PID}/status").read()
    rss = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS:")) * 1024
    fds = len(os.listdir(f"/proc/{PID}/fd"))
    return rss, fds


def main():
    base_rss, base_fds = sample()
    workers = [runs, uploads, captures, terminals, slow_clients] + [subscriber] * 50
    threads = [threading.Thread(target=w, daemon=True) for w in workers]
    for t in threads:
        t.start()
    samples = []
    t0 = time.monotonic()
    while running():
        time.sleep(5)
        try:
            rss, fds = sample()
        except (OSError, StopIteration):
            error("the server is gone")
            break
        samples.append((round(time.monotonic() - t0), rss, fds))
        print(f"  t={samples[-1][0]:4d}s rss={rss / 2**20:7.1f} MiB fds={fds:5d} "
              f"errors={COUNTS.get('errors', 0)}", flush=True)
    for t in threads:
        t.join(timeout=60)
    # Idle, with the slow clients' last 100 connections still open on our side: the server must
    # let go of them by itself (header and idle deadlines).
    time.sleep(float(os.environ.get("SOAK_SETTLE_S", "75")))
    try:
        end_rss, end_fds = sample()
    except (OSError, StopIteration):
        end_rss, end_fds = 0, -1
        error("the server is gone")
    for s in HELD:
        s.close()
    third = max(1, len(samples) // 3)
    middle = max(r for _, r, _ in samples[third:2 * third]) if len(samples) >= 3 else 0
    last = max(r for _, r, _ in samples[2 * third:]) if samples else 0
    print(json.dumps({
        "seconds": SECONDS, "baseline_rss": base_rss, "baseline_fds": base_fds,
        "peak_rss": max((r for _, r, _ in samples), default=0), "peak_fds": max((f for _, _, f in samples), default=0),
        "middle_third_peak_rss": middle, "last_third_peak_rss": last,
        "end_rss": end_rss, "end_fds": end_fds, "counts": COUNTS, "errors": ERRORS,
    }))


if __name__ == "__main__":
    main()
