// Tests of the trend charts' pure logic: loss classes, steps and gaps, scales, ticks, the layout, the hover lookup, summaries, sparkline bounds.

import { describe, expect, it } from 'vitest';
import {
  DAY,
  HOUR,
  LOSS_CLASSES,
  MINUTE,
  SPARKLINE_LIMIT,
  bucketWords,
  eachLimited,
  expectedStep,
  fmtAxisMs,
  fmtRtt,
  fmtRttRange,
  inOrder,
  lossBin,
  msTicks,
  nearestBucket,
  readout,
  runs,
  sparklineIds,
  timeStep,
  timeTicks,
  trendLayout,
  trendSummary,
  yScale,
} from './trend';
import { fmtTime } from './format';
import type { SeriesInfo, TrendBucket } from './types';

/** A bucket around a median: min 0.9×, p10 0.95×, p90 1.05×, max 1.1× (all null without a median). */
function bucket(t: number, median: number | null, loss = 0, samples = 12): TrendBucket {
  const m = (f: number) => (median === null ? null : median * f);
  return { t, min_ms: m(0.9), p10_ms: m(0.95), median_ms: median, p90_ms: m(1.05), max_ms: m(1.1), loss_pct: loss, samples };
}

/** A raw sample (3 h view): no percentiles of its own. */
function sample(t: number, median: number | null, loss = 0): TrendBucket {
  return { ...bucket(t, median, loss, 1), p10_ms: null, p90_ms: null };
}

const T0 = new Date(2024, 10, 20, 13, 0, 0).getTime(); // local 2024-11-20 13:00
const count = (d: string, c: string) => d.split(c).length - 1;

describe('loss classes', () => {
  it('bins loss as SmokePing does', () => {
    const pcts = [0, 0.1, 2, 2.1, 5, 7, 10, 15, 20, 33, 50, 50.1, 99.9, 100, 120, NaN, -1];
    expect(pcts.map(lossBin)).toEqual(['0', '2', '2', '5', '5', '10', '10', '20', '20', '50', '50', 'gt50', 'gt50', '100', '100', '0', '0']);
  });

  it('has eight classes, each its own colour', () => {
    expect(LOSS_CLASSES.map((c) => c.bin)).toEqual(['0', '2', '5', '10', '20', '50', 'gt50', '100']);
    expect(new Set(LOSS_CLASSES.map((c) => c.color)).size).toBe(8);
    for (const c of LOSS_CLASSES) expect(c.color).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('steps and gaps', () => {
  it('takes the bucket width, or the usual interval between raw samples', () => {
    expect(expectedStep([bucket(0, 1), bucket(HOUR, 1)], HOUR)).toBe(HOUR);
    const raw = [0, 60, 120, 180, 900, 960].map((s) => sample(s * 1000, 5));
    expect(expectedStep(raw, 0)).toBe(60_000);
    expect(expectedStep([sample(0, 5)], 0)).toBe(0);
    expect(expectedStep([], 0)).toBe(0);
  });

  it('breaks runs at a missing value and at a gap of more than 2.5 steps', () => {
    const b = [bucket(0, 1), bucket(HOUR, 1), bucket(3 * HOUR, 1), bucket(6 * HOUR, 1), bucket(7 * HOUR, null, 100), bucket(8 * HOUR, 1)];
    // 1 → 3 h is 2 steps (joined), 3 → 6 h is 3 (a gap); the all-lost bucket splits 6 h from 8 h
    expect(runs(b, HOUR, (x) => x.median_ms !== null)).toEqual([[0, 1, 2], [3], [5]]);
    const twoSteps = [bucket(0, 1), bucket(2 * HOUR, 1), bucket(4 * HOUR, 1)];
    expect(runs(twoSteps, HOUR, () => true)).toEqual([[0, 1, 2]]);
    // no step known: nothing is a gap
    expect(runs(twoSteps, 0, () => true)).toEqual([[0, 1, 2]]);
    expect(runs([], HOUR, () => true)).toEqual([]);
  });

  it('sorts buckets only when they are out of order', () => {
    const sorted = [bucket(0, 1), bucket(1, 2)];
    expect(inOrder(sorted)).toBe(sorted);
    expect(inOrder([bucket(5, 1), bucket(1, 2)]).map((b) => b.t)).toEqual([1, 5]);
  });
});

describe('y scale', () => {
  it('is 0..1 ms without any RTT (empty, or all lost)', () => {
    expect(yScale([])).toEqual({ max: 1, peak: null, clipped: false });
    expect(yScale([bucket(0, null, 100), bucket(HOUR, null, 100)])).toEqual({ max: 1, peak: null, clipped: false });
  });

  it('rounds the highest top up when nothing stands out', () => {
    expect(yScale([bucket(0, 20), bucket(HOUR, 30)])).toEqual({ max: 50, peak: 33, clipped: false });
    expect(yScale([bucket(0, 4)])).toEqual({ max: 5, peak: 4.4, clipped: false });
  });

  it('leaves a huge outlier out, so one spike does not flatten the chart', () => {
    const b = Array.from({ length: 100 }, (_, i) => bucket(i * HOUR, 20 + (i % 3)));
    b[40] = { ...bucket(40 * HOUR, 25), max_ms: 5000 };
    const s = yScale(b);
    expect(s.peak).toBe(5000);
    expect(s.clipped).toBe(true);
    expect(s.max).toBe(50);
  });

  it('keeps a top that is high but not an outlier', () => {
    const b = Array.from({ length: 20 }, (_, i) => bucket(i * HOUR, 20));
    b[3] = { ...b[3], max_ms: 30 }; // 1.36 × the p90 of the tops (22)
    expect(yScale(b)).toEqual({ max: 50, peak: 30, clipped: false });
  });
});

describe('ticks', () => {
  it('labels ms, seconds from 1000 ms', () => {
    expect([0, 0.25, 2.5, 40, 999, 1000, 1500].map(fmtAxisMs)).toEqual(['0', '0.25 ms', '2.5 ms', '40 ms', '999 ms', '1 s', '1.5 s']);
  });

  it('steps the ms axis in 4 or 5 round steps', () => {
    expect(msTicks(50, 100)).toEqual([0, 10, 20, 30, 40, 50].map((v) => ({ v, pos: 100 - 2 * v, label: fmtAxisMs(v) })));
    expect(msTicks(2.5, 100).map((t) => t.v)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(msTicks(1, 10).map((t) => t.label)).toEqual(['0', '0.2 ms', '0.4 ms', '0.6 ms', '0.8 ms', '1 ms']);
    expect(msTicks(2000, 100).map((t) => t.label)).toEqual(['0', '500 ms', '1 s', '1.5 s', '2 s']);
    expect(msTicks(0, 100)).toEqual([]);
  });

  it('picks the shortest step that fits', () => {
    expect(timeStep(0, 3 * HOUR, 8)).toMatchObject({ unit: 'minute', n: 30 });
    expect(timeStep(0, 3 * HOUR, 13)).toMatchObject({ unit: 'minute', n: 15 });
    expect(timeStep(0, DAY, 8)).toMatchObject({ unit: 'hour', n: 3 });
    expect(timeStep(0, 7 * DAY, 8)).toMatchObject({ unit: 'day', n: 1 });
    expect(timeStep(0, 30 * DAY, 8)).toMatchObject({ unit: 'week', n: 1 });
    expect(timeStep(0, 30 * DAY, 15)).toMatchObject({ unit: 'day', n: 2 });
  });

  it('puts 3 h ticks on round local half hours', () => {
    const from = new Date(2024, 10, 21, 10, 7).getTime();
    const ticks = timeTicks(from, from + 3 * HOUR, 800);
    expect(ticks.map((t) => t.label)).toEqual(['10:30', '11:00', '11:30', '12:00', '12:30', '13:00']);
    expect(ticks[0].v).toBe(new Date(2024, 10, 21, 10, 30).getTime());
    expect(ticks[0].pos).toBeCloseTo((23 / 180) * 800, 0);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i].pos).toBeGreaterThan(ticks[i - 1].pos);
  });

  it('puts 1 d ticks every 3 local hours, a midnight as the day', () => {
    const ticks = timeTicks(T0, T0 + DAY, 800);
    expect(ticks.map((t) => t.label)).toEqual(['15:00', '18:00', '21:00', 'Thu 21', '03:00', '06:00', '09:00', '12:00']);
  });

  it('puts 7 d ticks on local midnights and 30 d ticks on Mondays', () => {
    const week = timeTicks(T0, T0 + 7 * DAY, 800);
    expect(week.map((t) => t.label)).toEqual(['Thu 21', 'Fri 22', 'Sat 23', 'Sun 24', 'Mon 25', 'Tue 26', 'Wed 27']);
    for (const t of week) expect([new Date(t.v).getHours(), new Date(t.v).getMinutes()]).toEqual([0, 0]);
    const month = timeTicks(T0, T0 + 30 * DAY, 800);
    expect(month.map((t) => t.label)).toEqual(['Nov 25', 'Dec 2', 'Dec 9', 'Dec 16']);
    for (const t of month) expect(new Date(t.v).getDay()).toBe(1);
  });

  it('has no ticks for an empty span or width', () => {
    expect(timeTicks(T0, T0, 800)).toEqual([]);
    expect(timeTicks(T0, T0 + HOUR, 0)).toEqual([]);
  });
});

describe('trend layout', () => {
  const base = { w: 720, h: 200 };

  it('draws nothing but axes for an empty series', () => {
    const l = trendLayout({ ...base, buckets: [], from: T0, to: T0 + 3 * HOUR, width: 0 });
    expect([l.median, l.outer, l.inner, l.lost, l.clipMarks]).toEqual(['', '', '', '', '']);
    expect(l.segments).toEqual([]);
    expect(l.step).toBe(0);
    expect(l.yTicks.map((t) => t.v)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(l.xTicks.length).toBeGreaterThan(0);
  });

  it('draws a single bucket as a dash and a small box', () => {
    const l = trendLayout({ ...base, buckets: [bucket(T0 + HOUR, 20)], from: T0, to: T0 + 2 * HOUR, width: 0 });
    expect(l.segments).toHaveLength(1);
    expect(l.segments[0].bin).toBe('0');
    expect(l.segments[0].d).toMatch(/^M[\d.]+,[\d.]+H[\d.]+$/);
    expect(l.median).toBe(l.segments[0].d);
    expect(count(l.outer, 'Z')).toBe(1);
    expect(l.xs).toEqual([360]);
  });

  it('draws 30 days of hourly buckets as one line in one loss class', () => {
    const b = Array.from({ length: 720 }, (_, i) => bucket(T0 + i * HOUR, 20 + Math.sin(i / 10) * 5));
    const l = trendLayout({ ...base, buckets: b, from: T0, to: T0 + 30 * DAY, width: HOUR });
    expect(l.step).toBe(HOUR);
    expect(l.segments.map((s) => s.bin)).toEqual(['0']);
    expect(count(l.median, 'M')).toBe(1);
    expect(count(l.median, 'L')).toBe(719);
    expect(count(l.outer, 'Z')).toBe(1);
    expect(l.centers[0]).toBe(T0 + HOUR / 2);
    expect(l.xs[0]).toBe(0.5);
    expect(l.xs[719]).toBe(719.5);
    expect(l.y.clipped).toBe(false);
  });

  it('colours the median by loss, changing class halfway between buckets', () => {
    const b = [bucket(T0, 10), bucket(T0 + HOUR, 10), bucket(T0 + 2 * HOUR, 10, 3), bucket(T0 + 3 * HOUR, 10, 3), bucket(T0 + 4 * HOUR, 10, 60)];
    const l = trendLayout({ ...base, buckets: b, from: T0, to: T0 + 5 * HOUR, width: HOUR });
    expect(l.segments.map((s) => s.bin)).toEqual(['0', '5', 'gt50']);
    expect(l.segments.map((s) => s.color)).toEqual(['#1f9d45', '#2f6bff', '#ff3d6e']);
    // each segment starts where the one before ended, halfway between the two buckets
    const end = (d: string) => d.slice(d.lastIndexOf('L') + 1);
    const start = (d: string) => d.slice(1, d.indexOf('L'));
    expect(start(l.segments[1].d)).toBe(end(l.segments[0].d));
    expect(start(l.segments[2].d)).toBe(end(l.segments[1].d));
    expect(Number(end(l.segments[0].d).split(',')[0])).toBe((l.xs[1] + l.xs[2]) / 2);
  });

  it('breaks the line at all-lost buckets and marks them at the top', () => {
    const b = [bucket(T0, 10), bucket(T0 + HOUR, 12), bucket(T0 + 2 * HOUR, null, 100), bucket(T0 + 3 * HOUR, null, 100), bucket(T0 + 4 * HOUR, 11)];
    const l = trendLayout({ ...base, buckets: b, from: T0, to: T0 + 5 * HOUR, width: HOUR, lostBar: 4 });
    expect(l.lostCount).toBe(2);
    expect(count(l.lost, 'Z')).toBe(2);
    // the bar spans its bucket: 1 h of 5 over 720 px
    expect(l.lost.startsWith('M288,0H432V4H288Z')).toBe(true);
    expect(count(l.median, 'M')).toBe(2);
    expect(l.segments.map((s) => s.bin)).toEqual(['0', '0']);
    // the lone bucket after the loss is a dash; the bands skip the lost buckets too
    expect(l.segments[1].d).toMatch(/^M[\d.]+,[\d.]+H[\d.]+$/);
    expect(count(l.outer, 'Z')).toBe(2);
  });

  it('breaks the line where buckets are missing', () => {
    const hours = [0, 1, 2, 5, 6, 8];
    const b = hours.map((h) => bucket(T0 + h * HOUR, 10));
    const l = trendLayout({ ...base, buckets: b, from: T0, to: T0 + 9 * HOUR, width: HOUR });
    // 2 → 5 is 3 steps: a gap; 6 → 8 is 2: joined
    expect(count(l.median, 'M')).toBe(2);
    expect(count(l.inner, 'Z')).toBe(2);
  });

  it('clips a huge outlier at the top and marks it', () => {
    const b = Array.from({ length: 30 }, (_, i) => bucket(T0 + i * HOUR, 20));
    b[10] = bucket(T0 + 10 * HOUR, 4000);
    const l = trendLayout({ ...base, buckets: b, from: T0, to: T0 + 30 * HOUR, width: HOUR });
    expect(l.y).toEqual({ max: 50, peak: 4400, clipped: true });
    expect(l.clippedCount).toBe(1);
    expect(count(l.clipMarks, 'Z')).toBe(1);
    // its median is drawn at the top edge, the others at 20 of 50 ms
    expect(l.median).toContain(`L${l.xs[10]},0L`);
    expect(l.median.startsWith(`M${l.xs[0]},120L`)).toBe(true);
  });

  it('uses min..max as the inner band where raw samples have no percentiles', () => {
    const b = Array.from({ length: 10 }, (_, i) => sample(T0 + i * MINUTE, 8 + (i % 2)));
    const l = trendLayout({ ...base, buckets: b, from: T0, to: T0 + 3 * HOUR, width: 0 });
    expect(l.step).toBe(MINUTE);
    expect(l.inner).toBe(l.outer);
    expect(l.inner).not.toBe('');
    expect(l.centers[0]).toBe(T0);
  });
});

describe('hover', () => {
  it('finds the nearest bucket within the tolerance', () => {
    const c = [0, 10, 20, 30];
    expect([-3, 4, 5, 6, 14, 16, 31].map((t) => nearestBucket(c, t, 5))).toEqual([0, 0, 0, 1, 1, 2, 3]);
    expect(nearestBucket(c, 40, 5)).toBe(-1);
    expect(nearestBucket(c, -6, 5)).toBe(-1);
    expect(nearestBucket([], 0, 5)).toBe(-1);
    expect(nearestBucket(c, NaN, 5)).toBe(-1);
  });

  it('formats RTTs for the readout', () => {
    expect([null, 0.0534, 4.213, 37.46, 212.4].map(fmtRtt)).toEqual(['—', '0.053 ms', '4.21 ms', '37.5 ms', '212 ms']);
    expect(fmtRttRange(4.2, 6.8)).toBe('4.20 – 6.80 ms');
    expect(fmtRttRange(null, 6.8)).toBe('—');
  });

  it('reads a rollup bucket out with its span', () => {
    const r = readout({ ...bucket(T0, 20, 2.5, 12) }, HOUR);
    expect(r).toEqual({
      time: `${fmtTime(T0)} – 14:00`,
      median: '20.0 ms',
      band: '19.0 – 21.0 ms',
      range: '18.0 – 22.0 ms',
      loss: '2.5%',
      samples: '12',
      bin: '5',
    });
    const lost = readout(sample(T0, null, 100), 0);
    expect([lost.time, lost.median, lost.band, lost.range, lost.loss, lost.bin]).toEqual([fmtTime(T0), '—', null, '—', '100%', '100']);
    // a raw sample has no spread of medians; a rollup without percentiles says so
    expect(readout(bucket(T0, 20), 0).band).toBeNull();
    expect(readout(sample(T0, 20), HOUR).band).toBe('—');
  });
});

describe('summary', () => {
  it('takes the median of the medians and the loss weighed by samples', () => {
    const b = [bucket(0, 10, 0, 10), bucket(1, 30, 50, 10), bucket(2, null, 100, 5), bucket(3, 20, 0, 5)];
    // (0 × 10 + 50 × 10 + 100 × 5 + 0 × 5) / 30
    expect(trendSummary(b)).toEqual({ median: 20, loss: 33.3, samples: 30, lostBuckets: 1 });
    expect(trendSummary([bucket(0, 10), bucket(1, 30)]).median).toBe(20);
    expect(trendSummary([bucket(0, 10)]).median).toBe(10);
  });

  it('has nothing for an empty series', () => {
    expect(trendSummary([])).toEqual({ median: null, loss: null, samples: 0, lostBuckets: 0 });
  });

  it('says what the buckets are', () => {
    expect([0, 5 * MINUTE, HOUR, 6 * HOUR, 30_000].map(bucketWords)).toEqual([
      'every sample',
      '5-minute buckets',
      'hourly buckets',
      '6-hour buckets',
      '30-second buckets',
    ]);
  });
});

describe('sparklines', () => {
  const series = (n: number): SeriesInfo[] =>
    Array.from({ length: n }, (_, i) => ({ id: i + 1, kind: 'ping', target: `198.18.0.${i}`, last: 0, samples: i % 7 === 0 ? 0 : 5 }));

  it('draws at most 50, skipping series without samples', () => {
    const ids = sparklineIds(series(80));
    expect(ids).toHaveLength(SPARKLINE_LIMIT);
    expect(ids).not.toContain(1);
    expect(ids[0]).toBe(2);
    expect(sparklineIds(series(3))).toEqual([2, 3]);
  });

  it('asks at most `limit` at a time, all of them, whatever fails', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 1 + (n % 3)));
      running--;
      if (n === 4) throw new Error('boom');
      done.push(n);
    });
    expect(most).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('stops early when told', async () => {
    const seen: number[] = [];
    let stopped = false;
    await eachLimited(
      [1, 2, 3, 4],
      1,
      async (n) => {
        seen.push(n);
        if (n === 2) stopped = true;
      },
      () => stopped,
    );
    expect(seen).toEqual([1, 2]);
    expect(await eachLimited([], 4, async () => undefined)).toBeUndefined();
  });
});
