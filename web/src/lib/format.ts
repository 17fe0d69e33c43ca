// Number, time and summary formatting shared by the views.

import type { Summary } from './types';

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

const FIXED = new Set(['kind', 'probe', 'targets', 'completed', 'elapsed_ms', 'cancelled']);

/** The per-kind counts of a summary, in the server's order. */
export function summaryCounts(s: Summary): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (!FIXED.has(k) && typeof v === 'number') out.push([k.replace(/_/g, ' '), v]);
  }
  return out;
}

const GOOD = new Set(['alive', 'reached', 'answered', 'hosts up', 'open ports']);
const BAD = new Set(['dead', 'unreached', 'failed', 'filtered ports']);
/** The colour of a summary count: alive green, dead red, NXDOMAIN amber (only when non-zero). */
export function countTone(key: string, value: number): 'ok' | 'bad' | 'warn' | '' {
  if (!value) return '';
  if (GOOD.has(key)) return 'ok';
  if (BAD.has(key)) return 'bad';
  if (key === 'nxdomain') return 'warn';
  return '';
}

/** The CLI's closing line: "400 targets: 400 alive, 0 dead in 49 ms". */
export function fmtSummary(s: Summary): string {
  const unit = s.probe === 'dns' ? 'questions' : 'targets';
  const counts = summaryCounts(s)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const done = s.completed !== s.targets ? ` (${s.completed} completed)` : '';
  const cancelled = s.cancelled ? ', cancelled' : '';
  return `${s.targets} ${unit}${done}: ${counts} in ${fmtDuration(s.elapsed_ms)}${cancelled}`;
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

/** Options as the CLI would show them: "count=3 timeout=500ms types=A,MX". */
export function fmtOptions(o: Record<string, unknown> | null | undefined): string {
  if (!o) return '';
  return Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
}
