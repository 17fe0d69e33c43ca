// Stored captures' pure logic: what a history row says, the time ranges of the history view,
// its chart's points (a rate per bucket, silent buckets as zero) and its protocol rows.

import type { Bucket, CaptureInfo, Counter, TrafficHistory } from './types';
import { fmtBytes } from './format';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The history view's ranges: the last so long before the capture's newest traffic. */
export const RANGES: { label: string; ms: number | null }[] = [
  { label: '1h', ms: HOUR },
  { label: '6h', ms: 6 * HOUR },
  { label: '24h', ms: DAY },
  { label: '7d', ms: 7 * DAY },
  { label: '30d', ms: 30 * DAY },
  { label: 'all', ms: null },
];

/** The longest range the server sums at once. */
export const MAX_RANGE = 400 * DAY;

/**
 * The range a preset covers, ending at the capture's newest traffic (`last`, else `now`); "all"
 * runs from its first traffic (at most 400 days).
 */
export function presetRange(ms: number | null, first: number | null | undefined, last: number | null | undefined, now: number): { from: number; to: number } {
  const to = last ?? now;
  if (ms === null) {
    const from = first ?? to - HOUR;
    return { from: Math.max(Math.min(from, to - MINUTE), to - MAX_RANGE), to };
  }
  return { from: to - ms, to };
}

/** A time for a datetime-local input (local time, to the minute). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A datetime-local input's value as ms since the epoch (null when empty or not a time). */
export function fromLocalInput(v: string): number | null {
  if (!v) return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
}

/**
 * The chart's points: for each bucket of the range (silent ones as zero), its bytes per second
 * (only `protocol`'s when given), with `t` in seconds as the area chart takes it.
 */
export function historyPoints(h: Pick<TrafficHistory, 'from' | 'to' | 'step' | 'buckets'>, protocol: string | null = null): Bucket[] {
  if (!(h.step > 0) || h.to <= h.from) return [];
  const at = new Map(h.buckets.map((b) => [b.t, b]));
  const secs = h.step / 1000;
  const out: Bucket[] = [];
  const n = Math.min(5000, Math.ceil((h.to - h.from) / h.step));
  for (let i = 0; i < n; i++) {
    const t = h.from + i * h.step;
    const b = at.get(t);
    const c = b && (protocol === null ? b : b.protocols[protocol]);
    out.push({ t: t / 1000, bytes: c ? c.bytes / secs : 0, packets: c ? c.packets / secs : 0 });
  }
  return out;
}

/** A bucket width for people: "1 min", "15 min", "1 h", "1 d". */
export function fmtStep(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} d`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  return `${Math.round(ms / MINUTE)} min`;
}

/** Protocols of a range by bytes (then name), each with its share of the range's bytes. */
export function protocolRows(protocols: Record<string, Counter>, total: number): { name: string; packets: number; bytes: number; share: number }[] {
  return Object.entries(protocols)
    .map(([name, c]) => ({ name, packets: c.packets, bytes: c.bytes, share: total > 0 ? c.bytes / total : 0 }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/** What a history row says about its capture's kept files: "3 files, 192 kB", "2 removed". */
export function keptText(c: Pick<CaptureInfo, 'stored'>): string {
  const s = c.stored;
  if (!s) return '';
  const parts: string[] = [];
  if (s.files_kept) parts.push(`${s.files_kept} file${s.files_kept === 1 ? '' : 's'}, ${fmtBytes(s.files_bytes)}`);
  if (s.files_removed) parts.push(`${s.files_removed} removed`);
  return parts.join('; ') || 'no files';
}

/** A capture's state as its history row shows it: running, stopped or interrupted. */
export function storedState(c: Pick<CaptureInfo, 'running' | 'stored'>): string {
  if (c.running) return 'running';
  return c.stored?.status === 'running' ? 'stopped' : (c.stored?.status ?? 'stopped');
}
