// Number, time and summary formatting shared by the views.

import { isTopologyRun, optionsOf, type RunInfo, type Summary } from './types';

/** Milliseconds with microsecond precision, as the CLI prints them ("0.053"). */
export function fmtMs(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return v.toFixed(digits);
}

/** A percentage without trailing zeros ("0%", "33.3%"). */
export function fmtPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  const r = Math.round(v * 10) / 10;
  return `${r}%`;
}

/** A duration for people: "49 ms", "2.01 s", "3m 05s", "1h 02m". */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const total = Math.floor(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(sec).padStart(2, '0')}s`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local date and time, "2024-11-21 12:25:03". */
export function fmtTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '';
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local date and time to the millisecond, "2024-11-21 12:25:03.123". */
export function fmtTimeMs(epochMs: number | null | undefined): string {
  const t = fmtTime(epochMs);
  return t && `${t}.${String(new Date(epochMs as number).getMilliseconds()).padStart(3, '0')}`;
}

/**
 * A time from `now` for people, to the second under a minute and coarser beyond: "in 12 s",
 * "in 3 min", "2 h 5 min ago", "in 3 d 4 h"; "now" within a second.
 */
export function fmtRelative(epochMs: number, now: number): string {
  const ms = epochMs - now;
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 1) return 'now';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  const span =
    s < 60 ? `${s} s` : m < 60 ? `${m} min` : h < 24 ? `${h} h${m % 60 ? ` ${m % 60} min` : ''}` : `${d} d${h % 24 ? ` ${h % 24} h` : ''}`;
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

/** A time as epoch milliseconds, from a number of them or an RFC 3339 text; null when neither. */
export function epochMs(v: number | string | null | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || !v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

const FIXED = new Set(['kind', 'probe', 'targets', 'completed', 'elapsed_ms', 'cancelled']);

/** The per-kind counts of a summary, in the server's order. */
export function summaryCounts(s: Summary): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (!FIXED.has(k) && typeof v === 'number') out.push([k.replace(/_/g, ' '), v]);
  }
  return out;
}

const GOOD = new Set(['alive', 'reached', 'answered', 'hosts up', 'open ports', 'succeeded']);
const BAD = new Set(['dead', 'unreached', 'failed', 'filtered ports']);
/** The colour of a summary count: alive green, dead red, NXDOMAIN or a non-zero exit amber (only when non-zero). */
export function countTone(key: string, value: number): 'ok' | 'bad' | 'warn' | '' {
  if (!value) return '';
  if (GOOD.has(key)) return 'ok';
  if (BAD.has(key)) return 'bad';
  if (key === 'nxdomain' || key === 'nonzero') return 'warn';
  return '';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The CLI's closing line: "400 targets: 400 alive, 0 dead in 49 ms". An SNMP crawl reads more
 * devices than it had seeds: "1 seed, 3 devices: 3 answered, 0 failed, 0 varbinds in 40 ms".
 */
export function fmtSummary(s: Summary): string {
  const counts = summaryCounts(s)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const cancelled = s.cancelled ? ', cancelled' : '';
  let head: string;
  if (s.probe === 'snmp' && s.completed > s.targets) {
    head = `${plural(s.targets, 'seed')}, ${plural(s.completed, 'device')}`;
  } else {
    const count = s.probe === 'snmp' ? plural(s.targets, 'agent') : `${s.targets} ${s.probe === 'dns' ? 'questions' : 'targets'}`;
    head = `${count}${s.completed !== s.targets ? ` (${s.completed} completed)` : ''}`;
  }
  return `${head}: ${counts} in ${fmtDuration(s.elapsed_ms)}${cancelled}`;
}

/** A run's kind for lists and headings: "ping", "snmp walk", "snmp topology". */
export function kindLabel(run: Pick<RunInfo, 'kind' | 'options'>): string {
  const op = optionsOf(run, 'snmp')?.op;
  return op ? `snmp ${op}` : run.kind;
}

/**
 * Who started a run, when not the dashboard or the API itself: "cli", "suite", "trap" (a trap
 * rule's follow-up check of a device) or "alert" (an alert's diagnostics); with a sentence for
 * its tooltip.
 */
export function runOrigin(run: Pick<RunInfo, 'source' | 'suite_id'>): { label: string; title: string } | null {
  switch (run.source) {
    case 'cli':
      return { label: 'cli', title: 'started by the CLI' };
    case 'suite':
      return { label: 'suite', title: run.suite_id != null ? `started by suite #${run.suite_id}` : 'started by a suite' };
    case 'trap':
      return { label: 'trap', title: 'started by a trap rule: its follow-up check of the device that sent the trap' };
    case 'alert':
      return { label: 'alert', title: 'started when an alert fired: its diagnostics (a trace, DNS, the interface counters on the path)' };
    default:
      return null;
  }
}

/** Progress as text: "12/400", or "3 devices" for a topology crawl (it has no known end). */
export function progressText(run: Pick<RunInfo, 'kind' | 'options' | 'done' | 'total'>): string {
  return isTopologyRun(run) ? plural(run.done, 'device') : `${run.done}/${run.total}`;
}

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

function si(v: number, unit: string): string {
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < SI.length - 1) {
    x /= 1000;
    i++;
  }
  const digits = i === 0 || x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return `${v < 0 ? '-' : ''}${x.toFixed(digits)} ${SI[i]}${unit}`;
}

/** Octets for people: "0 B", "27.2 kB", "1.23 GB" (decimal units, as link speeds are). */
export function fmtBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return si(v, 'B');
}

/** A bit rate: "0 b/s", "16.9 kb/s", "1.20 Gb/s". */
export function fmtBps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return si(v, 'b/s');
}

/** An interface speed from Mbit/s, as vendors write it: "10M", "1G", "2.5G", "100G". */
export function fmtSpeed(mbps: number | null | undefined): string {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps) || mbps <= 0) return '';
  if (mbps >= 1_000_000) return `${+(mbps / 1_000_000).toFixed(1)}T`;
  if (mbps >= 1000) return `${+(mbps / 1000).toFixed(1)}G`;
  return `${+mbps.toFixed(1)}M`;
}

/** First line of a targets text, shortened for lists. */
export function targetsPreview(text: string, max = 60): string {
  const one = text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .join(' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * Options as the CLI would show them: "count=3 timeout=500ms types=A,MX"; an SSH configuration
 * task as "config=backup" or "config=push(3 lines)".
 */
export function fmtOptions(o: object): string {
  const value = (v: unknown): string => {
    if (Array.isArray(v)) return v.join(',');
    if (v && typeof v === 'object') {
      const c = v as { action?: string; lines?: unknown[] };
      if (c.action === 'push') return `push(${c.lines?.length ?? 0} line${c.lines?.length === 1 ? '' : 's'})`;
      if (c.action) return c.action;
      return JSON.stringify(v);
    }
    return String(v);
  };
  return Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
}
