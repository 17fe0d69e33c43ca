"""The peer of bench/netcli.sh: what an engineer would write with netmiko to fetch many devices'
running configurations, a 50-thread pool of ConnectHandler sessions (enable, then `show
running-config`, which netmiko reads with paging turned off). Prints one JSON line: the devices
fetched, the fewest and most lines one gave, and the failures."""

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from netmiko import ConnectHandler


def fetch(host, port, user, password, secret):
    try:
        with ConnectHandler(
            device_type="cisco_ios",
            host=host,
            port=port,
            username=user,
            password=password,
            secret=secret,
            ssh_strict=False,
            system_host_keys=False,
            alt_host_keys=False,
        ) as c:
            c.enable()
            out = c.send_command("show running-config", read_timeout=120)
            return host, len(out.splitlines()), None
    except Exception as e:  # a failure is counted and named, not fatal
        return host, 0, f"{type(e).__name__}: {e}"


def main():
    hosts = sys.argv[1].split(",")
    port = int(sys.argv[2])
    threads = int(sys.argv[3])
    user = os.environ["NETMIKO_USER"]
    password = os.environ["NETMIKO_PASSWORD"]
    secret = os.environ["NETMIKO_SECRET"]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda h: fetch(h, port, user, password, secret), hosts))
    lines = [n for _, n, e in results if e is None]
    failed = [f"{h}: {e}" for h, _, e in results if e is not None]
    print(json.dumps({
        "devices": len(lines),
        "min_lines": min(lines, default=0),
        "max_lines": max(lines, default=0),
        "failed": failed[:5],
        "failures": len(failed),
    }))


if __name__ == "__main__":
    main()
