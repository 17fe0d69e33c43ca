// Tests of the traffic analyzer's logic: packet-list merging, times, colours, charts, hex, filter carets.

import { describe, expect, it } from 'vitest';
import {
  areaChart,
  asciiChar,
  caretLine,
  captureSourceText,
  fieldAt,
  fillSeconds,
  filterErrorColumn,
  fmtRelTime,
  hexByte,
  hexOffset,
  hexRows,
  inRange,
  mergePackets,
  nextCursor,
  nextSort,
  sortPackets,
  niceMax,
  protoBars,
  protoClass,
} from './capture';
import type { PacketLayer, PacketRow } from './types';

const row = (no: number): PacketRow => ({ no, ts_ns: no * 1000, src: 'a', dst: 'b', protocol: 'icmp', len: 98, info: '' });
const nos = (rows: readonly PacketRow[]) => rows.map((r) => r.no);

describe('sorting the packet list', () => {
  const rows: PacketRow[] = [
    { no: 1, ts_ns: 30, src: '198.18.0.10', dst: '198.18.16.1', protocol: 'icmp', len: 98, info: 'Echo (ping) request' },
    { no: 2, ts_ns: 10, src: '198.18.16.1', dst: '198.18.0.10', protocol: 'icmp', len: 98, info: 'Echo (ping) reply' },
    { no: 3, ts_ns: 20, src: '198.18.0.9', dst: null, protocol: 'arp', len: 42, info: '' },
    { no: 4, ts_ns: 40, src: '2001:db8::1', dst: '2001:db8::10', protocol: 'dns', len: 120, info: 'Standard query 0x1 A h1.lab.test' },
    { no: 5, ts_ns: 50, src: '2001:db8:0:1::1', dst: '198.18.0.53', protocol: 'dns', len: 42, info: 'Standard query 0x2 A h2.lab.test' },
  ];

  it('orders by a column, ties in frame order; addresses by value, IPv4 first, none last', () => {
    expect(nos(sortPackets(rows, { key: 'len', desc: false }))).toEqual([3, 5, 1, 2, 4]);
    expect(nos(sortPackets(rows, { key: 'len', desc: true }))).toEqual([4, 1, 2, 3, 5]);
    expect(nos(sortPackets(rows, { key: 'time', desc: false }))).toEqual([2, 3, 1, 4, 5]);
    // 198.18.0.9 < 198.18.0.10 < 198.18.16.1 < 2001:db8::1 < 2001:db8:0:1::1
    expect(nos(sortPackets(rows, { key: 'src', desc: false }))).toEqual([3, 1, 2, 4, 5]);
    expect(nos(sortPackets(rows, { key: 'dst', desc: false }))).toEqual([2, 5, 1, 4, 3]);
    expect(nos(sortPackets(rows, { key: 'protocol', desc: false }))).toEqual([3, 4, 5, 1, 2]);
    expect(nos(sortPackets(rows, { key: 'info', desc: false }))).toEqual([3, 2, 1, 4, 5]);
    expect(nos(sortPackets(rows, { key: 'no', desc: true }))).toEqual([5, 4, 3, 2, 1]);
  });

  it('leaves the rows as captured without an order, and does not change them', () => {
    expect(sortPackets(rows, null)).toBe(rows);
    sortPackets(rows, { key: 'len', desc: true });
    expect(nos(rows)).toEqual([1, 2, 3, 4, 5]);
  });

  it('cycles a header through ascending, descending and back', () => {
    expect(nextSort(null, 'len')).toEqual({ key: 'len', desc: false });
    expect(nextSort({ key: 'len', desc: false }, 'len')).toEqual({ key: 'len', desc: true });
    expect(nextSort({ key: 'len', desc: true }, 'len')).toBeNull();
    expect(nextSort({ key: 'len', desc: true }, 'src')).toEqual({ key: 'src', desc: false });
  });
});

describe('mergePackets', () => {
  it('appends newer rows without copying order', () => {
    expect(nos(mergePackets([row(1), row(2)], [row(3), row(4)], 10))).toEqual([1, 2, 3, 4]);
  });
  it('drops duplicates and sorts overlapping or older rows in', () => {
    expect(nos(mergePackets([row(1), row(3)], [row(2), row(3), row(5)], 10))).toEqual([1, 2, 3, 5]);
  });
  it('keeps only the newest cap rows', () => {
    expect(nos(mergePackets([row(1), row(2), row(3)], [row(4), row(5)], 3))).toEqual([3, 4, 5]);
    expect(nos(mergePackets([row(1), row(2), row(3)], [], 2))).toEqual([2, 3]);
  });
  it('returns the same array when nothing changes', () => {
    const held = [row(1)];
    expect(mergePackets(held, [], 5)).toBe(held);
  });
});

describe('nextCursor', () => {
  it('moves past the frames numbered at request time and past the rows returned', () => {
    expect(nextCursor(1, 40, [])).toBe(41);
    expect(nextCursor(1, 40, [row(2), row(43)])).toBe(44);
    expect(nextCursor(50, 40, [])).toBe(50);
  });
});

describe('fmtRelTime', () => {
  it('gives seconds with microseconds since the first frame', () => {
    const base = 1_700_000_000_000_000_000; // stamps this large keep ~256 ns in a double
    expect(fmtRelTime(base, base)).toBe('0.000000');
    expect(fmtRelTime(base + 102_817_100, base)).toBe('0.102817');
    expect(fmtRelTime(base + 12_345_678_000, base)).toBe('12.345678');
    expect(fmtRelTime(base - 1_500_000, base)).toBe('-0.001500');
    expect(fmtRelTime(base, null)).toBe('');
  });
});

describe('protoClass', () => {
  it('follows the colouring rules', () => {
    expect(protoClass('icmp')).toBe('p-icmp');
    expect(protoClass('ICMPv6')).toBe('p-icmpv6');
    expect(protoClass('tcp', '443 → 5000 [SYN] Seq=0')).toBe('p-syn');
    expect(protoClass('tcp', '[RST, ACK]')).toBe('p-rst');
    expect(protoClass('tcp', '[ACK] Seq=1')).toBe('p-tcp');
    expect(protoClass('dns')).toBe('p-dns');
    expect(protoClass('http2')).toBe('p-http');
    expect(protoClass('vrrp')).toBe('');
  });
});

describe('display filter errors', () => {
  it('finds the column and puts a caret under it', () => {
    expect(filterErrorColumn("column 13: 'htp' is not a number")).toBe(13);
    expect(filterErrorColumn('unexpected end')).toBeNull();
    expect(caretLine('tcp.port == htp', "column 13: 'htp' is not a number")).toBe('            ^');
    expect(caretLine('ip.src ==', 'column 10: expected a value')).toBe('         ^');
    expect(caretLine('x', 'column 99: y')).toBe(' ^');
    expect(caretLine('x', 'bad')).toBeNull();
  });
});

describe('charts', () => {
  it('rounds the axis maximum up', () => {
    expect([0, 0.7, 1, 3, 7, 12, 240, 1001, 2400].map(niceMax)).toEqual([1, 1, 1, 5, 10, 20, 250, 2000, 2500]);
  });
  it('fills silent seconds with zeros and keeps the newest', () => {
    const filled = fillSeconds([
      { t: 13, bytes: 30, packets: 3 },
      { t: 10, bytes: 10, packets: 1 },
    ]);
    expect(filled.map((p) => [p.t, p.bytes])).toEqual([
      [10, 10],
      [11, 0],
      [12, 0],
      [13, 30],
    ]);
    expect(fillSeconds([{ t: 0, bytes: 1, packets: 1 }, { t: 999, bytes: 1, packets: 1 }], 300)).toHaveLength(300);
    expect(fillSeconds([])).toEqual([]);
  });
  it('scales an area chart into the plot', () => {
    const c = areaChart(
      [
        { t: 100, bytes: 0, packets: 0 },
        { t: 101, bytes: 500, packets: 5 },
        { t: 102, bytes: 1000, packets: 9 },
      ],
      200,
      100,
    );
    expect(c.yMax).toBe(1000);
    expect(c.line).toBe('M0,100L100,50L200,0');
    expect(c.area).toBe('M0,100L0,100L100,50L200,0L200,100Z');
    expect(c.yTicks).toEqual([
      { v: 0, y: 100 },
      { v: 500, y: 50 },
      { v: 1000, y: 0 },
    ]);
    expect(c.xTicks.map((t) => t.t)).toEqual([100, 101, 102]);
    expect(areaChart([], 10, 10).line).toBe('');
  });
  it('orders protocol bars by packets with their share', () => {
    const bars = protoBars({ eth: { packets: 40, bytes: 4000 }, icmp: { packets: 40, bytes: 3900 }, arp: { packets: 2, bytes: 84 } }, 42);
    expect(bars.map((b) => b.name)).toEqual(['eth', 'icmp', 'arp']);
    expect(bars[2].share).toBeCloseTo(2 / 42);
    expect(protoBars({}, 0)).toEqual([]);
  });
});

describe('hex pane', () => {
  it('cuts bytes into rows of 16 with offsets and ASCII', () => {
    const rows = hexRows('00'.repeat(16) + '414243');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({ offset: 16, bytes: [0x41, 0x42, 0x43] });
    expect(hexOffset(16)).toBe('0010');
    expect(hexByte(10)).toBe('0a');
    expect([0x41, 0x20, 0x7e, 0x7f, 0x0a].map(asciiChar).join('')).toBe('A ~..');
    expect(hexRows('')).toEqual([]);
  });
  it('highlights a byte range and finds the field under a byte', () => {
    expect([11, 12, 13, 14].map((i) => inRange(i, { offset: 12, len: 2 }))).toEqual([false, true, true, false]);
    expect(inRange(0, null)).toBe(false);
    const layers: PacketLayer[] = [
      { protocol: 'eth', title: 'Ethernet II', offset: 0, len: 14, fields: [{ name: 'eth.type', value: '0x0800', offset: 12, len: 2 }] },
      { protocol: 'ip', title: 'IPv4', offset: 14, len: 20, fields: [{ name: 'ip.ttl', value: '64', offset: 22, len: 1 }] },
    ];
    expect(fieldAt(layers, 13)).toEqual({ layer: 0, field: 0 });
    expect(fieldAt(layers, 3)).toEqual({ layer: 0, field: null });
    expect(fieldAt(layers, 22)).toEqual({ layer: 1, field: 0 });
    expect(fieldAt(layers, 99)).toBeNull();
  });
});

describe('captureSourceText', () => {
  it('names the interfaces or the file', () => {
    expect(captureSourceText({ source: 'live', interfaces: ['eth0', 'lo'], file: null })).toBe('eth0, lo');
    expect(captureSourceText({ source: 'file', interfaces: [], file: 'a.pcap' })).toBe('a.pcap');
  });
});
