#!/usr/bin/env python3
"""net-snmp pass_persist handler serving Linux bridges' forwarding databases the way a switch's
agent serves its own: BRIDGE-MIB (dot1dBasePortIfIndex, dot1dTpFdbTable) and Q-BRIDGE-MIB
(dot1qTpFdbTable, dot1qVlanFdbId), read from `bridge -j fdb show` and sysfs, at most a second
old. Each bridge named is one VLAN of the switch (this kernel has no VLAN-aware bridges): its
ports are numbered in one sequence across the bridges, its entries are that VLAN's filtering
database. Registered in the lab switch's snmpd.conf as
    pass_persist .1.3.6.1.2.1.17 /usr/bin/python3 bridge_mib.py br20=20 br30=30
It runs in snmpd's namespace. Unknown commands and OIDs answer NONE.

With the one argument `ifalias` it serves IF-MIB's ifAlias column from the kernel's interface
aliases (`ip link set IF alias TEXT`), which net-snmp does not read:
    pass_persist .1.3.6.1.2.1.31.1.1.1.18 /usr/bin/python3 bridge_mib.py ifalias"""

import json
import os
import subprocess
import sys
import time

# bridge name -> VLAN
BRIDGES = dict((a.split("=")[0], int(a.split("=")[1])) for a in sys.argv[1:] if "=" in a)
ROOT = (1, 3, 6, 1, 2, 1, 17)
BASE_PORT = ROOT + (1, 4, 1)  # .1 dot1dBasePort, .2 dot1dBasePortIfIndex
TP_FDB = ROOT + (4, 3, 1)  # .2 dot1dTpFdbPort, .3 dot1dTpFdbStatus (index: MAC)
Q_TP_FDB = ROOT + (7, 1, 2, 2, 1)  # .2 dot1qTpFdbPort, .3 dot1qTpFdbStatus (index: fid, MAC)
Q_VLAN_FDB_ID = ROOT + (7, 1, 4, 2, 1, 3)  # index: timeMark, VLAN

LEARNED, SELF = 3, 4


def ports():
    """Bridge port number -> (ifindex, name): every bridge's ports, by ifindex, numbered 1, 2, ..."""
    found = []
    for bridge in BRIDGES:
        base = f"/sys/class/net/{bridge}/brif"
        for name in os.listdir(base) if os.path.isdir(base) else []:
            try:
                with open(f"/sys/class/net/{name}/ifindex") as f:
                    found.append((int(f.read().strip()), name))
            except (OSError, ValueError):
                continue
    return {no: p for no, p in enumerate(sorted(found), start=1)}


def fdb():
    """Every bridge's entries as (mac bytes, VLAN, port name, status)."""
    out = []
    for bridge, vlan in BRIDGES.items():
        try:
            raw = subprocess.run(["bridge", "-j", "fdb", "show", "br", bridge],
                                 capture_output=True, text=True, timeout=5).stdout
            entries = json.loads(raw or "[]")
        except (OSError, ValueError, subprocess.SubprocessError):
            continue
        for e in entries:
            mac, dev = e.get("mac", ""), e.get("ifname", "")
            # the ports' own "self" entries (the device's, not the bridge's) are not learnt
            if "self" in e.get("flags", []) or e.get("master") != bridge or not mac:
                continue
            try:
                b = bytes(int(p, 16) for p in mac.split(":"))
            except ValueError:
                continue
            if len(b) != 6 or b[0] & 1:
                continue
            status = SELF if e.get("state") == "permanent" else LEARNED
            out.append((b, vlan, dev, status))
    return out


IF_ALIAS = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18)


def aliases():
    """ifAlias.IFINDEX of every interface, from sysfs."""
    rows = []
    for name in os.listdir("/sys/class/net"):
        try:
            with open(f"/sys/class/net/{name}/ifindex") as f:
                ifx = int(f.read().strip())
            with open(f"/sys/class/net/{name}/ifalias") as f:
                alias = f.read().strip()
        except (OSError, ValueError):
            continue
        rows.append((IF_ALIAS + (ifx,), "string", alias))
    rows.sort(key=lambda r: r[0])
    return rows


def table():
    """The whole subtree as a sorted list of (oid tuple, type, value)."""
    if sys.argv[1:] == ["ifalias"]:
        return aliases()
    by_no = ports()
    no_of = {name: no for no, (_, name) in by_no.items()}
    rows = []
    for no, (ifx, _) in by_no.items():
        rows.append((BASE_PORT + (1, no), "integer", str(no)))
        rows.append((BASE_PORT + (2, no), "integer", str(ifx)))
    seen_mac = set()
    vlans = set()
    for mac, vlan, dev, status in fdb():
        port = 0 if dev in BRIDGES else no_of.get(dev)
        if port is None:
            continue
        if vlan is not None:
            vlans.add(vlan)
            rows.append((Q_TP_FDB + (2, vlan) + tuple(mac), "integer", str(port)))
            rows.append((Q_TP_FDB + (3, vlan) + tuple(mac), "integer", str(status)))
        if mac not in seen_mac:
            seen_mac.add(mac)
            rows.append((TP_FDB + (2,) + tuple(mac), "integer", str(port)))
            rows.append((TP_FDB + (3,) + tuple(mac), "integer", str(status)))
    for vlan in vlans:
        # independent VLAN learning: each VLAN is its own filtering database
        rows.append((Q_VLAN_FDB_ID + (0, vlan), "gauge", str(vlan)))
    rows.sort(key=lambda r: r[0])
    return rows


CACHE = {"at": 0.0, "rows": []}


def current():
    if time.monotonic() - CACHE["at"] > 1.0:
        CACHE["rows"], CACHE["at"] = table(), time.monotonic()
    return CACHE["rows"]


def parse(text):
    try:
        return tuple(int(a) for a in text.strip().strip(".").split("."))
    except ValueError:
        return None


def answer(row):
    oid, kind, value = row
    return "." + ".".join(map(str, oid)) + "\n" + kind + "\n" + value + "\n"


def main():
    for line in sys.stdin:
        cmd = line.strip().lower()
        if cmd == "ping":
            sys.stdout.write("PONG\n")
        elif cmd in ("get", "getnext"):
            oid = parse(sys.stdin.readline())
            rows = current()
            hit = None
            if oid is not None and cmd == "get":
                hit = next((r for r in rows if r[0] == oid), None)
            elif oid is not None:
                hit = next((r for r in rows if r[0] > oid), None)
            sys.stdout.write(answer(hit) if hit else "NONE\n")
        elif cmd == "set":
            sys.stdin.readline()
            sys.stdin.readline()
            sys.stdout.write("not-writable\n")
        elif cmd == "":
            continue
        else:
            sys.stdout.write("NONE\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
