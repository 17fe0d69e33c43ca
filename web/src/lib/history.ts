// Target histories, pure: a suite target's distinct paths (trace), open ports (scan) and DNS answers as lettered rows compared with the entry before, and the scan targets a suite names.

import { pathRows } from './alerts';
import { fmtTime } from './format';
import type { HistoryEntry, HistoryKind, RunSpec } from './types';

// ---- reading values (the document types them as open objects: each reader checks what it reads) ----

const record = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const ints = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isInteger(x)) : []);
// each once, in order (text by code unit, as the server's sorted sets are for these values)
const sortedTexts = (xs: readonly string[]): string[] => [...new Set(xs)].sort();
const sortedInts = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** A trace's path: the addresses that answered at each TTL (sorted), and whether it reached. */
export interface TracePath {
  reached: boolean;
  hops: Map<number, string[]>;
}

/** A trace history value, `{"reached", "hops": {"ttl": [addrs]}}`. */
export function readPath(value: unknown): TracePath {
  const v = record(value);
  const hops = new Map<number, string[]>();
  const h = record(v?.hops);
  const ttls = Object.keys(h ?? {})
    .map(Number)
    .filter((t) => Number.isInteger(t) && t > 0)
    .sort((a, b) => a - b);
  for (const t of ttls) {
    const addrs = sortedTexts(texts(h?.[String(t)]));
    if (addrs.length) hops.set(t, addrs);
  }
  return { reached: v?.reached === true, hops };
}

/** A scan history value, `{"open": [ports]}`: the open ports, sorted. */
export const readPorts = (value: unknown): number[] => sortedInts(ints(record(value)?.open));

/** A DNS answer, `{"rcode", "answers"}`. */
export interface DnsAnswer {
  rcode: string;
  answers: string[];
}

export function readAnswer(value: unknown): DnsAnswer {
  const v = record(value);
  return { rcode: typeof v?.rcode === 'string' ? v.rcode : '?', answers: sortedTexts(texts(v?.answers)) };
}

// ---- rows --------------------------------------------------------------------------------

/** A label by its place: 0 → "A", 25 → "Z", 26 → "AA", 27 → "AB". */
export function letter(n: number): string {
  let s = '';
  for (let i = n + 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

/** What every row has: its letter, when, over how many runs. */
interface RowBase {
  /** Stable across reloads while the entry is kept: its first time and letter. */
  key: string;
  /** Equal values share a letter, given oldest first: a path that comes back keeps its letter. */
  label: string;
  firstSeen: number;
  lastSeen: number;
  runs: number;
  lastRun: number | null;
  /** The newest entry: what the target shows now. */
  current: boolean;
  /** The older entry this one is compared with, its letter; null for the oldest kept. */
  prevLabel: string | null;
  /** Whether an older entry showed the same (the value came back). */
  again: boolean;
}

/** One TTL of a path beside the previous (older) entry's. */
export interface HistoryHop {
  ttl: number;
  addrs: string[];
  /** The addresses joined by " | " (ECMP alternates), "*" when none answered. */
  text: string;
  /** The previous entry's addresses at this TTL; null for the oldest entry. */
  before: string[] | null;
  beforeText: string;
  /** The addresses differ from the previous entry's (never for the oldest). */
  changed: boolean;
  /** Within this path's own TTLs (not only the previous one's). */
  own: boolean;
}

export interface PathEntry extends RowBase {
  kind: 'trace';
  reached: boolean;
  /** Whether reached differs from the previous entry's. */
  reachedChanged: boolean;
  /** TTL by TTL over this path's and the previous one's span, a TTL without answer as "*". */
  hops: HistoryHop[];
  /** This path's own hops, from its first TTL to its last (the row's compact view). */
  compact: HistoryHop[];
  /** How many TTLs changed against the previous entry. */
  changes: number;
}

export interface PortEntry extends RowBase {
  kind: 'scan';
  open: number[];
  /** Open now and not in the previous entry. */
  added: number[];
  /** Open in the previous entry and not now. */
  removed: number[];
}

export interface AnswerEntry extends RowBase {
  kind: 'dns';
  rcode: string;
  answers: string[];
  added: string[];
  removed: string[];
  /** The previous entry's code when it differs, else null. */
  prevRcode: string | null;
}

export type HistoryRow = PathEntry | PortEntry | AnswerEntry;

/** " | " between the addresses of a TTL, "*" when none answered. */
export const hopText = (addrs: readonly string[]): string => (addrs.length ? addrs.join(' | ') : '*');

const sameList = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Each entry (newest first, as the server lists them) read, lettered and compared with the next
 * (older) one. `read` turns a value into a form whose JSON is equal exactly when the values are.
 */
function rows<V, R>(
  entries: readonly HistoryEntry[],
  read: (value: unknown) => V,
  key: (v: V) => string,
  build: (v: V, prev: V | null) => R,
): (R & RowBase)[] {
  const values = entries.map((e) => read(e.value));
  const keys = values.map(key);
  const labels: string[] = new Array<string>(entries.length);
  const again: boolean[] = new Array<boolean>(entries.length);
  const given = new Map<string, string>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const known = given.get(keys[i]);
    again[i] = known !== undefined;
    labels[i] = known ?? letter(given.size);
    if (known === undefined) given.set(keys[i], labels[i]);
  }
  let newest = -1;
  entries.forEach((e, i) => {
    if (newest < 0 || e.last_seen > entries[newest].last_seen) newest = i;
  });
  return entries.map((e, i) => {
    const prev = i + 1 < entries.length ? values[i + 1] : null;
    return {
      ...build(values[i], prev),
      key: `${e.first_seen}:${labels[i]}`,
      label: labels[i],
      firstSeen: e.first_seen,
      lastSeen: e.last_seen,
      runs: e.runs,
      lastRun: e.last_run ?? null,
      current: i === newest,
      prevLabel: i + 1 < entries.length ? labels[i + 1] : null,
      again: again[i],
    };
  });
}

const pathKey = (p: TracePath): string => JSON.stringify([p.reached, [...p.hops]]);
const asEvidence = (p: TracePath): Record<string, string[]> => Object.fromEntries([...p.hops].map(([t, a]) => [String(t), a]));

/** A trace target's paths: each distinct path lettered, its hops beside the previous path's. */
export function pathHistory(entries: readonly HistoryEntry[]): PathEntry[] {
  return rows(entries, readPath, pathKey, (p, prev) => {
    const ttls = [...p.hops.keys()];
    const first = ttls.length ? ttls[0] : 0;
    const last = ttls.length ? ttls[ttls.length - 1] : -1;
    const hops: HistoryHop[] = (pathRows({ before: prev ? asEvidence(prev) : {}, after: asEvidence(p) }) ?? []).map((r) => ({
      ttl: r.ttl,
      addrs: r.after,
      text: hopText(r.after),
      before: prev ? r.before : null,
      beforeText: prev ? hopText(r.before) : '',
      changed: prev !== null && !sameList(r.before, r.after),
      own: r.ttl >= first && r.ttl <= last,
    }));
    return {
      kind: 'trace' as const,
      reached: p.reached,
      reachedChanged: prev !== null && prev.reached !== p.reached,
      hops,
      compact: hops.filter((h) => h.own),
      changes: hops.filter((h) => h.changed).length,
    };
  });
}

/** A scan target's sets of open ports, each with the ports opened and closed since the previous set. */
export function portHistory(entries: readonly HistoryEntry[]): PortEntry[] {
  return rows(entries, readPorts, (o) => JSON.stringify(o), (open, prev) => ({
    kind: 'scan' as const,
    open,
    added: prev ? open.filter((p) => !prev.includes(p)) : [],
    removed: prev ? prev.filter((p) => !open.includes(p)) : [],
  }));
}

/** A DNS target's answers (code and records), each with the records that came and went since the previous. */
export function answerHistory(entries: readonly HistoryEntry[]): AnswerEntry[] {
  return rows(entries, readAnswer, (a) => JSON.stringify([a.rcode, a.answers]), (a, prev) => ({
    kind: 'dns' as const,
    rcode: a.rcode,
    answers: a.answers,
    added: prev ? a.answers.filter((x) => !prev.answers.includes(x)) : [],
    removed: prev ? prev.answers.filter((x) => !a.answers.includes(x)) : [],
    prevRcode: prev && prev.rcode !== a.rcode ? prev.rcode : null,
  }));
}

/** A history's rows by its kind. */
export function historyRows(kind: HistoryKind, entries: readonly HistoryEntry[]): HistoryRow[] {
  if (kind === 'trace') return pathHistory(entries);
  if (kind === 'scan') return portHistory(entries);
  return answerHistory(entries);
}

/** Each kind's section title. */
export const HISTORY_TITLES: Readonly<Record<HistoryKind, string>> = {
  trace: 'Path history',
  scan: 'Port history',
  dns: 'DNS answers',
};

/** What an empty history says. */
export const HISTORY_EMPTY: Readonly<Record<HistoryKind, string>> = {
  trace: 'No path recorded yet: each trace run of the suite records the path it found.',
  scan: 'No open ports recorded yet: each scan run of the suite records the ports it found open.',
  dns: 'No answer recorded yet: each DNS run of the suite records the answer it got.',
};

/** When an entry was shown, local time: one time, or first – last (the day once when both share it). */
export function spanText(first: number, last: number): string {
  const a = fmtTime(first);
  if (last === first) return a;
  const b = fmtTime(last);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)}` : `${a} – ${b}`;
}

/** "1 run", "12 runs". */
export const runsText = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;

// ---- a suite's scan targets ---------------------------------------------------------------

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** An address as a target expression writes it: IPv4, IPv6, or IPv6 in brackets. */
const isAddress = (s: string): boolean => IPV4.test(s) || s.includes(':') || (s.startsWith('[') && s.endsWith(']'));

/**
 * Whether a target expression names one target (an address or a name) rather than a CIDR block
 * (`10.0.0.0/24`) or a range (`10.0.0.1-20`, `10.0.0.1-10.0.0.20`); names may hold hyphens.
 */
export function isSingleTarget(token: string): boolean {
  if (!token || token.includes('/')) return false;
  const dash = token.indexOf('-');
  return dash < 0 || !isAddress(token.slice(0, dash));
}

/** The scan targets of a suite's runs, as results name them, and what could not be listed. */
export interface ScanTargets {
  /** Single addresses and names, each once, in the order the runs give them. */
  targets: string[];
  /** Ranges and CIDR blocks (their members are named by address). */
  skipped: string[];
  /** Scan runs whose targets are read at each fire (a file, a topology run's devices). */
  elsewhere: number;
}

/**
 * The targets of a suite's scan runs with inline targets: their expressions split as the server
 * splits them (lines, `#` comments, commas and white space), singles kept and blocks set aside.
 */
export function scanTargets(runs: readonly RunSpec[]): ScanTargets {
  const targets: string[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  let elsewhere = 0;
  for (const run of runs) {
    if (run.kind !== 'scan') continue;
    if (run.targets == null) {
      elsewhere++;
      continue;
    }
    for (const line of run.targets.split('\n')) {
      for (const token of line.split('#')[0].split(/[\s,]+/)) {
        if (!token) continue;
        const single = isSingleTarget(token);
        const id = single ? token.toLowerCase() : token;
        if (seen.has(id)) continue;
        seen.add(id);
        (single ? targets : skipped).push(token);
      }
    }
  }
  return { targets, skipped, elsewhere };
}
