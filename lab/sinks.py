#!/usr/bin/env python3
"""wirescope lab notification sinks: a webhook receiver and a real SMTP server.

Both listen on 127.0.0.1 of the root namespace (where the tests' `wirescope serve`
runs) and write what they receive under --dir:

  webhook.jsonl   one JSON line per request: {"t", "path", "headers", "body",
                  "status"}; the body is parsed JSON when it parses, else text
  mailbox/        a Maildir written by aiosmtpd's Mailbox handler (Debian's
                  python3-aiosmtpd): one file per message in mailbox/new/

The webhook answers by path:
  /ok/...            200
  /fail/...          500 ("sink says no")
  /flaky/N/...       503 for the first N requests to that exact path, then 200

Usage: sinks.py --dir D --http-port P --smtp-port Q --pid-file F
The pid file is written once both listen. SIGTERM stops both.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

LOCK = threading.Lock()
SEEN = {}
MAX_BODY = 1 << 20


def handler_for(out_path):
    class Hook(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def do_POST(self):
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            parts = self.path.strip("/").split("/")
            status = 200
            if parts[0] == "fail":
                status = 500
            elif parts[0] == "flaky" and len(parts) > 1 and parts[1].isdigit():
                with LOCK:
                    SEEN[self.path] = SEEN.get(self.path, 0) + 1
                    if SEEN[self.path] <= int(parts[1]):
                        status = 503
            elif parts[0] != "ok":
                status = 404
            record = {
                "t": time.time(),
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "raw": raw.decode("utf-8", "replace"),
                "status": status,
            }
            with LOCK, open(out_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            reply = b"ok" if status == 200 else b"sink says no"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    return Hook


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--smtp-port", type=int, required=True)
    p.add_argument("--pid-file", required=True)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    http = ThreadingHTTPServer(("127.0.0.1", a.http_port), handler_for(os.path.join(a.dir, "webhook.jsonl")))
    threading.Thread(target=http.serve_forever, daemon=True).start()
    smtp = Controller(Mailbox(os.path.join(a.dir, "mailbox")), hostname="127.0.0.1", port=a.smtp_port)
    smtp.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with open(a.pid_file + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(a.pid_file + ".tmp", a.pid_file)
    done.wait()
    smtp.stop()
    http.shutdown()
    try:
        os.unlink(a.pid_file)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
