// SNMP traps, pure: a trap in words (its version, its bindings on one line, the sender's uptime,
// its follow-up runs), the Traps page's filter (kept in the address, the API's query, which live
// traps it shows), live traps merged into a list, a run's traps matched to its result rows, a map
// device's traps, the receiver's counts and settings form, and the trap rules' editor (a rule in
// its form and back, the checks the server makes, a 400's field at its rule's field).

import { LABEL, parsePeriod, periodText } from './alerts';
import { ApiError } from './api';
import { epochMs } from './format';
import type { ProbeResult, ReceiverSettings, SnmpVarbind, Trap, TrapCounts, TrapQuery, TrapRule } from './types';

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

/** What each follow-up run of a trap rule is, by its place: the device's interfaces, its neighbours, a ping of them. */
const FOLLOW_UP_LABELS = ['interfaces', 'neighbours', 'ping of neighbours'] as const;
const FOLLOW_UP_TITLES = ["the device's interfaces polled", "the device's LLDP/CDP neighbours polled", 'its neighbours pinged'];

/** A follow-up run, what it is in a word or three, and in a sentence. */
export interface FollowUp {
  run: number;
  label: string;
  title: string;
}

/** The runs a trap rule started for a trap, in order, each with what it is. */
export function followUps(t: Pick<Trap, 'follow_up'>): FollowUp[] {
  return (t.follow_up ?? []).map((run, i) => ({
    run,
    label: FOLLOW_UP_LABELS[i] ?? `follow-up ${i + 1}`,
    title: `run #${run}: ${FOLLOW_UP_TITLES[i] ?? 'a run a trap rule started for it'}`,
  }));
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

// ---- trap rules --------------------------------------------------------------------------

/** Trap rules kept, at most (as the server checks). */
export const MAX_TRAP_RULES = 100;
/** The hold of a rule that names none. */
export const DEFAULT_HOLD = '5m';
const MAX_HOLD = 7 * 86_400;

/** One trap rule in the editor; the source, profile and hold as typed (blank: any source, none, the default). */
export interface TrapRuleDraft {
  key: number;
  name: string;
  oid: string;
  source: string;
  /** The channels told. */
  channels: string[];
  follow_up: boolean;
  profile: string;
  hold: string;
  enabled: boolean;
}

let lastRuleKey = 0;

export function emptyTrapRule(): TrapRuleDraft {
  return { key: ++lastRuleKey, name: '', oid: '', source: '', channels: [], follow_up: false, profile: '', hold: '', enabled: true };
}

/** A stored rule in the editor. */
export function trapRuleDraftOf(r: TrapRule): TrapRuleDraft {
  return {
    key: ++lastRuleKey,
    name: r.name,
    oid: r.oid,
    source: r.source ?? '',
    channels: [...(r.channels ?? [])],
    follow_up: r.follow_up ?? false,
    profile: r.profile ?? '',
    hold: periodText(r.hold),
    enabled: r.enabled ?? true,
  };
}

/** Why a rule's notification pattern is not one the server reads (a dotted OID, a name with `*`, or `*`); null when it is. */
export function oidPatternError(oid: string): string | null {
  const t = oid.trim();
  if (!t) return 'the notifications it takes: a dotted OID, a name (linkDown, IF-MIB::link*), or * for all';
  if (t.length > 256) return 'at most 256 characters';
  if (t === '*') return null;
  if (/^[.\d]/.test(t)) return /^\.*\d{1,10}(?:\.\d{1,10})*$/.test(t) ? null : `'${t}' is not a dotted OID`;
  return /\s/.test(t) ? `'${t}': a name has no spaces` : null;
}

const isIPv4 = (s: string) => /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split('.').every((o) => Number(o) <= 255);

/**
 * Why a rule's source pattern is not one the server reads (an address, a prefix, a device name
 * with `*`); null when it is or is blank (any source). Addresses themselves the server checks.
 */
export function sourcePatternError(source: string): string | null {
  const t = source.trim();
  if (!t) return null;
  if (t.length > 256) return 'at most 256 characters';
  const slash = t.indexOf('/');
  if (slash >= 0) {
    const addr = t.slice(0, slash);
    const len = t.slice(slash + 1);
    const v4 = isIPv4(addr);
    if (!v4 && !addr.includes(':')) return `'${t}': '${addr}' is not an address`;
    const max = v4 ? 32 : 128;
    return /^\d{1,3}$/.test(len) && Number(len) <= max ? null : `'${t}': the prefix length is 0 to ${max}`;
  }
  return /\s/.test(t) ? `'${t}': a device name has no spaces` : null;
}

/**
 * The rule the editor saves, or the errors (by field within the rule: `name`, `oid`, `profile`)
 * that keep it from being sent. A blank source, profile or hold is left out (any source, none, 5m).
 */
export function buildTrapRule(d: TrapRuleDraft): { rule: TrapRule; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const name = d.name.trim();
  if (!LABEL.test(name)) errors.name = "a name: 1 to 64 letters, digits, '-', '_' or '.'";
  const oid = oidPatternError(d.oid);
  if (oid) errors.oid = oid;
  const rule: TrapRule = { name, oid: d.oid.trim(), channels: [...d.channels], follow_up: d.follow_up, enabled: d.enabled };
  const source = d.source.trim();
  const sourceError = sourcePatternError(source);
  if (sourceError) errors.source = sourceError;
  if (source) rule.source = source;
  const profile = d.profile.trim();
  if (profile) {
    if (LABEL.test(profile)) rule.profile = profile;
    else errors.profile = "a profile name: 1 to 64 letters, digits, '-', '_' or '.'";
  } else if (d.follow_up) errors.profile = 'a follow-up polls the device: pick the SNMP credential profile to poll it with';
  const hold = d.hold.trim();
  if (hold) {
    const p = parsePeriod(hold);
    if ('error' in p) errors.hold = p.error;
    else if (p.seconds > MAX_HOLD) errors.hold = 'at most 7d';
    else rule.hold = hold;
  }
  return { rule, errors };
}

export const trapRulePath = (i: number): string => `rules[${i}]`;

/** The fields of a rule in the editor, by their place within it. */
export const TRAP_RULE_FIELDS = ['name', 'oid', 'source', 'channels', 'follow_up', 'profile', 'hold', 'enabled'] as const;

/** The rules the editor saves, or the errors by place (`rules[1].oid`; `rules`: the list as a whole). */
export function buildTrapRules(drafts: readonly TrapRuleDraft[]): { rules: TrapRule[]; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const rules: TrapRule[] = [];
  if (drafts.length > MAX_TRAP_RULES) errors.rules = `${MAX_TRAP_RULES} rules at most`;
  const names = new Set<string>();
  drafts.forEach((d, i) => {
    const r = buildTrapRule(d);
    rules.push(r.rule);
    for (const [k, v] of Object.entries(r.errors)) errors[`${trapRulePath(i)}.${k}`] = v;
    const place = `${trapRulePath(i)}.name`;
    if (names.has(r.rule.name) && !errors[place]) errors[place] = `two rules are named '${r.rule.name}': name them apart`;
    names.add(r.rule.name);
  });
  return { rules, errors };
}

/** Whether any field holds an error of the rule at this index. */
export const ruleHasError = (errors: Record<string, string>, i: number): boolean =>
  Object.keys(errors).some((k) => k.startsWith(`${trapRulePath(i)}.`));

/**
 * Where a failed save shows: at the field of the rule the 400 names (`rules[0].channels[1]` at the
 * rule's channels), `rules` for the list as a whole, else with the form's general error.
 */
export function trapRuleErrorsFromApi(err: unknown, count: number): { fields: Record<string, string>; general: string | null } {
  if (!(err instanceof ApiError)) return { fields: {}, general: err instanceof Error ? err.message : String(err) };
  const field = err.field ?? '';
  if (field === 'rules') return { fields: { rules: err.message }, general: null };
  const m = /^rules\[(\d+)\]\.([a-z_]+)(?:\[\d+\])?$/.exec(field);
  if (m && Number(m[1]) < count && (TRAP_RULE_FIELDS as readonly string[]).includes(m[2]))
    return { fields: { [`${trapRulePath(Number(m[1]))}.${m[2]}`]: err.message }, general: null };
  return { fields: {}, general: err.message + (field ? ` (${field})` : '') };
}

const contents = (drafts: readonly TrapRuleDraft[]) =>
  JSON.stringify(drafts.map((d) => [d.name, d.oid, d.source, d.channels, d.follow_up, d.profile, d.hold, d.enabled]));

/** Whether the editor's rules differ from those stored. */
export function trapRulesChanged(drafts: readonly TrapRuleDraft[], stored: readonly TrapRule[]): boolean {
  return contents(drafts) !== contents(stored.map(trapRuleDraftOf));
}

/** A rule on one line: "IF-MIB::link* from s1* · tells ops · checks the device with lab-v2 · hold 5m". */
export function trapRuleSummary(d: TrapRuleDraft): string {
  const parts = [
    `${d.oid.trim() || '(no notification)'} from ${d.source.trim() || 'any source'}`,
    d.channels.length ? `tells ${d.channels.join(', ')}` : 'dashboard only',
  ];
  if (d.follow_up) parts.push(`checks the device with ${d.profile.trim() || '(no profile)'}`);
  parts.push(`hold ${d.hold.trim() || DEFAULT_HOLD}`);
  return parts.join(' · ');
}
