// Alerts, pure: events in words and colours and where they come from (a suite's rule, or a trap
// rule for a received trap), their evidence as rows and a chart (paths side by side, latency
// around the change, ports, DNS answers, a config diff, interfaces, neighbours, the trap), the
// timeline's merging, and the suite editor's alert rules, maintenance windows and parents (what
// each preset reads and takes, the rule it saves, errors by their place in the suite).

import { niceMax } from './capture';
import { fmtBytes } from './format';
import type { DiffLine, Hunk, LineDiff } from './diff';
import { msTicks, timeTicks, type Tick } from './trend';
import {
  KINDS,
  PRESETS,
  type AlertEvent,
  type AlertRule,
  type Delivery,
  type DeliveryStatus,
  type Diagnostics,
  type EventKind,
  type MaintenanceSpec,
  type Period,
  type Preset,
  type ProbeKind,
} from './types';

export type Tone = 'ok' | 'info' | 'warn' | 'bad' | '';

// ---- presets -----------------------------------------------------------------------------

/** The kinds of runs each preset reads (as the server's `Preset::kinds`). */
export const PRESET_KINDS: Readonly<Record<Preset, readonly ProbeKind[]>> = {
  latency_up: ['ping', 'trace', 'dns'],
  loss_up: ['ping', 'trace'],
  down: KINDS,
  port_closed: ['scan'],
  port_opened: ['scan'],
  dns_changed: ['dns'],
  path_changed: ['trace'],
  interface_down: ['snmp'],
  neighbor_gone: ['snmp'],
  neighbor_new: ['snmp'],
  output_changed: ['ssh'],
};

/** Conditions that hold until they clear (they may re-notify and recover), rather than changes told once. */
export const STATE_PRESETS: ReadonlySet<Preset> = new Set<Preset>(['latency_up', 'loss_up', 'down', 'port_closed', 'interface_down', 'neighbor_gone']);

export const isStatePreset = (p: Preset): boolean => STATE_PRESETS.has(p);

export const isPreset = (s: string): s is Preset => (PRESETS as readonly string[]).includes(s);

/** A preset's own parameters. */
export type RuleParam = 'baseline' | 'over_ms' | 'over_pct' | 'loss_pct' | 'ignore';

/** The parameters each preset takes (the server refuses any other). */
export const PRESET_PARAMS: Readonly<Record<Preset, readonly RuleParam[]>> = {
  latency_up: ['baseline', 'over_ms', 'over_pct'],
  loss_up: ['loss_pct'],
  down: [],
  port_closed: [],
  port_opened: [],
  dns_changed: [],
  path_changed: [],
  interface_down: [],
  neighbor_gone: [],
  neighbor_new: [],
  output_changed: ['ignore'],
};

/** The server's defaults of the parameters, as a blank field's placeholder. */
export const PARAM_DEFAULTS: Readonly<Record<RuleParam, string>> = {
  baseline: '1h',
  over_ms: '10',
  over_pct: '50',
  loss_pct: '20',
  ignore: '',
};

export const PARAM_LABELS: Readonly<Record<RuleParam, string>> = {
  baseline: 'baseline window',
  over_ms: 'over by ms',
  over_pct: 'over by %',
  loss_pct: 'loss %',
  ignore: 'ignore lines matching (one regex a line)',
};

const PRESET_TITLES: Readonly<Record<Preset, string>> = {
  latency_up: 'latency up',
  loss_up: 'loss up',
  down: 'down',
  port_closed: 'port closed',
  port_opened: 'port opened',
  dns_changed: 'DNS answer changed',
  path_changed: 'path changed',
  interface_down: 'interface down',
  neighbor_gone: 'neighbour gone',
  neighbor_new: 'new neighbour',
  output_changed: 'output changed',
};

/** What each preset watches for, in a sentence (the preset picker's help). */
export const PRESET_HELP: Readonly<Record<Preset, string>> = {
  latency_up: 'the median RTT is above its baseline (the median over the baseline window before the run) by both margins',
  loss_up: 'loss at or above a limit (ping; trace: the destination)',
  down: 'no answer: ping all lost, trace not reached, DNS failed, scan/SNMP/SSH error',
  port_closed: 'ports that were open are closed; holds until they open again',
  port_opened: 'ports that were not open are',
  dns_changed: 'the answers or the response code changed',
  path_changed: 'a hop moved to addresses never seen at its TTL (ECMP-aware: give the trace 4 or more flows)',
  interface_down: 'an interface that was up is not (SNMP interfaces); holds until it is up again',
  neighbor_gone: 'an LLDP/CDP neighbour seen before is gone (SNMP neighbors); holds until it is back',
  neighbor_new: 'a neighbour not seen before appeared (SNMP neighbors)',
  output_changed: "the command's output changed, ignored lines left out (SSH: config backups)",
};

/** The preset of the events trap rules raise (no suite's rule has it). */
export const TRAP_PRESET = 'trap';

/** A preset for people ("latency up", "SNMP trap"); one the dashboard does not know, with spaces. */
export function presetTitle(preset: string): string {
  if (preset === TRAP_PRESET) return 'SNMP trap';
  return isPreset(preset) ? PRESET_TITLES[preset] : preset.replace(/_/g, ' ');
}

/** Whether the preset reads runs of this kind. */
export const readsKind = (p: Preset, k: ProbeKind): boolean => PRESET_KINDS[p].includes(k);

/** The presets that read at least one of these kinds (a suite's runs), in the server's order. */
export function presetsFor(kinds: readonly ProbeKind[]): Preset[] {
  return PRESETS.filter((p) => kinds.some((k) => readsKind(p, k)));
}

/** The kinds of runs a preset reads, in words: "ping, trace or dns runs", "runs of any kind". */
export function readsText(p: Preset): string {
  const k = kindsText(p);
  return k === 'any' ? 'runs of any kind' : `${k} runs`;
}

/** The kinds a preset reads, in words: "ping, trace or dns" ("any": every kind). */
export function kindsText(p: Preset): string {
  const k = PRESET_KINDS[p];
  if (k.length === KINDS.length) return 'any';
  return k.length === 1 ? k[0] : `${k.slice(0, -1).join(', ')} or ${k[k.length - 1]}`;
}

// ---- events ------------------------------------------------------------------------------

const KIND_TONES: Readonly<Record<EventKind, Tone>> = { firing: 'bad', renotify: 'warn', resolved: 'ok', changed: 'info' };
const KIND_LABELS: Readonly<Record<EventKind, string>> = { firing: 'firing', renotify: 'still firing', resolved: 'resolved', changed: 'changed' };

/** An event's colour: firing red, still firing (a re-notice) amber, resolved green, a change blue. */
export const kindTone = (k: EventKind): Tone => KIND_TONES[k];
/** An event's kind in words. */
export const kindLabel = (k: EventKind): string => KIND_LABELS[k];

/** An event's title as notices begin: "latency up", "recovered: latency up". */
export function eventTitle(e: Pick<AlertEvent, 'preset' | 'kind'>): string {
  const t = presetTitle(e.preset);
  return e.kind === 'resolved' ? `recovered: ${t}` : t;
}

/** Where an event comes from: a suite's rule, or a trap rule for a received trap (null: the history let the trap go). */
export type EventOrigin = { kind: 'suite'; suite: number; name: string } | { kind: 'trap'; trap: number | null };

/** An event's origin; null when it names neither a suite nor a trap (nor is a trap rule's). */
export function eventOrigin(e: Pick<AlertEvent, 'suite_id' | 'suite' | 'trap_id' | 'preset'>): EventOrigin | null {
  if (e.suite_id !== null && e.suite_id !== undefined) return { kind: 'suite', suite: e.suite_id, name: e.suite || `suite #${e.suite_id}` };
  if (e.trap_id !== null && e.trap_id !== undefined) return { kind: 'trap', trap: e.trap_id };
  return e.preset === TRAP_PRESET ? { kind: 'trap', trap: null } : null;
}

const DELIVERY_TONES: Readonly<Record<DeliveryStatus, Tone>> = { pending: 'warn', sent: 'ok', failed: 'bad' };
/** A delivery's colour: sent green, pending amber, failed red. */
export const deliveryTone = (s: DeliveryStatus): Tone => DELIVERY_TONES[s];

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A delivery in words, for its tooltip: "sent (1 attempt)", "failed after 5 attempts: 503 …". */
export function deliveryText(d: Delivery): string {
  const tries = plural(d.attempts, 'attempt');
  if (d.status === 'sent') return `sent (${tries})`;
  if (d.status === 'failed') return `failed after ${tries}${d.last_error ? `: ${d.last_error}` : ''}`;
  return d.attempts ? `pending: ${tries} so far${d.last_error ? `, last: ${d.last_error}` : ''}` : 'pending';
}

/**
 * What was collected when an event fired, for its badge: a label, a tone and a sentence for the
 * tooltip; null when nothing was tried. Ready ones are downloaded (`diagnosticsUrl`).
 */
export function diagnosticsBadge(d: Diagnostics | null | undefined): { label: string; tone: Tone; title: string } | null {
  if (!d) return null;
  const runs = d.runs.length ? ` (runs ${d.runs.map((r) => `#${r}`).join(', ')})` : '';
  const note = d.note ? `; ${d.note}` : '';
  switch (d.status) {
    case 'collecting':
      return { label: 'collecting diagnostics…', tone: 'info', title: `a trace, DNS and the counters on the path are being collected${runs}` };
    case 'ready':
      return {
        label: `diagnostics ${fmtBytes(d.bytes)}`,
        tone: 'ok',
        title: `the evidence bundle collected when it fired (zip: report, runs, SNMP counters, capture slices)${runs}${note}`,
      };
    case 'pruned':
      return { label: 'diagnostics pruned', tone: '', title: `collected${runs}, but its zip made room for newer ones (serve --diagnostics-keep)` };
    case 'failed':
      return { label: 'diagnostics failed', tone: 'bad', title: `could not be collected${note}` };
    default:
      return { label: 'no diagnostics', tone: '', title: `not collected${note}` };
  }
}

/** Whether some delivery of these events is still under way (the timeline asks again). */
export const hasPending = (events: readonly AlertEvent[]): boolean => events.some((e) => e.deliveries.some((d) => d.status === 'pending'));

/** The timeline's filters. */
export interface EventFilter {
  suite: number | null;
  target: string;
}

/** Whether an event is one the filters show (a suite's filter shows no trap rule's events). */
export function matchesFilter(e: Pick<AlertEvent, 'suite_id' | 'target'>, f: EventFilter): boolean {
  return (f.suite === null || e.suite_id === f.suite) && (!f.target.trim() || e.target === f.target.trim());
}

/** Events together, each once (the later copy wins: fresher deliveries), newest first. */
export function mergeEvents(current: readonly AlertEvent[], incoming: readonly AlertEvent[]): AlertEvent[] {
  const byId = new Map<number, AlertEvent>();
  for (const e of current) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

// ---- evidence (the document types it as an open object: each reader checks what it reads) ----

const record = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const nums = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : []);

/** One TTL of a changed path: the addresses known there before, those of the run, and whether the hop moved. */
export interface PathRow {
  ttl: number;
  before: string[];
  after: string[];
  moved: boolean;
}

/**
 * A path change's evidence (`{before: {ttl: [addrs]}, after: {…}, moved: [ttl]}`) as rows by TTL,
 * from the first TTL to the last either side has, a TTL neither has as a row with no addresses (*).
 */
export function pathRows(evidence: unknown): PathRow[] | null {
  const e = record(evidence);
  const before = record(e?.before);
  const after = record(e?.after);
  if (!e || (!before && !after)) return null;
  const moved = new Set(nums(e.moved));
  const ttls = [...Object.keys(before ?? {}), ...Object.keys(after ?? {})].map(Number).filter((t) => Number.isInteger(t) && t > 0);
  if (!ttls.length) return [];
  const first = Math.min(...ttls);
  const last = Math.max(...ttls);
  const rows: PathRow[] = [];
  for (let ttl = first; ttl <= last; ttl++) {
    rows.push({ ttl, before: texts(before?.[String(ttl)]), after: texts(after?.[String(ttl)]), moved: moved.has(ttl) });
  }
  return rows;
}

/** A list of ports in an event's evidence. */
export interface PortList {
  key: string;
  label: string;
  ports: number[];
  tone: Tone;
}

/** Port evidence as lists: closed, expected, open (port_closed); opened, before, open (port_opened). */
export function portLists(preset: string, evidence: unknown): PortList[] | null {
  const e = record(evidence);
  if (!e) return null;
  if (preset === 'port_closed' && Array.isArray(e.closed)) {
    return [
      { key: 'closed', label: 'closed', ports: nums(e.closed), tone: 'bad' },
      { key: 'expected', label: 'expected open', ports: nums(e.expected), tone: '' },
      { key: 'open', label: 'open now', ports: nums(e.open), tone: 'ok' },
    ];
  }
  if (preset === 'port_opened' && Array.isArray(e.opened)) {
    return [
      { key: 'opened', label: 'opened', ports: nums(e.opened), tone: 'warn' },
      { key: 'before', label: 'open before', ports: nums(e.before), tone: '' },
      { key: 'open', label: 'open now', ports: nums(e.open), tone: 'ok' },
    ];
  }
  return null;
}

/** A latency event's evidence. */
export interface LatencyEvidence {
  medianMs: number;
  baselineMs: number;
  overMs: number;
  overPct: number;
  /** The baseline's window ("1h"). */
  window: string;
  /** The medians before the run, oldest first: [ms since the epoch, median ms]. */
  recent: [number, number][];
}

export function latencyEvidence(evidence: unknown): LatencyEvidence | null {
  const e = record(evidence);
  const medianMs = num(e?.median_ms);
  const baselineMs = num(e?.baseline_ms);
  if (!e || medianMs === null || baselineMs === null) return null;
  const recent: [number, number][] = [];
  if (Array.isArray(e.recent)) {
    for (const p of e.recent) {
      if (Array.isArray(p) && num(p[0]) !== null && num(p[1]) !== null) recent.push([p[0] as number, p[1] as number]);
    }
  }
  recent.sort((a, b) => a[0] - b[0]);
  return { medianMs, baselineMs, overMs: num(e.over_ms) ?? 10, overPct: num(e.over_pct) ?? 50, window: text(e.baseline_window) ?? '', recent };
}

/** The median at which the rule fires: above the baseline by both margins. */
export const latencyThreshold = (l: LatencyEvidence): number => Math.max(l.baselineMs + l.overMs, l.baselineMs * (1 + l.overPct / 100));

/** The small latency chart of an event, w × h px (y grows down). */
export interface LatencyChart {
  /** The medians before the run and the run's, as one line. */
  line: string;
  /** The recent medians' points. */
  points: { x: number; y: number }[];
  baselineY: number;
  thresholdY: number;
  /** The run's median, marked. */
  current: { x: number; y: number };
  yMax: number;
  yTicks: Tick[];
  xTicks: Tick[];
}

const px = (n: number) => Math.round(n * 10) / 10;

/** Lays out the medians before the run, the run's (at `at`), the baseline and the threshold. */
export function latencyChart(l: LatencyEvidence, at: number, w: number, h: number): LatencyChart {
  const ts = l.recent.map(([t]) => t);
  const to = Math.max(at, ...ts);
  let from = Math.min(at, ...ts);
  if (to - from < 60_000) from = to - 60_000;
  const top = Math.max(l.medianMs, latencyThreshold(l), ...l.recent.map(([, m]) => m));
  const yMax = niceMax(top * 1.08);
  const x = (t: number) => px(((t - from) / (to - from)) * w);
  const y = (v: number) => px(h - (Math.min(Math.max(v, 0), yMax) / yMax) * h);
  const points = l.recent.map(([t, m]) => ({ x: x(t), y: y(m) }));
  const current = { x: x(at), y: y(l.medianMs) };
  // in time order: the run's median after the window's, as the server keeps them
  const all = [...points, current].sort((a, b) => a.x - b.x);
  const line = all.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join('');
  return {
    line,
    points,
    baselineY: y(l.baselineMs),
    thresholdY: y(latencyThreshold(l)),
    current,
    yMax,
    yTicks: msTicks(yMax, h),
    xTicks: timeTicks(from, to, w, Math.max(2, Math.floor(w / 110))),
  };
}

export interface LossEvidence {
  lossPct: number;
  limitPct: number;
  sent: number | null;
}

export function lossEvidence(evidence: unknown): LossEvidence | null {
  const e = record(evidence);
  const lossPct = num(e?.loss_pct);
  if (!e || lossPct === null) return null;
  return { lossPct, limitPct: num(e.limit_pct) ?? 20, sent: num(e.sent) };
}

/** A down event's result, as the server described it. */
export function downResult(evidence: unknown): string | null {
  return text(record(evidence)?.result);
}

export interface DnsSide {
  rcode: string;
  answers: string[];
}

/** A DNS change: both sides, and the answers that came and went. */
export interface DnsEvidence {
  before: DnsSide;
  after: DnsSide;
  added: string[];
  removed: string[];
}

export function dnsEvidence(evidence: unknown): DnsEvidence | null {
  const e = record(evidence);
  const b = record(e?.before);
  const a = record(e?.after);
  if (!b || !a) return null;
  const side = (s: Record<string, unknown>): DnsSide => ({ rcode: text(s.rcode) ?? '?', answers: texts(s.answers) });
  const before = side(b);
  const after = side(a);
  return {
    before,
    after,
    added: after.answers.filter((x) => !before.answers.includes(x)),
    removed: before.answers.filter((x) => !after.answers.includes(x)),
  };
}

/** A unified diff's text (as `diff -u` and the server write it) as hunks of numbered lines. */
export function parseUnifiedDiff(diff: string): LineDiff {
  const hunks: Hunk[] = [];
  let hunk: Hunk | null = null;
  let o = 0;
  let n = 0;
  let added = 0;
  let removed = 0;
  const lines = diff.split('\n');
  // the text ends with a newline: no line after it
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    const head = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(raw);
    if (head) {
      o = Number(head[1]);
      n = Number(head[3]);
      hunk = { header: `@@ -${head[1]},${head[2] ?? '1'} +${head[3]},${head[4] ?? '1'} @@`, lines: [] };
      hunks.push(hunk);
      continue;
    }
    // the file names before the first hunk, a "\ No newline at end of file"
    if (!hunk || raw.startsWith('\\')) continue;
    const mark = raw[0];
    const rest = raw.slice(1);
    let line: DiffLine;
    if (mark === '+') {
      line = { kind: 'add', text: rest, old: null, new: n++ };
      added++;
    } else if (mark === '-') {
      line = { kind: 'del', text: rest, old: o++, new: null };
      removed++;
    } else {
      // a context line (an empty one may have lost its space)
      line = { kind: 'ctx', text: mark === ' ' ? rest : raw, old: o++, new: n++ };
    }
    hunk.lines.push(line);
  }
  return { hunks, added, removed, gaveUp: false };
}

/** An output change: the command, its diff (before → after), the counts of lines. */
export interface OutputEvidence {
  command: string;
  diff: LineDiff;
  added: number;
  removed: number;
  /** The diff was cut (the server keeps 64 KiB of it). */
  truncated: boolean;
}

export function outputEvidence(evidence: unknown): OutputEvidence | null {
  const e = record(evidence);
  const diff = text(e?.diff);
  if (!e || diff === null) return null;
  const parsed = parseUnifiedDiff(diff);
  return {
    command: text(e.command) ?? '',
    diff: parsed,
    added: num(e.added) ?? parsed.added,
    removed: num(e.removed) ?? parsed.removed,
    truncated: e.truncated === true,
  };
}

export interface InterfaceDown {
  name: string;
  /** Its operational state now: down, lowerLayerDown, … or absent. */
  oper: string;
  admin: string | null;
}

export function interfacesDown(evidence: unknown): InterfaceDown[] | null {
  const e = record(evidence);
  if (!e || !Array.isArray(e.down)) return null;
  return e.down.flatMap((d) => {
    const r = record(d);
    const name = text(r?.name);
    return r && name !== null ? [{ name, oper: text(r.oper) ?? '?', admin: text(r.admin) }] : [];
  });
}

/** Neighbours that went (neighbor_gone) or came (neighbor_new), and those seen now. */
export interface NeighborEvidence {
  changed: string[];
  label: 'gone' | 'new';
  now: string[];
}

export function neighborEvidence(preset: string, evidence: unknown): NeighborEvidence | null {
  const e = record(evidence);
  if (!e) return null;
  if (preset === 'neighbor_gone' && Array.isArray(e.gone)) return { changed: texts(e.gone), label: 'gone', now: texts(e.now) };
  if (preset === 'neighbor_new' && Array.isArray(e.new)) return { changed: texts(e.new), label: 'new', now: texts(e.now) };
  return null;
}

/** A binding of a trap in an event's evidence. */
export interface TrapBinding {
  oid: string;
  name: string;
  type: string;
  value: string;
}

/** The trap a trap rule's event was raised for (`{trap: Trap}`), as much as the event shows of it. */
export interface TrapEvidence {
  id: number | null;
  /** Its name (`IF-MIB::linkDown`), else its OID. */
  title: string;
  oid: string;
  source: string;
  device: { name: string; runId: number | null } | null;
  varbinds: TrapBinding[];
}

export function trapEvidence(evidence: unknown): TrapEvidence | null {
  const t = record(record(evidence)?.trap);
  const source = text(t?.source);
  const oid = text(t?.oid);
  if (!t || source === null || oid === null) return null;
  const d = record(t.device);
  const device = text(d?.name);
  const varbinds = (Array.isArray(t.varbinds) ? t.varbinds : []).flatMap((v): TrapBinding[] => {
    const b = record(v);
    const o = text(b?.oid);
    return b && o !== null ? [{ oid: o, name: text(b.name) ?? '', type: text(b.type) ?? '', value: text(b.value) ?? '' }] : [];
  });
  return {
    id: num(t.id),
    title: text(t.name) || oid,
    oid,
    source,
    device: d && device !== null ? { name: device, runId: num(d.run_id) } : null,
    varbinds,
  };
}

/** Whether evidence has anything to show (a change preset's clear has none). */
export const hasEvidence = (evidence: unknown): boolean => {
  const e = record(evidence);
  return !!e && Object.keys(e).length > 0;
};

// ---- periods -----------------------------------------------------------------------------

const UNITS: [string, number][] = [
  ['w', 604_800],
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];
const MAX_PERIOD = 400 * 86_400;

/** A period as suites write it ("30m", "4h", "1h30m", "7d", "1w", or seconds) in seconds, or why not. */
export function parsePeriod(input: string): { seconds: number } | { error: string } {
  const t = input.trim();
  if (!t) return { error: 'an empty period (use e.g. 30m, 4h, 7d)' };
  if (/^\d+$/.test(t)) {
    const s = Number(t);
    return s <= MAX_PERIOD ? { seconds: s } : { error: `'${t}' is longer than 400 days` };
  }
  if (!/^(\s*\d+\s*[smhdw])+\s*$/.test(t)) return { error: `'${t}' is not a period (use e.g. 30m, 4h, 1h30m, 7d)` };
  let seconds = 0;
  for (const [, n, u] of t.matchAll(/(\d+)\s*([smhdw])/g)) seconds += Number(n) * (UNITS.find(([x]) => x === u)?.[1] ?? 1);
  return seconds <= MAX_PERIOD ? { seconds } : { error: `'${t}' is longer than 400 days` };
}

/** Seconds in the largest whole units, as the server writes them back ("1h30m"). */
export function formatPeriod(seconds: number): string {
  let s = Math.max(0, Math.floor(seconds));
  if (!s) return '0s';
  let out = '';
  for (const [u, scale] of UNITS) {
    if (s >= scale) {
      out += `${Math.floor(s / scale)}${u}`;
      s %= scale;
    }
  }
  return out;
}

/** A stored period for a field: text as it is, seconds in units. */
export function periodText(p: Period | null | undefined): string {
  if (p === null || p === undefined) return '';
  return typeof p === 'number' ? formatPeriod(p) : p;
}

// ---- the suite editor's alerts -----------------------------------------------------------

/** What the server takes as a rule's or a channel's name. */
export const LABEL = /^[A-Za-z0-9._-]{1,64}$/;

/** Rules, windows and ignore patterns of a suite, at most (as the server checks). */
export const MAX_RULES = 50;
export const MAX_WINDOWS = 20;
export const MAX_IGNORE = 32;

/** A suite's run as its alert rules see it: its key in the editor, its kind. */
export interface RunRef {
  key: number;
  kind: ProbeKind;
}

/** One rule in the editor; numbers and periods as typed. */
export interface RuleDraft {
  key: number;
  preset: Preset;
  name: string;
  after: string;
  renotify: string;
  recovery: boolean;
  /** The channels to tell. */
  notify: string[];
  baseline: string;
  over_ms: string;
  over_pct: string;
  loss_pct: string;
  /** One pattern a line. */
  ignore: string;
  /** One target a line; none: all. */
  targets: string;
  /** The keys of the runs it reads; none: every run of a kind it reads. */
  runs: number[];
}

/** One maintenance window in the editor. */
export interface WindowDraft {
  key: number;
  cron: string;
  timezone: string;
  duration: string;
}

let lastKey = 0;

/** A new rule: the first preset that reads one of the suite's runs. */
export function emptyRule(kinds: readonly ProbeKind[] = []): RuleDraft {
  return {
    key: ++lastKey,
    preset: presetsFor(kinds)[0] ?? 'down',
    name: '',
    after: '',
    renotify: '',
    recovery: true,
    notify: [],
    baseline: '',
    over_ms: '',
    over_pct: '',
    loss_pct: '',
    ignore: '',
    targets: '',
    runs: [],
  };
}

export function emptyWindow(): WindowDraft {
  return { key: ++lastKey, cron: '', timezone: '', duration: '' };
}

const numText = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** A stored rule in the editor; `runKeys` are the keys of the suite's runs, in order. */
export function ruleDraftOf(rule: AlertRule, runKeys: readonly number[]): RuleDraft {
  return {
    key: ++lastKey,
    preset: rule.preset,
    name: rule.name ?? '',
    after: rule.after !== undefined && rule.after !== 1 ? String(rule.after) : '',
    renotify: periodText(rule.renotify),
    recovery: rule.recovery ?? true,
    notify: [...(rule.notify ?? [])],
    baseline: periodText(rule.baseline),
    over_ms: numText(rule.over_ms),
    over_pct: numText(rule.over_pct),
    loss_pct: numText(rule.loss_pct),
    ignore: (rule.ignore ?? []).join('\n'),
    targets: (rule.targets ?? []).join('\n'),
    runs: (rule.runs ?? []).flatMap((i) => (runKeys[i] !== undefined ? [runKeys[i]] : [])),
  };
}

export function windowDraftOf(m: MaintenanceSpec): WindowDraft {
  return { key: ++lastKey, cron: m.cron, timezone: m.timezone ?? '', duration: periodText(m.duration) };
}

/** The rule with another preset: the runs it can no longer read left out. */
export function changePreset(d: RuleDraft, preset: Preset, runs: readonly RunRef[]): RuleDraft {
  const readable = new Set(runs.filter((r) => readsKind(preset, r.kind)).map((r) => r.key));
  return { ...d, preset, runs: d.runs.filter((k) => readable.has(k)) };
}

/** The runs a rule of this preset may read. */
export const readableRuns = (preset: Preset, runs: readonly RunRef[]): RunRef[] => runs.filter((r) => readsKind(preset, r.kind));

/** Lines with something on them, trimmed. */
const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** A number typed in a field, in [min, max], or why not; blank: undefined. */
function numberField(s: string, min: number, max: number): number | undefined | { error: string } {
  const t = s.trim();
  if (!t) return undefined;
  const v = Number(t);
  if (!Number.isFinite(v) || v < min || v > max) return { error: `${min} to ${max}` };
  return v;
}

/** A period field in [min, max] seconds, or why not; blank: undefined. */
function periodField(s: string, min: number, max: number, range: string): string | undefined | { error: string } {
  if (!s.trim()) return undefined;
  const p = parsePeriod(s);
  if ('error' in p) return p;
  if (p.seconds < min || p.seconds > max) return { error: range };
  return s.trim();
}

const isError = (v: unknown): v is { error: string } => typeof v === 'object' && v !== null && 'error' in v;

/**
 * The rule the editor saves, or the errors (by field within the rule: `after`, `over_ms`,
 * `runs`) that keep it from being sent. Only the preset's parameters go; re-notify and the
 * recovery switch only for a condition (a state preset).
 */
export function buildRule(d: RuleDraft, runs: readonly RunRef[]): { rule: AlertRule; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const rule: AlertRule = { preset: d.preset };
  const name = d.name.trim();
  if (name) {
    if (LABEL.test(name)) rule.name = name;
    else errors.name = "1 to 64 letters, digits, '-', '_' or '.'";
  }
  const after = d.after.trim();
  if (after) {
    if (/^\d+$/.test(after) && Number(after) >= 1 && Number(after) <= 100) rule.after = Number(after);
    else errors.after = '1 to 100 consecutive runs';
  }
  if (isStatePreset(d.preset)) {
    const renotify = periodField(d.renotify, 60, MAX_PERIOD, 'at least 1m');
    if (isError(renotify)) errors.renotify = renotify.error;
    else if (renotify !== undefined) rule.renotify = renotify;
    if (!d.recovery) rule.recovery = false;
  }
  if (d.notify.length) rule.notify = [...d.notify];
  const params = PRESET_PARAMS[d.preset];
  if (params.includes('baseline')) {
    const b = periodField(d.baseline, 60, 30 * 86_400, '1m to 30d');
    if (isError(b)) errors.baseline = b.error;
    else if (b !== undefined) rule.baseline = b;
  }
  for (const [key, max] of [
    ['over_ms', 1e6],
    ['over_pct', 1e6],
    ['loss_pct', 100],
  ] as const) {
    if (!params.includes(key)) continue;
    const v = numberField(d[key], 0, max);
    if (isError(v)) errors[key] = v.error;
    else if (v !== undefined) rule[key] = v;
  }
  if (params.includes('ignore')) {
    const patterns = d.ignore.split('\n').filter((l) => l.trim());
    if (patterns.length > MAX_IGNORE) errors.ignore = `${MAX_IGNORE} patterns at most`;
    else if (patterns.some((p) => new TextEncoder().encode(p).length > 512)) errors.ignore = 'a pattern is 512 bytes at most';
    else if (patterns.length) rule.ignore = patterns;
  }
  const targets = lines(d.targets);
  if (targets.length) rule.targets = targets;
  const readable = runs.filter((r) => readsKind(d.preset, r.kind));
  if (d.runs.length) {
    const picked = runs.flatMap((r, i) => (d.runs.includes(r.key) && readsKind(d.preset, r.kind) ? [i] : []));
    if (picked.length) rule.runs = picked;
    else errors.runs = 'the runs it read are gone or of another kind: pick runs again, or none for every one';
  } else if (!readable.length) {
    errors.preset = `${d.preset} reads ${kindsText(d.preset)} runs and the suite has none`;
  }
  return { rule, errors };
}

/** A maintenance window as the suite keeps it, or its errors by field (cron, duration). */
export function buildWindow(d: WindowDraft): { spec: MaintenanceSpec; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const cron = d.cron.trim();
  if (!cron) errors.cron = 'when it opens: a cron pattern (0 2 * * SUN)';
  const spec: MaintenanceSpec = { cron, duration: d.duration.trim() };
  const timezone = d.timezone.trim();
  if (timezone) spec.timezone = timezone;
  const duration = periodField(d.duration, 1, 31 * 86_400, 'more than 0s, at most 31d');
  if (isError(duration)) errors.duration = duration.error;
  else if (duration === undefined) errors.duration = 'how long it stays open (2h)';
  return { spec, errors };
}

/** Parent links from lines `child parent` (# starts a comment), or the first line's error. */
export function parseParents(input: string): { parents: Record<string, string>; error: string | null } {
  const parents: Record<string, string> = {};
  const all = input.split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = all[i].replace(/#.*$/, '').trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    const at = `line ${i + 1}`;
    if (words.length !== 2) return { parents: {}, error: `${at}: a child and its parent, as results name them ("198.18.0.10 198.18.0.1")` };
    const [child, parent] = words;
    if (child === parent) return { parents: {}, error: `${at}: ${child} cannot be its own parent` };
    if (Object.hasOwn(parents, child)) return { parents: {}, error: `${at}: ${child} already has a parent (${parents[child]})` };
    parents[child] = parent;
  }
  for (const child of Object.keys(parents)) {
    const seen = new Set([child]);
    for (let at = parents[child]; Object.hasOwn(parents, at); at = parents[at]) {
      if (seen.has(at)) return { parents: {}, error: `the parents of ${child} loop back through ${at}` };
      seen.add(at);
    }
  }
  return { parents, error: null };
}

/** Parent links as the editor's lines, children in order. */
export function parentsText(parents: Record<string, string> | null | undefined): string {
  return Object.entries(parents ?? {})
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([c, p]) => `${c} ${p}`)
    .join('\n');
}

export const rulePath = (i: number): string => `alerts[${i}]`;
export const windowPath = (i: number): string => `maintenance[${i}]`;

/** The fields of a rule in the editor, by their place within it. */
export const RULE_FIELDS = [
  'name',
  'preset',
  'after',
  'renotify',
  'recovery',
  'notify',
  'baseline',
  'over_ms',
  'over_pct',
  'loss_pct',
  'ignore',
  'targets',
  'runs',
] as const;
export const WINDOW_FIELDS = ['cron', 'timezone', 'duration'] as const;

/** Every place of the alerts part of the editor an error can show. */
export function alertPlaces(rules: readonly RuleDraft[], windows: readonly WindowDraft[]): string[] {
  const out = ['alerts', 'maintenance', 'parents'];
  rules.forEach((_, i) => {
    out.push(rulePath(i));
    for (const f of RULE_FIELDS) out.push(`${rulePath(i)}.${f}`);
  });
  windows.forEach((_, i) => {
    out.push(windowPath(i));
    for (const f of WINDOW_FIELDS) out.push(`${windowPath(i)}.${f}`);
  });
  return out;
}

/** A suite's alerting as it saves it (empty parts left out by the caller), or the errors by their place. */
export interface Alerting {
  alerts: AlertRule[];
  maintenance: MaintenanceSpec[];
  parents: Record<string, string>;
  errors: Record<string, string>;
}

/** The rules, windows and parents the editor saves, or the errors by place (`alerts[1].over_ms`). */
export function buildAlerting(rules: readonly RuleDraft[], windows: readonly WindowDraft[], parents: string, runs: readonly RunRef[]): Alerting {
  const errors: Record<string, string> = {};
  const alerts: AlertRule[] = [];
  if (rules.length > MAX_RULES) errors.alerts = `${MAX_RULES} rules at most`;
  const names = new Set<string>();
  rules.forEach((d, i) => {
    const r = buildRule(d, runs);
    alerts.push(r.rule);
    for (const [k, v] of Object.entries(r.errors)) errors[`${rulePath(i)}.${k}`] = v;
    const name = r.rule.name ?? r.rule.preset;
    if (names.has(name) && !errors[`${rulePath(i)}.name`]) errors[`${rulePath(i)}.name`] = `two rules are named '${name}': name them apart`;
    names.add(name);
  });
  const maintenance: MaintenanceSpec[] = [];
  if (windows.length > MAX_WINDOWS) errors.maintenance = `${MAX_WINDOWS} windows at most`;
  windows.forEach((d, i) => {
    const w = buildWindow(d);
    maintenance.push(w.spec);
    for (const [k, v] of Object.entries(w.errors)) errors[`${windowPath(i)}.${k}`] = v;
  });
  const p = parseParents(parents);
  if (p.error) errors.parents = p.error;
  return { alerts, maintenance, parents: p.parents, errors };
}

// ---- a stored rule in words (the suite's page) -------------------------------------------

/** Which runs a rule reads: "runs 1, 3" (1-based), or "every ping, trace or dns run". */
export function ruleReads(rule: Pick<AlertRule, 'preset' | 'runs'>): string {
  if (rule.runs?.length) return `run${rule.runs.length > 1 ? 's' : ''} ${rule.runs.map((i) => i + 1).join(', ')}`;
  const k = kindsText(rule.preset);
  return k === 'any' ? 'every run' : `every ${k} run`;
}

/** A rule's parameters in words, defaults included: "baseline 1h, +10 ms and +50%", "at 20% loss". */
export function ruleParams(rule: AlertRule): string {
  switch (rule.preset) {
    case 'latency_up':
      return `baseline ${periodText(rule.baseline) || PARAM_DEFAULTS.baseline}, +${rule.over_ms ?? PARAM_DEFAULTS.over_ms} ms and +${rule.over_pct ?? PARAM_DEFAULTS.over_pct}%`;
    case 'loss_up':
      return `at ${rule.loss_pct ?? PARAM_DEFAULTS.loss_pct}% loss`;
    case 'output_changed':
      return rule.ignore?.length ? `ignoring ${rule.ignore.map((p) => `/${p}/`).join(' ')}` : '';
    default:
      return '';
  }
}

/** How a rule tells: "after 3 runs, every 4h while it holds, no recovery notice". */
export function ruleHabits(rule: AlertRule): string {
  const out: string[] = [];
  const after = rule.after ?? 1;
  out.push(after > 1 ? `after ${after} runs in a row` : 'at once');
  if (isStatePreset(rule.preset)) {
    if (rule.renotify !== null && rule.renotify !== undefined) out.push(`again every ${periodText(rule.renotify)} while it holds`);
    out.push(rule.recovery === false ? 'no recovery notice' : 'a recovery notice');
  }
  return out.join(', ');
}
