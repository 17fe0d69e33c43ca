// The traffic analyzer's pure logic: packet list merging, relative times, protocol colouring,
// chart scaling, hex rows and byte-range highlighting, display-filter error carets.

import type { Bucket, CaptureInfo, Counter, PacketLayer, PacketRow } from './types';

/** What a session's list row says: its interfaces, or the file it was read from. */
export function captureSourceText(c: Pick<CaptureInfo, 'source' | 'interfaces' | 'file'>): string {
  return c.source === 'file' ? (c.file ?? 'file') : c.interfaces.join(', ');
}

// ---- packet list -------------------------------------------------------------------------

/**
 * Merges fetched rows into the held ones (both ordered by frame number): duplicates dropped,
 * order kept, and only the newest `cap` kept (the ring's size). Appending newer rows, the
 * common case, does not re-sort.
 */
export function mergePackets(held: PacketRow[], incoming: PacketRow[], cap: number): PacketRow[] {
  if (!incoming.length) return held.length > cap ? held.slice(held.length - cap) : held;
  let out: PacketRow[];
  const last = held.length ? held[held.length - 1].no : -Infinity;
  if (incoming[0].no > last && isSorted(incoming)) {
    out = held.concat(incoming);
  } else {
    const byNo = new Map<number, PacketRow>();
    for (const p of held) byNo.set(p.no, p);
    for (const p of incoming) byNo.set(p.no, p);
    out = [...byNo.values()].sort((a, b) => a.no - b.no);
  }
  return out.length > cap ? out.slice(out.length - Math.max(0, cap)) : out;
}

function isSorted(rows: PacketRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i].no <= rows[i - 1].no) return false;
  return true;
}

/**
 * Where the next incremental fetch starts (`from=`): past every frame the server had numbered
 * when the last request was made and past the newest row it returned.
 */
export function nextCursor(cursor: number, framesAtRequest: number, returned: PacketRow[]): number {
  const lastNo = returned.length ? returned[returned.length - 1].no : 0;
  return Math.max(cursor, framesAtRequest + 1, lastNo + 1);
}

/** Seconds since the first frame with microseconds: "0.000000", "12.345678"; "" without a base. */
export function fmtRelTime(tsNs: number, baseNs: number | null | undefined): string {
  if (baseNs === null || baseNs === undefined || !Number.isFinite(tsNs)) return '';
  // nanosecond epochs exceed 2^53 (a double keeps them to ~256 ns): the nearest microsecond
  const us = Math.round((tsNs - baseNs) / 1000);
  const neg = us < 0;
  const a = Math.abs(us);
  return `${neg ? '-' : ''}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

/** A frame's absolute time of day with microseconds, "14:03:07.123456". */
export function fmtClockUs(tsNs: number): string {
  const us = Math.round(tsNs / 1000);
  const d = new Date(Math.floor(us / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0')}`;
}

const COLOURED = ['arp', 'icmp', 'icmpv6', 'dns', 'mdns', 'dhcp', 'snmp', 'lldp', 'cdp', 'stp', 'http', 'tls', 'ssh', 'tcp', 'udp'];

/**
 * The colouring rule a row falls under (as Wireshark's defaults: ARP, ICMP, DNS, HTTP, TCP, UDP),
 * by the protocol column; the CSS class is `p-NAME`, "" for none.
 */
export function protoClass(protocol: string, info = ''): string {
  const p = protocol.toLowerCase();
  if (p === 'tcp' && /\b(RST)\b/.test(info)) return 'p-rst';
  if (p === 'tcp' && /\b(SYN|FIN)\b/.test(info)) return 'p-syn';
  if (COLOURED.includes(p)) return `p-${p}`;
  if (p === 'icmpv6' || p.startsWith('icmp')) return 'p-icmp';
  if (p === 'https' || p.startsWith('http')) return 'p-http';
  return '';
}

// ---- display filter errors ---------------------------------------------------------------

/** The 1-based column a display-filter error names ("column 13: …"), or null. */
export function filterErrorColumn(error: string): number | null {
  const m = /\bcolumn (\d+)\b/.exec(error);
  return m ? Number(m[1]) : null;
}

/** The filter and, under it, a caret at the column the error names (null without one). */
export function caretLine(filter: string, error: string): string | null {
  const col = filterErrorColumn(error);
  if (col === null) return null;
  return `${' '.repeat(Math.max(0, Math.min(col - 1, filter.length)))}^`;
}

// ---- charts ------------------------------------------------------------------------------

/** A round axis maximum ≥ v: 1, 2, 2.5 or 5 times a power of ten (1 for 0). */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-9 * p) return m * p;
  return 10 * p;
}

/** 1 s buckets from the first to the last second, the silent ones as zero (at most `max`, newest). */
export function fillSeconds(buckets: Bucket[], max = 300): Bucket[] {
  if (!buckets.length) return [];
  const sorted = [...buckets].sort((a, b) => a.t - b.t);
  const last = sorted[sorted.length - 1].t;
  const first = Math.max(sorted[0].t, last - max + 1);
  const at = new Map(sorted.map((b) => [b.t, b]));
  const out: Bucket[] = [];
  for (let t = first; t <= last; t++) out.push(at.get(t) ?? { t, bytes: 0, packets: 0 });
  return out;
}

export interface AreaChart {
  line: string;
  area: string;
  yMax: number;
  yTicks: { v: number; y: number }[];
  xTicks: { t: number; x: number }[];
}

/**
 * The paths of an area chart of bytes per second in a w × h plot area (y grows down), with
 * y ticks at 0, ½ and the rounded maximum and up to 5 x ticks on whole seconds.
 */
export function areaChart(points: Bucket[], w: number, h: number): AreaChart {
  const peak = points.reduce((m, p) => Math.max(m, p.bytes), 0);
  const yMax = niceMax(peak);
  const yTicks = [0, yMax / 2, yMax].map((v) => ({ v, y: h - (v / yMax) * h }));
  if (!points.length) return { line: '', area: '', yMax, yTicks, xTicks: [] };
  const t0 = points[0].t;
  const span = Math.max(1, points[points.length - 1].t - t0);
  const x = (t: number) => (points.length === 1 ? w / 2 : ((t - t0) / span) * w);
  const y = (b: number) => h - (b / yMax) * h;
  const r = (n: number) => Math.round(n * 10) / 10;
  const coords = points.map((p) => `${r(x(p.t))},${r(y(p.bytes))}`);
  const line = `M${coords.join('L')}`;
  const area = `M${r(x(points[0].t))},${h}L${coords.join('L')}L${r(x(points[points.length - 1].t))},${h}Z`;
  const step = Math.max(1, Math.ceil(span / 4));
  const xTicks: { t: number; x: number }[] = [];
  for (let t = t0; t <= t0 + span; t += step) xTicks.push({ t, x: r(x(t)) });
  return { line, area, yMax, yTicks, xTicks };
}

export interface ProtoBar {
  name: string;
  packets: number;
  bytes: number;
  /** Share of all frames, 0..1. */
  share: number;
}

/** Protocols by packets (then name), each with its share of the capture's frames. */
export function protoBars(protocols: Record<string, Counter>, total: number, limit = 16): ProtoBar[] {
  const denom = total > 0 ? total : Math.max(1, ...Object.values(protocols).map((c) => c.packets));
  return Object.entries(protocols)
    .map(([name, c]) => ({ name, packets: c.packets, bytes: c.bytes, share: Math.min(1, c.packets / denom) }))
    .sort((a, b) => b.packets - a.packets || a.name.localeCompare(b.name))
    .slice(0, limit);
}

// ---- hex pane ----------------------------------------------------------------------------

export interface HexRow {
  offset: number;
  bytes: number[];
}

/** A hex string ("0a1b…") as rows of 16 bytes. */
export function hexRows(hex: string, width = 16): HexRow[] {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  const rows: HexRow[] = [];
  for (let i = 0; i + 1 < clean.length; i += 2) {
    const b = parseInt(clean.slice(i, i + 2), 16);
    const idx = i / 2;
    if (idx % width === 0) rows.push({ offset: idx, bytes: [] });
    rows[rows.length - 1].bytes.push(b);
  }
  return rows;
}

export const hexOffset = (n: number): string => n.toString(16).padStart(4, '0');
export const hexByte = (b: number): string => b.toString(16).padStart(2, '0');
/** The ASCII column's character: printable ASCII, else ".". */
export const asciiChar = (b: number): string => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

export interface ByteRange {
  offset: number;
  len: number;
}

export function inRange(i: number, r: ByteRange | null): boolean {
  return !!r && i >= r.offset && i < r.offset + r.len;
}

/** The narrowest field (or, between fields, layer) that covers byte i. */
export function fieldAt(layers: PacketLayer[], i: number): { layer: number; field: number | null } | null {
  let best: { layer: number; field: number | null; len: number } | null = null;
  layers.forEach((l, li) => {
    if (i >= l.offset && i < l.offset + l.len && (!best || l.len <= best.len)) best = { layer: li, field: null, len: l.len };
    l.fields.forEach((f, fi) => {
      if (f.len > 0 && i >= f.offset && i < f.offset + f.len && (!best || f.len <= best.len))
        best = { layer: li, field: fi, len: f.len };
    });
  });
  if (!best) return null;
  const { layer, field } = best;
  return { layer, field };
}

/** A packet-list column to sort by. */
export type PacketSortKey = 'no' | 'time' | 'src' | 'dst' | 'protocol' | 'len' | 'info';

/** The packet list's order: a column, ascending or not (none: by frame number, as captured). */
export interface PacketSort {
  key: PacketSortKey;
  desc: boolean;
}

/** A clicked header's next order: ascending, then descending, then back to capture order. */
export function nextSort(current: PacketSort | null, key: PacketSortKey): PacketSort | null {
  if (current?.key !== key) return { key, desc: false };
  return current.desc ? null : { key, desc: true };
}

/** An address's sort key: IPv4 before IPv6, each by value; none last. */
function addrKey(a: string | null | undefined): string {
  if (!a) return '~';
  if (a.includes('.') && !a.includes(':')) return `4${a.split('.').map((o) => o.padStart(3, '0')).join('.')}`;
  // IPv6: each group padded, `::` expanded
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `6${groups.map((g) => g.padStart(4, '0')).join(':')}`;
}

/** `rows` in the order `sort` asks (a copy; ties kept in frame order), or as they are. */
export function sortPackets(rows: readonly PacketRow[], sort: PacketSort | null): readonly PacketRow[] {
  if (!sort || sort.key === 'no') return sort?.desc ? [...rows].reverse() : rows;
  const key = (r: PacketRow): string | number => {
    switch (sort.key) {
      case 'time':
        return r.ts_ns;
      case 'len':
        return r.len;
      case 'src':
        return addrKey(r.src);
      case 'dst':
        return addrKey(r.dst);
      case 'protocol':
        return r.protocol;
      default:
        return r.info;
    }
  };
  const keyed = rows.map((r) => ({ r, k: key(r) }));
  const sign = sort.desc ? -1 : 1;
  keyed.sort((a, b) => (a.k < b.k ? -sign : a.k > b.k ? sign : a.r.no - b.r.no));
  return keyed.map((x) => x.r);
}
