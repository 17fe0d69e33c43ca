// Tests of the results table model: sorting, filtering, incremental merging.

import { describe, expect, it } from 'vitest';
import { rowFor, type Row } from './columns';
import { TableModel, compareValues, matches, mergeSorted, nextSort, rowComparator, terms } from './table';
import { deadPing, ping } from '../test/results';

const rows = (...r: Row[]) => r;
const targetsOf = (v: Row[]) => v.map((r) => r.result.target);

describe('compareValues', () => {
  it('compares numbers numerically and text naturally', () => {
    expect(compareValues(2, 10)).toBeLessThan(0);
    expect(compareValues('198.18.16.2', '198.18.16.10')).toBeLessThan(0);
    expect(compareValues('b', 'a')).toBeGreaterThan(0);
    expect(compareValues(5, 'a')).toBeLessThan(0);
  });
});

describe('rowComparator', () => {
  const a = rowFor(ping('198.18.16.10', { rtt_ms: { min: 3, avg: 3, max: 3, stddev: 0 } }), 0);
  const b = rowFor(ping('198.18.16.2', { rtt_ms: { min: 1, avg: 1, max: 1, stddev: 0 } }), 1);
  const c = rowFor(deadPing('198.18.16.3'), 2);
  const d = rowFor(ping('198.18.16.4', { rtt_ms: { min: 1, avg: 1, max: 1, stddev: 0 } }), 3);

  it('sorts numbers ascending and descending with nulls last both ways', () => {
    const AVG = 7;
    expect(targetsOf([a, b, c, d].sort(rowComparator({ col: AVG, dir: 1 })))).toEqual([
      '198.18.16.2',
      '198.18.16.4',
      '198.18.16.10',
      '198.18.16.3',
    ]);
    expect(targetsOf([c, a, b, d].sort(rowComparator({ col: AVG, dir: -1 })))).toEqual([
      '198.18.16.10',
      '198.18.16.2',
      '198.18.16.4',
      '198.18.16.3',
    ]);
  });

  it('sorts addresses as text in natural order', () => {
    expect(targetsOf([a, c, b].sort(rowComparator({ col: 0, dir: 1 })))).toEqual([
      '198.18.16.2',
      '198.18.16.3',
      '198.18.16.10',
    ]);
  });

  it('breaks ties by arrival', () => {
    const x = rowFor(ping('x'), 5);
    const y = rowFor(ping('y'), 4);
    expect(targetsOf([x, y].sort(rowComparator({ col: 2, dir: -1 })))).toEqual(['y', 'x']);
  });
});

describe('nextSort', () => {
  it('cycles ascending, descending, off', () => {
    const s1 = nextSort(null, 3);
    expect(s1).toEqual({ col: 3, dir: 1 });
    const s2 = nextSort(s1, 3);
    expect(s2).toEqual({ col: 3, dir: -1 });
    expect(nextSort(s2, 3)).toBeNull();
    expect(nextSort(s2, 1)).toEqual({ col: 1, dir: 1 });
  });
});

describe('filtering', () => {
  const alive = rowFor(ping('h1.lab.test', { addr: '198.18.0.20' }), 0);
  const dead = rowFor(deadPing('198.18.128.1'), 1);

  it('splits terms and lower-cases them', () => {
    expect(terms('  Foo  bar ')).toEqual(['foo', 'bar']);
    expect(terms('')).toEqual([]);
  });

  it('matches substrings of any text, every term', () => {
    expect(matches(alive, terms('H1.LAB'), 'all')).toBe(true);
    expect(matches(alive, terms('198.18.0.2'), 'all')).toBe(true);
    expect(matches(alive, terms('h1 alive'), 'all')).toBe(true);
    expect(matches(alive, terms('h1 dead'), 'all')).toBe(false);
  });

  it('filters by status', () => {
    expect(matches(alive, [], 'ok')).toBe(true);
    expect(matches(alive, [], 'bad')).toBe(false);
    expect(matches(dead, [], 'bad')).toBe(true);
    expect(matches(dead, [], 'ok')).toBe(false);
  });
});

describe('mergeSorted', () => {
  it('merges two sorted arrays', () => {
    const cmp = (x: number, y: number) => x - y;
    expect(mergeSorted([1, 4, 9], [2, 3, 10], cmp)).toEqual([1, 2, 3, 4, 9, 10]);
    expect(mergeSorted([], [1], cmp)).toEqual([1]);
    expect(mergeSorted([1], [], cmp)).toEqual([1]);
  });
});

describe('TableModel', () => {
  const make = (n: number, offset = 0) =>
    Array.from({ length: n }, (_, i) => {
      const seq = offset + i;
      const rtt = ((seq * 7919) % 1000) / 100;
      const r = seq % 5 === 0 ? deadPing(`10.0.${seq >> 8}.${seq & 255}`) : ping(`10.0.${seq >> 8}.${seq & 255}`, { rtt_ms: { min: rtt, avg: rtt, max: rtt, stddev: 0 } });
      return rowFor(r, seq);
    });

  it('keeps arrival order without a sort', () => {
    const m = new TableModel();
    m.append(make(3));
    m.append(make(2, 3));
    expect(m.view.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives the same view appending in batches as sorting everything at once', () => {
    const all = make(500);
    const streamed = new TableModel();
    streamed.setSort({ col: 7, dir: -1 });
    streamed.setFilter({ text: '10.0.1', status: 'all' });
    for (let i = 0; i < all.length; i += 37) streamed.append(all.slice(i, i + 37));

    const once = new TableModel();
    once.append(all);
    once.setFilter({ text: '10.0.1', status: 'all' });
    once.setSort({ col: 7, dir: -1 });
    expect(streamed.view.map((r) => r.seq)).toEqual(once.view.map((r) => r.seq));
    expect(streamed.view.length).toBeGreaterThan(0);
    expect(streamed.view.every((r) => r.hay.includes('10.0.1'))).toBe(true);
  });

  it('makes a new view array on every change', () => {
    const m = new TableModel();
    m.append(make(2));
    const before = m.view;
    m.append(make(1, 2));
    expect(m.view).not.toBe(before);
  });

  it('drops a row whose seq it already holds', () => {
    const m = new TableModel();
    m.append(make(3));
    m.append(make(3));
    expect(m.rows).toHaveLength(3);
    expect(m.view).toHaveLength(3);
  });

  it('filters by status and returns to everything', () => {
    const m = new TableModel();
    m.append(rows(...make(10)));
    m.setFilter({ text: '', status: 'bad' });
    expect(m.view.map((r) => r.seq)).toEqual([0, 5]);
    m.setFilter({ text: '', status: 'all' });
    expect(m.view).toHaveLength(10);
  });

  it('sorts 10,000 rows and appends a batch quickly', () => {
    const m = new TableModel();
    m.append(make(10_000));
    const t0 = performance.now();
    m.setSort({ col: 7, dir: 1 });
    m.append(make(100, 10_000));
    const ms = performance.now() - t0;
    expect(m.view).toHaveLength(10_100);
    expect(ms).toBeLessThan(1000);
  });
});
