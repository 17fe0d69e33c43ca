#!/usr/bin/env python3
"""Writes the capture fixtures of this directory (run it here; the files are committed).

good.pcap      three 60-byte Ethernet ARP frames (pcap, microseconds), frames at byte offsets 24, 100, 176
good.pcapng    the same three frames as pcapng (SHB, IDB, three EPBs)
empty.pcap     nothing at all
garbage.pcap   an HTML page, not a capture
cut-header.pcap   good.pcap's first 20 bytes (the 24-byte file header cut short)
cut-packet.pcap   good.pcap without its last 30 bytes (the third frame cut short)
absurd.pcap    good.pcap with the second frame's captured length set to 2147483647
cut-block.pcapng  good.pcapng without its last 20 bytes (the third EPB cut short)
"""
import struct

FRAME = bytes([0xFF] * 12) + bytes([0x08, 0x06]) + bytes(46)  # 60 bytes, EtherType ARP


def pcap(frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + i, 0, len(f), len(f)) + f
    return out


def block(kind, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)


def pcapng(frames):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for i, f in enumerate(frames):
        ts = (1_700_000_000 + i) * 1_000_000
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
    return out


good = pcap([FRAME] * 3)
absurd = bytearray(good)
absurd[100 + 8 : 100 + 12] = struct.pack("<I", 0x7FFFFFFF)
ng = pcapng([FRAME] * 3)
files = {
    "good.pcap": good,
    "good.pcapng": ng,
    "empty.pcap": b"",
    "garbage.pcap": b"<html>not a capture</html>",
    "cut-header.pcap": good[:20],
    "cut-packet.pcap": good[:-30],
    "absurd.pcap": bytes(absurd),
    "cut-block.pcapng": ng[:-20],
}
for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data)
