// SmokePing-style trend charts (pure, computed once per data change): scales, loss colours, median segments, bands, gaps, ticks, hover, summary.

import { niceMax } from './capture';
import { fmtTime } from './format';
import type { SeriesInfo, TrendBucket, TrendRange } from './types';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The range a series page opens at: every sample of the last 3 hours. */
export const DEFAULT_RANGE: TrendRange = '3h';

/** At most this many series of a suite get a sparkline (one request each); the others are links only. */
export const SPARKLINE_LIMIT = 50;

/** A step between two buckets longer than this many expected steps is a gap: the line breaks there. */
export const GAP_FACTOR = 2.5;

/** A top (max) above this many times the p90 of the tops is an outlier: the y axis leaves it out. */
export const OUTLIER_FACTOR = 1.5;

// ---- loss colours ------------------------------------------------------------------------

/** SmokePing's loss classes: none, ≤2%, ≤5%, ≤10%, ≤20%, ≤50%, more, all lost. */
export type LossBin = '0' | '2' | '5' | '10' | '20' | '50' | 'gt50' | '100';

export interface LossClass {
  bin: LossBin;
  label: string;
  /** The largest loss (%) in the class. */
  upTo: number;
  color: string;
}

/** From green (none lost) through blue and purple to red (all lost), as SmokePing colours them. */
export const LOSS_CLASSES: readonly LossClass[] = [
  { bin: '0', label: '0%', upTo: 0, color: '#1f9d45' },
  { bin: '2', label: '≤2%', upTo: 2, color: '#00a2d4' },
  { bin: '5', label: '≤5%', upTo: 5, color: '#2f6bff' },
  { bin: '10', label: '≤10%', upTo: 10, color: '#6b4bff' },
  { bin: '20', label: '≤20%', upTo: 20, color: '#a23ef0' },
  { bin: '50', label: '≤50%', upTo: 50, color: '#d63fb8' },
  { bin: 'gt50', label: '>50%', upTo: 100, color: '#ff3d6e' },
  { bin: '100', label: '100%', upTo: 100, color: '#d91a1a' },
];

const BY_BIN = new Map(LOSS_CLASSES.map((c) => [c.bin, c]));

/** The loss class of a loss in percent (anything not above 0 is none; 100 or more is all lost). */
export function lossBin(pct: number): LossBin {
  if (!(pct > 0)) return '0';
  if (pct >= 100) return '100';
  for (const c of LOSS_CLASSES) if (pct <= c.upTo) return c.bin;
  return 'gt50';
}

export function lossColor(bin: LossBin): string {
  return (BY_BIN.get(bin) ?? LOSS_CLASSES[0]).color;
}

/** A bucket in which every probe was lost (it has no RTT). */
export function allLost(b: TrendBucket): boolean {
  return b.loss_pct >= 100;
}

// ---- steps and gaps ----------------------------------------------------------------------

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The expected time between two buckets: the bucket width, or for raw samples (width 0) the
 * median time between two of them (the schedule's interval); 0 when it cannot be told.
 */
export function expectedStep(buckets: readonly TrendBucket[], width: number): number {
  if (width > 0) return width;
  const diffs: number[] = [];
  for (let i = 1; i < buckets.length; i++) {
    const d = buckets[i].t - buckets[i - 1].t;
    if (d > 0) diffs.push(d);
  }
  if (!diffs.length) return 0;
  diffs.sort((a, b) => a - b);
  return diffs[(diffs.length - 1) >> 1];
}

/** Whether the line breaks between buckets at these times. */
export function isGap(prevT: number, t: number, step: number): boolean {
  return step > 0 && t - prevT > GAP_FACTOR * step;
}

/**
 * Runs of bucket indexes to draw joined: those for which `has` holds, broken by a bucket without
 * the value and by a gap in time.
 */
export function runs(buckets: readonly TrendBucket[], step: number, has: (b: TrendBucket) => boolean): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < buckets.length; i++) {
    if (!has(buckets[i])) {
      if (cur.length) out.push(cur);
      cur = [];
      continue;
    }
    if (cur.length && isGap(buckets[cur[cur.length - 1]].t, buckets[i].t, step)) {
      out.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) out.push(cur);
  return out;
}

// ---- y scale -----------------------------------------------------------------------------

/** The highest RTT a bucket reaches (its max, else its p90, else its median). */
export function bucketTop(b: TrendBucket): number | null {
  return finite(b.max_ms) ? b.max_ms : finite(b.p90_ms) ? b.p90_ms : finite(b.median_ms) ? b.median_ms : null;
}

export interface YScale {
  /** The axis runs from 0 to this (ms), a round number. */
  max: number;
  /** The highest top of all (ms), null without any RTT. */
  peak: number | null;
  /** Some top is above the axis: drawn at its top edge, marked. */
  clipped: boolean;
}

/**
 * The y axis: 0 to a round number above every bucket's top, unless the highest tops are outliers
 * (above OUTLIER_FACTOR × the p90 of the tops): then to one above that much, so that one spike
 * does not flatten the rest, and `clipped` says some are cut.
 */
export function yScale(buckets: readonly TrendBucket[]): YScale {
  const tops: number[] = [];
  for (const b of buckets) {
    const t = bucketTop(b);
    if (t !== null) tops.push(t);
  }
  if (!tops.length) return { max: niceMax(0), peak: null, clipped: false };
  tops.sort((a, b) => a - b);
  const peak = tops[tops.length - 1];
  const p90 = tops[Math.max(0, Math.ceil(0.9 * tops.length) - 1)];
  const limit = p90 * OUTLIER_FACTOR;
  const max = niceMax(peak <= limit ? peak : limit);
  return { max, peak, clipped: peak > max };
}

// ---- ticks -------------------------------------------------------------------------------

export interface Tick {
  /** The value: ms of RTT, or ms since the epoch. */
  v: number;
  /** Its place on the axis (px). */
  pos: number;
  label: string;
}

const px = (n: number) => Math.round(n * 10) / 10;

/** An axis label in ms, seconds from 1000 ms: "0", "0.25 ms", "2.5 ms", "40 ms", "1.5 s". */
export function fmtAxisMs(v: number): string {
  if (v === 0) return '0';
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)} s`;
  return `${+v.toPrecision(3)} ms`;
}

/** The ms axis of height h: 0 to max in 4 or 5 round steps (y grows down). */
export function msTicks(max: number, h: number): Tick[] {
  if (!(max > 0)) return [];
  const step = niceMax(max / 5);
  const out: Tick[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) {
    const v = Number((i * step).toPrecision(12));
    out.push({ v, pos: px(h - (v / max) * h), label: fmtAxisMs(v) });
  }
  return out;
}

type Unit = 'minute' | 'hour' | 'day' | 'week';
interface TimeStep {
  unit: Unit;
  n: number;
  ms: number;
}

/** The steps a time axis may take, shortest first; each starts on a round local time. */
export const TIME_STEPS: readonly TimeStep[] = [
  { unit: 'minute', n: 5, ms: 5 * MINUTE },
  { unit: 'minute', n: 10, ms: 10 * MINUTE },
  { unit: 'minute', n: 15, ms: 15 * MINUTE },
  { unit: 'minute', n: 30, ms: 30 * MINUTE },
  { unit: 'hour', n: 1, ms: HOUR },
  { unit: 'hour', n: 2, ms: 2 * HOUR },
  { unit: 'hour', n: 3, ms: 3 * HOUR },
  { unit: 'hour', n: 6, ms: 6 * HOUR },
  { unit: 'hour', n: 12, ms: 12 * HOUR },
  { unit: 'day', n: 1, ms: DAY },
  { unit: 'day', n: 2, ms: 2 * DAY },
  { unit: 'week', n: 1, ms: 7 * DAY },
];

/** The shortest step that puts at most `maxTicks` ticks between from and to. */
export function timeStep(from: number, to: number, maxTicks: number): TimeStep {
  const span = Math.max(0, to - from);
  const most = Math.max(2, Math.floor(maxTicks));
  return TIME_STEPS.find((s) => span / s.ms <= most) ?? TIME_STEPS[TIME_STEPS.length - 1];
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** A local time as "HH:MM". */
export function clock(t: number): string {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The local calendar day of a date as a day count (days since 1970-01-01, that day's number). */
const dayNumber = (d: Date) => Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / DAY);

function tickLabel(d: Date, unit: Unit): string {
  if (unit === 'week') return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  if (unit === 'day' || (d.getHours() === 0 && d.getMinutes() === 0)) return `${WEEKDAYS[d.getDay()]} ${d.getDate()}`;
  return clock(d.getTime());
}

/**
 * Ticks on round local times between from and to over a width of w px, at most about one every
 * 90 px: every 5 to 30 minutes ("HH:MM"), 1 to 12 hours ("HH:MM"; a midnight as "Tue 21"), 1 or
 * 2 days at midnight ("Tue 21") or Mondays ("Nov 18").
 */
export function timeTicks(from: number, to: number, w: number, maxTicks = Math.floor(w / 90)): Tick[] {
  if (!(to > from) || !(w > 0)) return [];
  const step = timeStep(from, to, maxTicks);
  const x = (t: number) => px(((t - from) / (to - from)) * w);
  const out: Tick[] = [];
  const push = (t: number) => {
    if (t >= from && t <= to) out.push({ v: t, pos: x(t), label: tickLabel(new Date(t), step.unit) });
  };
  const d = new Date(from);
  if (step.unit === 'minute' || step.unit === 'hour') {
    // whole minutes or hours in absolute time, kept where the local clock is round (DST-proof)
    const unit = step.unit === 'minute' ? MINUTE : HOUR;
    if (step.unit === 'minute') d.setSeconds(0, 0);
    else d.setMinutes(0, 0, 0);
    for (let t = d.getTime(); t <= to; t += unit) {
      const l = new Date(t);
      const round = step.unit === 'minute' ? l.getMinutes() % step.n === 0 : l.getMinutes() === 0 && l.getHours() % step.n === 0;
      if (round) push(t);
    }
    return out;
  }
  // local midnights, day by day
  d.setHours(0, 0, 0, 0);
  for (; d.getTime() <= to; d.setDate(d.getDate() + 1)) {
    const keep = step.unit === 'week' ? d.getDay() === 1 : dayNumber(d) % step.n === 0;
    if (keep) push(d.getTime());
  }
  return out;
}

// ---- the layout --------------------------------------------------------------------------

/** A stretch of the median line in one loss class. */
export interface MedianSegment {
  bin: LossBin;
  color: string;
  d: string;
}

export interface TrendLayoutInput {
  buckets: readonly TrendBucket[];
  /** The time axis (ms since the epoch). */
  from: number;
  to: number;
  /** The bucket width (ms), 0 when each bucket is one sample. */
  width: number;
  /** The plot area (px). */
  w: number;
  h: number;
  /** Time ticks at most (default: one per 90 px). */
  maxXTicks?: number;
  /** The height of the all-lost bar at the top (px). */
  lostBar?: number;
}

export interface TrendLayout {
  /** The buckets in time order: what the indexes below (and the hover lookup's) count. */
  buckets: readonly TrendBucket[];
  w: number;
  h: number;
  from: number;
  to: number;
  /** The expected time between buckets (ms; 0 when unknown). */
  step: number;
  y: YScale;
  /** Each bucket's time on the axis (its middle), ascending: for the hover lookup. */
  centers: number[];
  /** Each bucket's x (px). */
  xs: number[];
  /** The whole median line (under the coloured segments, as a casing). */
  median: string;
  segments: MedianSegment[];
  /** min..max, and p10..p90 (min..max where a bucket has no percentiles): polygons. */
  outer: string;
  inner: string;
  /** A bar at the top over every all-lost bucket. */
  lost: string;
  lostCount: number;
  /** A mark at the top over every bucket above the axis. */
  clipMarks: string;
  clippedCount: number;
  xTicks: Tick[];
  yTicks: Tick[];
}

/** The buckets in time order (the server sends them so; a copy is sorted only when they are not). */
export function inOrder(buckets: readonly TrendBucket[]): readonly TrendBucket[] {
  for (let i = 1; i < buckets.length; i++) {
    if (buckets[i].t < buckets[i - 1].t) return [...buckets].sort((a, b) => a.t - b.t);
  }
  return buckets;
}

function bandPath(
  buckets: readonly TrendBucket[],
  step: number,
  xs: readonly number[],
  y: (v: number) => number,
  lo: (b: TrendBucket) => number | null,
  hi: (b: TrendBucket) => number | null,
  dot: number,
): string {
  let d = '';
  for (const run of runs(buckets, step, (b) => lo(b) !== null && hi(b) !== null)) {
    if (run.length === 1) {
      const i = run[0];
      const x0 = px(xs[i] - dot / 2);
      const x1 = px(xs[i] + dot / 2);
      d += `M${x0},${y(hi(buckets[i]) as number)}H${x1}V${y(lo(buckets[i]) as number)}H${x0}Z`;
      continue;
    }
    const upper = run.map((i) => `${xs[i]},${y(hi(buckets[i]) as number)}`);
    const lower = run
      .slice()
      .reverse()
      .map((i) => `${xs[i]},${y(lo(buckets[i]) as number)}`);
    d += `M${upper.join('L')}L${lower.join('L')}Z`;
  }
  return d;
}

const pick =
  (...keys: ('min_ms' | 'p10_ms' | 'median_ms' | 'p90_ms' | 'max_ms')[]) =>
  (b: TrendBucket): number | null => {
    for (const k of keys) if (finite(b[k])) return b[k];
    return null;
  };

const innerLo = pick('p10_ms', 'min_ms');
const innerHi = pick('p90_ms', 'max_ms');
const outerLo = pick('min_ms', 'p10_ms', 'median_ms');
const outerHi = pick('max_ms', 'p90_ms', 'median_ms');

/**
 * Everything a trend chart draws in a w × h plot area (y grows down), from the buckets: scales,
 * bands, the median line in loss-coloured segments (a change of class halfway between two
 * buckets; a bucket alone between gaps as a short dash), all-lost bars, clip marks and ticks.
 */
export function trendLayout(input: TrendLayoutInput): TrendLayout {
  const { from, to, width, w, h } = input;
  const buckets = inOrder(input.buckets);
  const step = expectedStep(buckets, width);
  const ys = yScale(buckets);
  const span = Math.max(1, to - from);
  const x = (t: number) => px(((t - from) / span) * w);
  const y = (v: number) => px(Math.max(0, Math.min(h, h - (v / ys.max) * h)));
  const centers = buckets.map((b) => b.t + width / 2);
  const xs = centers.map(x);
  const stepPx = step > 0 ? (step / span) * w : 0;
  // a bucket alone: a dash this wide
  const dot = Math.max(2, Math.min(8, stepPx));

  // the median: one path for the casing, and segments by loss class
  let median = '';
  const segments: MedianSegment[] = [];
  for (const run of runs(buckets, step, (b) => finite(b.median_ms))) {
    const pt = (i: number): [number, number] => [xs[i], y(buckets[i].median_ms as number)];
    if (run.length === 1) {
      const [cx, cy] = pt(run[0]);
      const d = `M${px(cx - dot / 2)},${cy}H${px(cx + dot / 2)}`;
      median += d;
      const bin = lossBin(buckets[run[0]].loss_pct);
      segments.push({ bin, color: lossColor(bin), d });
      continue;
    }
    median += `M${run.map((i) => pt(i).join(',')).join('L')}`;
    let bin = lossBin(buckets[run[0]].loss_pct);
    let d = `M${pt(run[0]).join(',')}`;
    for (let k = 1; k < run.length; k++) {
      const [x1, y1] = pt(run[k]);
      const b = lossBin(buckets[run[k]].loss_pct);
      if (b !== bin) {
        const [x0, y0] = pt(run[k - 1]);
        const mid = `${px((x0 + x1) / 2)},${px((y0 + y1) / 2)}`;
        segments.push({ bin, color: lossColor(bin), d: `${d}L${mid}` });
        bin = b;
        d = `M${mid}`;
      }
      d += `L${x1},${y1}`;
    }
    segments.push({ bin, color: lossColor(bin), d });
  }

  // all-lost bars over the bucket's time (a sample's: half a step either side)
  const bar = input.lostBar ?? 4;
  let lost = '';
  let lostCount = 0;
  let clipMarks = '';
  let clippedCount = 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (allLost(b)) {
      lostCount++;
      const half = width > 0 ? ((width / span) * w) / 2 : stepPx / 2;
      const hw = Math.max(1, half);
      lost += `M${px(xs[i] - hw)},0H${px(xs[i] + hw)}V${bar}H${px(xs[i] - hw)}Z`;
    }
    const top = bucketTop(b);
    if (top !== null && top > ys.max) {
      clippedCount++;
      clipMarks += `M${xs[i]},0L${px(xs[i] + 3)},5H${px(xs[i] - 3)}Z`;
    }
  }

  return {
    buckets,
    w,
    h,
    from,
    to,
    step,
    y: ys,
    centers,
    xs,
    median,
    segments,
    outer: bandPath(buckets, step, xs, y, outerLo, outerHi, dot),
    inner: bandPath(buckets, step, xs, y, innerLo, innerHi, dot),
    lost,
    lostCount,
    clipMarks,
    clippedCount,
    xTicks: timeTicks(from, to, w, input.maxXTicks),
    yTicks: msTicks(ys.max, h),
  };
}

// ---- hover -------------------------------------------------------------------------------

/**
 * The index of the bucket whose time (ascending `centers`) is nearest t, if within `tolerance`
 * ms of it; -1 otherwise (a gap, or no buckets). A binary search: cheap on every mouse move.
 */
export function nearestBucket(centers: readonly number[], t: number, tolerance: number): number {
  if (!centers.length || !Number.isFinite(t)) return -1;
  let lo = 0;
  let hi = centers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (centers[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  let best = lo;
  if (lo > 0 && Math.abs(centers[lo - 1] - t) <= Math.abs(centers[lo] - t)) best = lo - 1;
  return Math.abs(centers[best] - t) <= tolerance ? best : -1;
}

/** An RTT for the readout: "—" for none, "0.053 ms", "4.21 ms", "37.5 ms", "212 ms". */
export function fmtRtt(v: number | null | undefined): string {
  if (!finite(v)) return '—';
  if (v < 1) return `${v.toFixed(3)} ms`;
  if (v < 10) return `${v.toFixed(2)} ms`;
  if (v < 100) return `${v.toFixed(1)} ms`;
  return `${Math.round(v)} ms`;
}

/** "4.21 – 6.80 ms"; "—" when either end is unknown. */
export function fmtRttRange(lo: number | null | undefined, hi: number | null | undefined): string {
  if (!finite(lo) || !finite(hi)) return '—';
  return `${fmtRtt(lo).replace(/ ms$/, '')} – ${fmtRtt(hi)}`;
}

export interface Readout {
  time: string;
  median: string;
  /** p10–p90 of the medians: null for a raw sample (one median has no spread). */
  band: string | null;
  range: string;
  loss: string;
  samples: string;
  bin: LossBin;
}

/** What the hover readout says of a bucket: when (its span, for a rollup), its RTTs, loss and samples. */
export function readout(b: TrendBucket, width: number): Readout {
  return {
    time: width > 0 ? `${fmtTime(b.t)} – ${clock(b.t + width)}` : fmtTime(b.t),
    median: fmtRtt(b.median_ms),
    band: width > 0 ? fmtRttRange(b.p10_ms, b.p90_ms) : null,
    range: fmtRttRange(b.min_ms, b.max_ms),
    loss: `${Math.round(b.loss_pct * 10) / 10}%`,
    samples: String(b.samples),
    bin: lossBin(b.loss_pct),
  };
}

// ---- summary -----------------------------------------------------------------------------

export interface TrendSummary {
  /** The median of the buckets' medians (ms), null without any. */
  median: number | null;
  /** The loss over the range (%), weighed by samples; null without samples. */
  loss: number | null;
  samples: number;
  /** Buckets in which all was lost. */
  lostBuckets: number;
}

export function trendSummary(buckets: readonly TrendBucket[]): TrendSummary {
  const medians = buckets
    .map((b) => b.median_ms)
    .filter(finite)
    .sort((a, b) => a - b);
  const n = medians.length;
  const median = !n ? null : n % 2 ? medians[(n - 1) / 2] : (medians[n / 2 - 1] + medians[n / 2]) / 2;
  let samples = 0;
  let lostWeighed = 0;
  let lostBuckets = 0;
  for (const b of buckets) {
    samples += b.samples;
    lostWeighed += b.loss_pct * b.samples;
    if (allLost(b)) lostBuckets++;
  }
  const loss = samples > 0 ? Math.round((lostWeighed / samples) * 10) / 10 : null;
  return { median, loss, samples, lostBuckets };
}

/** What a range's buckets are, in words. */
export function bucketWords(width: number): string {
  if (width <= 0) return 'every sample';
  if (width % HOUR === 0) return width === HOUR ? 'hourly buckets' : `${width / HOUR}-hour buckets`;
  if (width % MINUTE === 0) return `${width / MINUTE}-minute buckets`;
  return `${width / 1000}-second buckets`;
}

// ---- sparklines --------------------------------------------------------------------------

/** The series that get a sparkline: the first `limit` with samples (a series without any has nothing to draw). */
export function sparklineIds(series: readonly SeriesInfo[], limit = SPARKLINE_LIMIT): number[] {
  return series
    .filter((s) => s.samples > 0)
    .slice(0, limit)
    .map((s) => s.id);
}

/**
 * Calls `fn` on every item, at most `limit` at a time, in order of the items; resolves when all
 * have settled (a failure is `fn`'s to handle). `stop()` true ends it early (the view is gone).
 */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const item = items[next++];
      try {
        await fn(item);
      } catch {
        // fn's to report; the others go on
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
