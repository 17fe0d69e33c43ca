// SNMP traps, pure: a trap in words (its version, its bindings on one line, the sender's uptime),
// the Traps page's filter (kept in the address, the API's query, which live traps it shows), live
// traps merged into a list, a run's traps matched to its result rows, a map device's traps, and
// the receiver's counts and settings form.

import { ApiError } from './api';
import { epochMs } from './format';
import type { ProbeResult, ReceiverSettings, SnmpVarbind, Trap, TrapCounts, TrapQuery } from './types';

const pad = (n: number) => String(n).padStart(2, '0');

// ---- a trap in words ---------------------------------------------------------------------

/** `v1`, `v2c`, or `v3 USER`, as the CLI's trap line writes it. */
export function versionWord(t: Pick<Trap, 'version' | 'user'>): string {
  const v = t.version.replace(/^v/i, '');
  return v === '3' && t.user ? `v3 ${t.user}` : `v${v}`;
}

/** `IF-MIB::ifIndex.3` -> `ifIndex.3`. */
export function shortName(name: string): string {
  const i = name.indexOf('::');
  return i < 0 ? name : name.slice(i + 2);
}

/** What a trap is: its name (`IF-MIB::linkDown`), else its OID. */
export const trapTitle = (t: Pick<Trap, 'name' | 'oid'>): string => t.name || t.oid;

/** A binding value at most this long in a summary (the detail page shows it whole). */
export const SUMMARY_VALUE = 40;

/** One binding as `name=value`: the name without its module (the OID when unnamed), the value on one line, cut when long. */
export function bindingText(vb: SnmpVarbind, max = SUMMARY_VALUE): string {
  const name = vb.name ? shortName(vb.name) : vb.oid;
  const value = vb.value.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return `${name}=${value.length > max ? `${value.slice(0, max - 1)}…` : value}`;
}

/** The bindings on one line: `ifIndex.3=3 ifOperStatus.3=down(2)`. */
export function bindingSummary(varbinds: readonly SnmpVarbind[], max = SUMMARY_VALUE): string {
  return varbinds.map((vb) => bindingText(vb, max)).join(' ');
}

/** The sender's uptime from hundredths of a second, as net-snmp prints it: `0:02:03.45`, `1d 2:03:04.05`. */
export function fmtUptime(hundredths: number | null | undefined): string {
  if (hundredths === null || hundredths === undefined || !Number.isFinite(hundredths) || hundredths < 0) return '';
  const cs = Math.floor(hundredths);
  const days = Math.floor(cs / 8_640_000);
  const h = Math.floor(cs / 360_000) % 24;
  const m = Math.floor(cs / 6000) % 60;
  const s = Math.floor(cs / 100) % 60;
  return `${days ? `${days}d ` : ''}${h}:${pad(m)}:${pad(s)}.${pad(cs % 100)}`;
}

// ---- the Traps page's filter -------------------------------------------------------------

/**
 * The Traps page's filter as the address keeps it: a source address, an OID prefix (`.1.3…`) or
 * part of a name, a device, and times as a datetime-local input gives them (local time; RFC 3339
 * or milliseconds in a link work too). Empty: no condition.
 */
export interface TrapFilter {
  source: string;
  oid: string;
  device: string;
  since: string;
  until: string;
}

export const TRAP_FILTER_KEYS = ['source', 'oid', 'device', 'since', 'until'] as const;

export function emptyTrapFilter(): TrapFilter {
  return { source: '', oid: '', device: '', since: '', until: '' };
}

/** The filter an address's parameters give (others ignored, values trimmed). */
export function trapFilterOf(params: Record<string, string>): TrapFilter {
  const f = emptyTrapFilter();
  for (const k of TRAP_FILTER_KEYS) f[k] = (params[k] ?? '').trim();
  return f;
}

/** Whether any field of the filter is set. */
export const isFiltered = (f: TrapFilter): boolean => TRAP_FILTER_KEYS.some((k) => f[k].trim() !== '');

// a datetime-local input's value: minutes, or seconds with up to milliseconds
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** A filter time as epoch ms: a datetime-local value (local time), RFC 3339 or ms; null when it is none of them. */
export function filterTime(v: string): number | null {
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = LOCAL.exec(t);
  if (!m) return /^\d{4}-\d{2}-\d{2}T/.test(t) ? epochMs(t) : null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const date = new Date(y, mo - 1, d, h, mi, s, Number((m[7] ?? '0').padEnd(3, '0')));
  // 2025-02-30 is no day, 24:00 no hour: Date would roll them over
  const same = [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds()];
  return same.every((x, i) => x === [y, mo, d, h, mi, s][i]) ? date.getTime() : null;
}

/** A filter time as the API takes it: a datetime-local value as RFC 3339 (UTC); anything else as typed (the server says what is wrong with it). */
export function timeParam(v: string): string {
  const t = v.trim();
  const ms = LOCAL.test(t) ? filterTime(t) : null;
  return ms === null ? t : new Date(ms).toISOString();
}

/** A filter time as a datetime-local input shows it (local, seconds and ms only when there are some); '' when it is no time. */
export function localInput(v: string): string {
  const t = v.trim();
  if (LOCAL.test(t)) return t;
  const ms = filterTime(t);
  if (ms === null) return '';
  const d = new Date(ms);
  const minute = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.getMilliseconds()) return `${minute}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  return d.getSeconds() ? `${minute}:${pad(d.getSeconds())}` : minute;
}

/** The API's query for a filter: empty fields left out, datetime-local times as RFC 3339. */
export function filterQuery(f: TrapFilter): TrapQuery {
  const q: TrapQuery = {};
  for (const k of ['source', 'oid', 'device'] as const) {
    const v = f[k].trim();
    if (v) q[k] = v;
  }
  for (const k of ['since', 'until'] as const) {
    const v = timeParam(f[k]);
    if (v) q[k] = v;
  }
  return q;
}

/** Whether an OID is the prefix or below it (`.1.3.6.1.6.3.1.1.5` holds `.1.3.6.1.6.3.1.1.5.3`, not `.1.3.6.1.6.3.1.1.50`). */
export function oidUnder(oid: string, prefix: string): boolean {
  return `${oid}.`.startsWith(`${prefix.replace(/\.+$/, '')}.`);
}

/**
 * Whether a trap is one the filter shows, as the server filters: source and device exactly, an
 * OID prefix (starting with '.') or else part of the name in any case, since ≤ time < until. A time
 * that is no time shows nothing (the server refuses it).
 */
export function matchesTrap(t: Trap, f: TrapFilter): boolean {
  const source = f.source.trim();
  if (source && t.source !== source) return false;
  const device = f.device.trim();
  if (device && t.device?.name !== device) return false;
  const oid = f.oid.trim();
  if (oid && !(oid.startsWith('.') ? oidUnder(t.oid, oid) : (t.name ?? '').toLowerCase().includes(oid.toLowerCase()))) return false;
  const at = epochMs(t.time);
  if (f.since.trim()) {
    const since = filterTime(f.since);
    if (since === null || at === null || at < since) return false;
  }
  if (f.until.trim()) {
    const until = filterTime(f.until);
    if (until === null || at === null || at >= until) return false;
  }
  return true;
}

// ---- lists -------------------------------------------------------------------------------

/** At most this many traps are kept on the Traps page (live ones push the oldest out). */
export const MAX_SHOWN = 1000;

const byIdDesc = (a: Trap, b: Trap) => (b.id ?? 0) - (a.id ?? 0);

/**
 * Live traps into a list shown: those the filter shows, each once (one without an id cannot be
 * linked and is left out), newest first, at most `cap`. `added`: how many came in; `dropped`: how
 * many old ones the cap pushed out.
 */
export function mergeTraps(
  current: readonly Trap[],
  incoming: readonly Trap[],
  f: TrapFilter,
  cap = MAX_SHOWN,
): { traps: Trap[]; added: number; dropped: number } {
  const seen = new Set(current.map((t) => t.id));
  const fresh: Trap[] = [];
  for (const t of incoming) {
    if (t.id === null || t.id === undefined || seen.has(t.id) || !matchesTrap(t, f)) continue;
    seen.add(t.id);
    fresh.push(t);
  }
  const all = [...fresh, ...current].sort(byIdDesc);
  return { traps: all.slice(0, cap), added: fresh.length, dropped: Math.max(0, all.length - cap) };
}

/** An older page after the list shown, each trap once. */
export function appendOlder(current: readonly Trap[], page: readonly Trap[]): Trap[] {
  const seen = new Set(current.map((t) => t.id));
  return [...current, ...page.filter((t) => !seen.has(t.id))];
}

/** Whether a trap is a map device's: matched to its name, or sent from its address. */
export function isDeviceTrap(t: Trap, name: string, addr: string | null | undefined): boolean {
  return t.device?.name === name || (!!addr && t.source === addr);
}

// ---- a run's traps by result row ---------------------------------------------------------

/** A run's traps by source address and by matched device name, built once per fetch. */
export interface TrapIndex {
  count: number;
  bySource: Map<string, Trap[]>;
  byDevice: Map<string, Trap[]>;
}

function push(map: Map<string, Trap[]>, key: string, t: Trap) {
  const list = map.get(key);
  if (list) list.push(t);
  else map.set(key, [t]);
}

export function indexTraps(traps: readonly Trap[]): TrapIndex {
  const index: TrapIndex = { count: traps.length, bySource: new Map(), byDevice: new Map() };
  for (const t of traps) {
    push(index.bySource, t.source, t);
    if (t.device?.name) push(index.byDevice, t.device.name, t);
  }
  return index;
}

/** The address a row's traps come from: its host's (a DNS result's addr is the server asked, not the host). */
export const resultAddr = (r: ProbeResult): string | null => (r.kind === 'dns' ? null : (r.addr ?? null));

/** The names a row's device may be matched by: its target, and an SNMP result's sysName. */
export function resultNames(r: ProbeResult): string[] {
  const sysName = r.kind === 'snmp' ? r.device?.name : null;
  return sysName && sysName !== r.target ? [r.target, sysName] : [r.target];
}

const NONE: Trap[] = [];

/** A result row's traps, newest first: sent from its address, or matched to its target or SNMP device name. */
export function trapsOfResult(index: TrapIndex, r: ProbeResult): Trap[] {
  if (!index.count) return NONE;
  const addr = resultAddr(r);
  const lists = [addr !== null ? index.bySource.get(addr) : undefined, ...resultNames(r).map((n) => index.byDevice.get(n))].filter(
    (l): l is Trap[] => !!l,
  );
  if (lists.length <= 1) return lists[0] ?? NONE;
  const byId = new Map<number | null | undefined, Trap>();
  for (const l of lists) for (const t of l) byId.set(t.id, t);
  return [...byId.values()].sort(byIdDesc);
}

/** Where a row's badge leads: the traps from its address, else those of its device. */
export function resultTrapFilter(r: ProbeResult): Partial<TrapFilter> {
  const addr = resultAddr(r);
  if (addr) return { source: addr };
  const names = resultNames(r);
  return { device: names[names.length - 1] };
}

// ---- the receiver ------------------------------------------------------------------------

export type CountName = Exclude<keyof TrapCounts, 'rejected'>;

/** The receiver's counts in order, what each means, and whether it is a refusal or a loss. */
export const COUNTS: readonly { name: CountName; label: string; title: string; bad: boolean }[] = [
  { name: 'received', label: 'received', title: 'notifications accepted (traps and informs)', bad: false },
  { name: 'informs_acked', label: 'informs acked', title: 'informs among them that were acknowledged', bad: false },
  { name: 'unknown_community', label: 'unknown community', title: 'v1/v2c notifications with a community not accepted', bad: true },
  { name: 'unknown_user', label: 'unknown user', title: 'v3 notifications from a user no profile names', bad: true },
  { name: 'bad_auth', label: 'bad auth', title: 'v3 notifications that failed authentication or decryption, were outside the time window, or below the security level', bad: true },
  { name: 'malformed', label: 'malformed', title: 'datagrams that are no SNMP notification wirescope could decode', bad: true },
  { name: 'dropped', label: 'dropped', title: 'accepted notifications lost because the consumer fell behind', bad: true },
];

/** A count's colour: refusals and losses amber when there are any. */
export const countTone = (c: (typeof COUNTS)[number], value: number): 'warn' | '' => (c.bad && value > 0 ? 'warn' : '');

/** The settings form: the address (empty: off), the namespace, the profiles whose communities and users are accepted. */
export interface ReceiverDraft {
  listen: string;
  netns: string;
  profiles: string[];
}

export function receiverDraftOf(s: ReceiverSettings): ReceiverDraft {
  return { listen: s.listen ?? '', netns: s.netns ?? '', profiles: [...(s.profiles ?? [])] };
}

/** The PUT body: empty fields as null (no address: the receiver off). */
export function receiverBody(d: ReceiverDraft): ReceiverSettings {
  return { listen: d.listen.trim() || null, netns: d.netns.trim() || null, profiles: [...d.profiles] };
}

/** Whether the form differs from the settings in force. */
export function receiverChanged(d: ReceiverDraft, s: ReceiverSettings): boolean {
  const a = receiverBody(d);
  const b = receiverBody(receiverDraftOf(s));
  return a.listen !== b.listen || a.netns !== b.netns || a.profiles?.join('\n') !== b.profiles?.join('\n');
}

export const RECEIVER_FIELDS = ['listen', 'netns', 'profiles'] as const;

/** Where a failed save shows: at the field the 400 names, else with the form's general error. */
export function receiverErrorsFromApi(err: unknown): { fields: Record<string, string>; general: string | null } {
  if (!(err instanceof ApiError)) return { fields: {}, general: err instanceof Error ? err.message : String(err) };
  const field = err.field ?? '';
  if ((RECEIVER_FIELDS as readonly string[]).includes(field)) return { fields: { [field]: err.message }, general: null };
  return { fields: {}, general: err.message + (field ? ` (${field})` : '') };
}
