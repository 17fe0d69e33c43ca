#!/usr/bin/env python3
"""wirescope lab TCP listeners (stdlib only).

Binds every given port on 0.0.0.0 and :: (separate sockets, IPV6_V6ONLY) and
behaves per port:

  22        sends "SSH-2.0-OpenSSH_9.2p1 wirescope-lab\\r\\n", then waits
  21        sends "220 wirescope-lab FTP ready\\r\\n", then waits
  25        sends "220 lab.test ESMTP wirescope-lab\\r\\n", then waits
  80, 8080  on the first request line replies
            "HTTP/1.0 200 OK\\r\\nServer: wirescope-lab\\r\\nContent-Length: 0\\r\\n\\r\\n"
            and closes
  443, any other port
            accepts and stays silent until the client closes

"Waits" = reads and discards until the client closes (or an idle timeout).

Usage: listeners.py [--pid-file F] [--name N] [--idle-timeout S] PORT [PORT...]
The pid file is written only after every socket is bound, so its presence
means "ready".  SIGTERM/SIGINT stop the server and remove the pid file.
"""

import argparse
import asyncio
import os
import resource
import signal
import socket
import sys
import time

BANNERS = {
    22: b"SSH-2.0-OpenSSH_9.2p1 wirescope-lab\r\n",
    21: b"220 wirescope-lab FTP ready\r\n",
    25: b"220 lab.test ESMTP wirescope-lab\r\n",
}
HTTP_PORTS = {80, 8080}
HTTP_REPLY = (
    b"HTTP/1.0 200 OK\r\n"
    b"Server: wirescope-lab\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)
BACKLOG = 4096
# after replying to HTTP, keep reading (and discarding) this long so that
# unread request bytes do not turn our close into an RST
HTTP_DRAIN_SECONDS = 2.0


def log(name, msg):
    sys.stderr.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} listeners[{name}] {msg}\n")
    sys.stderr.flush()


async def discard_until_eof(reader, timeout):
    """Read and drop data until EOF/error or `timeout` seconds of idleness."""
    while True:
        try:
            data = await asyncio.wait_for(reader.read(65536), timeout)
        except (asyncio.TimeoutError, ConnectionError, OSError):
            return
        if not data:
            return


async def close(writer):
    try:
        writer.close()
        await writer.wait_closed()
    except (ConnectionError, OSError):
        pass


def make_handler(port, idle_timeout, stats):
    banner = BANNERS.get(port)

    async def handle(reader, writer):
        stats["conns"] += 1
        try:
            if banner is not None:
                writer.write(banner)
                await writer.drain()
                await discard_until_eof(reader, idle_timeout)
            elif port in HTTP_PORTS:
                try:
                    line = await asyncio.wait_for(reader.readline(), idle_timeout)
                except (asyncio.TimeoutError, ValueError):
                    line = b""
                if line:
                    writer.write(HTTP_REPLY)
                    await writer.drain()
                    if writer.can_write_eof():
                        writer.write_eof()
                    await discard_until_eof(reader, HTTP_DRAIN_SECONDS)
            else:
                await discard_until_eof(reader, idle_timeout)
        except (ConnectionError, OSError):
            pass
        finally:
            await close(writer)

    return handle


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    target = min(target, 1 << 20)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def bound_sockets(port):
    """One IPv4 and (if available) one IPv6-only socket for `port`."""
    socks = []
    specs = [(socket.AF_INET, "0.0.0.0")]
    if socket.has_ipv6:
        specs.append((socket.AF_INET6, "::"))
    for family, host in specs:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            s.close()
            if family == socket.AF_INET6 and e.errno in (97, 99):  # no v6 here
                continue
            raise
        s.listen(BACKLOG)
        s.setblocking(False)
        socks.append(s)
    return socks


async def main_async(args):
    stats = {"conns": 0}
    servers = []
    for port in args.ports:
        for sock in bound_sockets(port):
            srv = await asyncio.start_server(
                make_handler(port, args.idle_timeout, stats),
                sock=sock,
                backlog=BACKLOG,
            )
            servers.append(srv)
    log(args.name, f"listening on {','.join(map(str, args.ports))} (v4+v6), pid {os.getpid()}")

    if args.pid_file:
        tmp = args.pid_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(tmp, args.pid_file)

    stop = asyncio.get_running_loop().create_future()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    for srv in servers:
        srv.close()
    log(args.name, f"stopping after {stats['conns']} connections")
    if args.pid_file:
        try:
            os.unlink(args.pid_file)
        except FileNotFoundError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ports", nargs="+", type=int, metavar="PORT")
    ap.add_argument("--pid-file")
    ap.add_argument("--name", default="listeners")
    ap.add_argument("--idle-timeout", type=float, default=300.0,
                    help="close a connection after this many idle seconds (default 300)")
    args = ap.parse_args()
    raise_nofile()
    try:
        asyncio.run(main_async(args))
    except OSError as e:
        log(args.name, f"fatal: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
