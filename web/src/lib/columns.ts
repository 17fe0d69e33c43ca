// Result -> table row, per kind: the columns, each cell's text, sort key and status tone, and the
// text the filter box searches.

import { fmtDuration, fmtMs, fmtPct } from './format';
import { exitText, outputPreview, sshStatus } from './ssh';
import type { DnsResult, ProbeKind, PingResult, ProbeResult, ScanResult, SnmpResult, SshResult, TraceResult, SnmpVarbind } from './types';

export type Tone = 'ok' | 'warn' | 'bad' | '';
export type SortValue = number | string | null;

export interface Cell {
  text: string;
  sort: SortValue;
  tone?: Tone;
  /** Shown as a badge before the text (an SSH error's kind). */
  badge?: string;
}

export interface Row {
  /** Arrival order (the WebSocket seq): the default order and the sort tie-breaker. */
  seq: number;
  result: ProbeResult;
  cells: Cell[];
  /** ok / warn (NXDOMAIN) / bad: the status filter and the row marker. */
  status: Exclude<Tone, ''>;
  /** Lower-cased text of the row and its details, for the filter box. */
  hay: string;
}

export interface Column {
  label: string;
  /** CSS grid track. */
  width: string;
  align?: 'right';
  mono?: boolean;
  title?: string;
}

const ADDR = 'minmax(8rem, 17rem)';
const NUM = '4.5rem';
const MS = '5.5rem';

/** The columns of each kind that has its own (a kind without them gets GENERIC_COLUMNS). */
export const COLUMNS: Partial<Record<ProbeKind, Column[]>> = {
  ping: [
    { label: 'target', width: ADDR, mono: true },
    { label: 'addr', width: ADDR, mono: true },
    { label: 'state', width: '4.5rem' },
    { label: 'sent', width: NUM, align: 'right', mono: true },
    { label: 'recv', width: NUM, align: 'right', mono: true },
    { label: 'loss %', width: NUM, align: 'right', mono: true },
    { label: 'min ms', width: MS, align: 'right', mono: true },
    { label: 'avg ms', width: MS, align: 'right', mono: true },
    { label: 'max ms', width: MS, align: 'right', mono: true },
    { label: 'stddev', width: MS, align: 'right', mono: true },
  ],
  trace: [
    { label: 'target', width: ADDR, mono: true },
    { label: 'addr', width: ADDR, mono: true },
    { label: 'reached', width: '5rem' },
    { label: 'hops', width: NUM, align: 'right', mono: true },
    { label: 'last hop', width: 'minmax(10rem, 22rem)', mono: true },
    { label: 'error', width: 'minmax(8rem, 1fr)' },
  ],
  dns: [
    { label: 'name', width: 'minmax(10rem, 22rem)', mono: true },
    { label: 'type', width: '4.5rem', mono: true },
    { label: 'rcode', width: '6.5rem', mono: true },
    { label: 'time ms', width: MS, align: 'right', mono: true },
    { label: 'answers', width: 'minmax(12rem, 3fr)', mono: true },
  ],
  scan: [
    { label: 'target', width: ADDR, mono: true },
    { label: 'addr', width: ADDR, mono: true },
    { label: 'open ports', width: 'minmax(12rem, 2fr)', mono: true, title: 'sorted by the number of open ports' },
    { label: 'closed', width: NUM, align: 'right', mono: true },
    { label: 'filtered', width: NUM, align: 'right', mono: true },
    { label: 'error', width: 'minmax(8rem, 1fr)' },
  ],
  snmp: [
    { label: 'target', width: ADDR, mono: true },
    { label: 'addr', width: ADDR, mono: true },
    { label: 'status', width: '5.5rem' },
    { label: 'read', width: 'minmax(8rem, 13rem)', title: 'sorted by the number of items read' },
    { label: 'device', width: 'minmax(7rem, 14rem)', mono: true, title: 'sysName, or the name a topology crawl found' },
    { label: 'time ms', width: MS, align: 'right', mono: true },
    { label: 'values / error', width: 'minmax(12rem, 3fr)', mono: true },
  ],
  ssh: [
    { label: 'target', width: ADDR, mono: true },
    { label: 'addr', width: ADDR, mono: true },
    { label: 'exit', width: '10rem', title: 'exit status; an error says why the command did not run' },
    { label: 'time', width: MS, align: 'right', mono: true },
    { label: 'output / error', width: 'minmax(12rem, 3fr)', mono: true, title: 'first line of stdout (of stderr when stdout is empty)' },
  ],
};

/** A kind's result as far as every kind's goes: its target, its address, what it found (the plain fields), an error. */
export const GENERIC_COLUMNS: Column[] = [
  { label: 'target', width: ADDR, mono: true },
  { label: 'addr', width: ADDR, mono: true },
  { label: 'result', width: 'minmax(12rem, 3fr)', mono: true, title: "the result's plain fields" },
  { label: 'error', width: 'minmax(8rem, 1fr)' },
];

export function columnsFor(kind: ProbeKind): Column[] {
  return COLUMNS[kind] ?? GENERIC_COLUMNS;
}

export function gridTemplate(kind: ProbeKind): string {
  return columnsFor(kind).map((c) => c.width).join(' ');
}

const text = (v: string | null | undefined): Cell => ({ text: v ?? '', sort: v ? v : null });
const num = (v: number | null | undefined, shown?: string): Cell => ({
  text: shown ?? (v === null || v === undefined ? '' : String(v)),
  sort: v === null || v === undefined || !Number.isFinite(v) ? null : v,
});
const ms = (v: number | null | undefined): Cell => num(v, fmtMs(v));

function pingRow(r: PingResult): { cells: Cell[]; status: Row['status']; extra: string } {
  const rtt = r.rtt_ms;
  const status = r.alive ? 'ok' : 'bad';
  return {
    status,
    cells: [
      text(r.target),
      text(r.addr),
      { text: r.alive ? 'alive' : 'dead', sort: r.alive ? 'alive' : 'dead', tone: status },
      num(r.sent),
      num(r.received),
      num(r.loss_pct, fmtPct(r.loss_pct)),
      ms(rtt?.min),
      ms(rtt?.avg),
      ms(rtt?.max),
      ms(rtt?.stddev),
    ],
    extra: r.error ?? '',
  };
}

/** The last hop that answered, as "name (addr)" or "addr". */
export function lastHop(r: TraceResult): string {
  for (let i = r.hops.length - 1; i >= 0; i--) {
    const h = r.hops[i];
    if (h.addr) return h.name ? `${h.name} (${h.addr})` : h.addr;
  }
  return '';
}

/** The hop count: the TTL of the last hop listed (the destination's when reached). */
export function hopCount(r: TraceResult): number {
  return r.hops.length ? r.hops[r.hops.length - 1].ttl : 0;
}

function traceRow(r: TraceResult): { cells: Cell[]; status: Row['status']; extra: string } {
  const status = r.reached ? 'ok' : 'bad';
  const hopText = r.hops.map((h) => [h.addr, h.name, ...h.addrs].filter(Boolean).join(' ')).join(' ');
  return {
    status,
    cells: [
      text(r.target),
      text(r.addr),
      { text: r.reached ? 'yes' : 'no', sort: r.reached ? 1 : 0, tone: status },
      num(hopCount(r)),
      text(lastHop(r)),
      { ...text(r.error), tone: r.error ? 'bad' : '' },
    ],
    extra: `${r.protocol} ${hopText}`,
  };
}

/** NOERROR green, NXDOMAIN amber, anything else (or no answer) red. */
export function dnsStatus(r: DnsResult): Row['status'] {
  if (r.error) return 'bad';
  if (r.rcode === 'NOERROR') return 'ok';
  if (r.rcode === 'NXDOMAIN') return 'warn';
  return 'bad';
}

function dnsRow(r: DnsResult): { cells: Cell[]; status: Row['status']; extra: string } {
  const status = dnsStatus(r);
  const answers = r.answers.join('  ');
  return {
    status,
    cells: [
      text(r.name),
      text(r.type),
      { text: r.rcode ?? (r.error ? 'error' : ''), sort: r.rcode ?? null, tone: status },
      ms(r.elapsed_ms),
      r.error ? { text: r.error, sort: r.error, tone: 'bad' } : { text: answers, sort: answers || null },
    ],
    extra: `${r.target} ${r.server ?? ''} ${r.transport ?? ''} ${r.records.map((x) => `${x.name} ${x.type} ${x.data}`).join(' ')}`,
  };
}

/** "22/ssh 80/http 8080" */
export function openPorts(r: ScanResult): string {
  return r.open.map((p) => (r.services[String(p)] ? `${p}/${r.services[String(p)]}` : String(p))).join(' ');
}

/** Up when a port answered (open or closed); ok when something is open. */
export function scanStatus(r: ScanResult): Row['status'] {
  if (r.error) return 'bad';
  if (r.open.length) return 'ok';
  if (r.closed > 0) return 'warn';
  return 'bad';
}

function scanRow(r: ScanResult): { cells: Cell[]; status: Row['status']; extra: string } {
  const status = scanStatus(r);
  return {
    status,
    cells: [
      text(r.target),
      text(r.addr),
      { text: openPorts(r), sort: r.open.length, tone: r.open.length ? 'ok' : '' },
      num(r.closed),
      { ...num(r.filtered), tone: r.filtered ? 'bad' : '' },
      { ...text(r.error), tone: r.error ? 'bad' : '' },
    ],
    extra: `${r.method} ${Object.values(r.banners).join(' ')}`,
  };
}

/** "sysName.0" for "SNMPv2-MIB::sysName.0"; the numeric OID when it has no name. */
export function varbindName(v: SnmpVarbind): string {
  return v.name ? v.name.replace(/^[\w-]+::/, '') : v.oid;
}

const NO_VALUE = new Set(['noSuchObject', 'noSuchInstance', 'endOfMibView']);

/** Answered (ok), answered but some OIDs have no value (warn), or no answer (bad). */
export function snmpStatus(r: SnmpResult): Row['status'] {
  if (r.error) return 'bad';
  return r.varbinds.some((v) => NO_VALUE.has(v.type)) ? 'warn' : 'ok';
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What an agent gave, item by item: the parts of the `read` cell and how many items in all. */
export function snmpRead(r: SnmpResult): { text: string; items: number } {
  const parts: string[] = [];
  let items = 0;
  const add = (n: number | undefined, one: string, many: string) => {
    if (!n) return;
    parts.push(count(n, one, many));
    items += n;
  };
  add(r.varbinds.length, 'variable', 'variables');
  add(r.neighbors?.length, 'neighbour', 'neighbours');
  add(r.arp?.length, 'ARP entry', 'ARP entries');
  add(r.fdb?.length, 'FDB entry', 'FDB entries');
  add(r.interfaces?.length, 'interface', 'interfaces');
  return { text: parts.length ? parts.join(', ') : r.error ? '' : (r.note ?? 'nothing read'), items };
}

/** The device's name: the crawl's, else a sysName.0 that was read. */
export function snmpDevice(r: SnmpResult): string {
  if (r.device?.name) return r.device.name;
  return r.varbinds.find((v) => v.oid === '.1.3.6.1.2.1.1.5.0')?.value ?? '';
}

/** A one-line preview of what was read: values, links, addresses or interface states. */
export function snmpPreview(r: SnmpResult): string {
  const out: string[] = [];
  for (const n of r.neighbors ?? []) out.push(`${n.local_port}→${n.remote_name ?? n.mgmt_addr ?? '?'}:${n.remote_port ?? '?'}`);
  for (const i of r.interfaces ?? []) out.push(`${i.name || i.descr || i.index} ${i.oper}`.trim());
  for (const a of r.arp ?? []) out.push(a.mac ? `${a.ip} ${a.mac}` : a.ip);
  for (const f of r.fdb ?? []) out.push(`${f.mac}@${f.interface}${f.vlan != null ? `.${f.vlan}` : ''}`);
  for (const v of r.varbinds) out.push(`${varbindName(v)}=${v.value}`);
  return out.join('  ').slice(0, 400);
}

function snmpRow(r: SnmpResult): { cells: Cell[]; status: Row['status']; extra: string } {
  const status = snmpStatus(r);
  const read = snmpRead(r);
  const state = status === 'bad' ? 'failed' : status === 'warn' ? 'partial' : 'answered';
  const preview = snmpPreview(r);
  const extra = [
    r.device ? Object.values(r.device).join(' ') : '',
    ...(r.neighbors ?? []).map((n) => Object.values(n).join(' ')),
    ...(r.arp ?? []).map((a) => Object.values(a).join(' ')),
    ...(r.fdb ?? []).map((f) => Object.values(f).join(' ')),
    ...(r.interfaces ?? []).map((i) => `${i.name} ${i.descr} ${i.alias} ${i.mac ?? ''}`),
    ...r.varbinds.map((v) => `${v.name ?? ''} ${v.oid} ${v.value}`),
  ].join(' ');
  return {
    status,
    cells: [
      text(r.target),
      text(r.addr),
      { text: state, sort: state, tone: status },
      { text: read.text, sort: r.error ? null : read.items },
      text(snmpDevice(r)),
      ms(r.elapsed_ms),
      r.error ? { text: r.error, sort: r.error, tone: 'bad' } : { text: preview, sort: preview || null },
    ],
    extra,
  };
}

/** Output searched by the filter box, per stream (a 4 MB config need not be copied whole). */
const SSH_HAY_CHARS = 100_000;

function sshRow(r: SshResult): { cells: Cell[]; status: Row['status']; extra: string } {
  const status = sshStatus(r);
  const preview = outputPreview(r);
  const exit: Cell = r.error
    ? { text: '', sort: r.error_kind ?? 'error', tone: 'bad', badge: exitText(r) }
    : { text: exitText(r), sort: r.exit_status ?? exitText(r), tone: status };
  return {
    status,
    cells: [
      text(r.target),
      text(r.addr),
      exit,
      { text: fmtDuration(r.elapsed_ms), sort: Number.isFinite(r.elapsed_ms) ? r.elapsed_ms : null },
      { text: preview, sort: preview || null, tone: r.error ? 'bad' : '' },
    ],
    extra: [
      r.user,
      r.command,
      r.auth ?? '',
      r.host_key?.fingerprint ?? '',
      r.stdout.slice(0, SSH_HAY_CHARS),
      r.stderr.slice(0, SSH_HAY_CHARS),
    ].join(' '),
  };
}

/** The fields GENERIC_COLUMNS has columns of (and `kind`, the same on every row). */
const GENERIC_OWN = new Set(['kind', 'target', 'addr', 'error']);

/** A result of a kind without its own columns: its string (not empty), number and boolean fields as `key=value`. */
function genericRow(result: object): { cells: Cell[]; status: Row['status']; extra: string } {
  const r = result as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const plain = Object.entries(r).filter(([k, v]) => !GENERIC_OWN.has(k) && v !== '' && ['string', 'number', 'boolean'].includes(typeof v));
  const found = plain.map(([k, v]) => `${k}=${v}`).join('  ');
  const error = str(r.error);
  return {
    status: error ? 'bad' : 'ok',
    cells: [text(str(r.target)), text(str(r.addr)), text(found), { ...text(error), tone: error ? 'bad' : '' }],
    extra: '',
  };
}

export function rowFor(result: ProbeResult, seq: number): Row {
  let m: { cells: Cell[]; status: Row['status']; extra: string };
  switch (result.kind) {
    case 'ping':
      m = pingRow(result);
      break;
    case 'trace':
      m = traceRow(result);
      break;
    case 'dns':
      m = dnsRow(result);
      break;
    case 'scan':
      m = scanRow(result);
      break;
    case 'snmp':
      m = snmpRow(result);
      break;
    case 'ssh':
      m = sshRow(result);
      break;
    default:
      m = genericRow(result);
  }
  const addr = 'addr' in result && result.addr ? result.addr : '';
  const hay = `${result.target} ${addr} ${m.cells.map((c) => c.text).join(' ')} ${m.extra}`.toLowerCase();
  return { seq, result, cells: m.cells, status: m.status, hay };
}

/** The narrowest the grid can be before it scrolls sideways: the tracks' minimums plus gaps, px. */
export function minGridWidth(widths: string[], remPx = 13, gapPx = 10, padPx = 12): number {
  let sum = padPx + gapPx * Math.max(0, widths.length - 1);
  for (const w of widths) {
    const m = /(?:minmax\()?\s*([\d.]+)(rem|px)/.exec(w);
    if (m) sum += Number(m[1]) * (m[2] === 'rem' ? remPx : 1);
  }
  return Math.ceil(sum);
}
