// Tests of target histories' pure logic: letters, paths and their changed hops, port sets, DNS answers, time spans, a suite's scan targets.

import { describe, expect, it } from 'vitest';
import {
  answerHistory,
  historyRows,
  hopText,
  isSingleTarget,
  letter,
  pathHistory,
  portHistory,
  readPath,
  runsText,
  scanTargets,
  spanText,
} from './history';
import { historyKind, type HistoryEntry, type RunSpec } from './types';

const MIN = 60_000;
const T0 = new Date(2024, 10, 21, 12, 0, 0).getTime();

/** Entries as the server lists them: newest first; `at` in minutes after T0. */
function entry(value: Record<string, unknown>, at: number, runs = 1, lastRun: number | null = null): HistoryEntry {
  return { value, first_seen: T0 + at * MIN, last_seen: T0 + (at + runs - 1) * MIN, runs, last_run: lastRun };
}

const path = (reached: boolean, hops: Record<string, string[]>) => ({ reached, hops });
const pathA = path(true, { '1': ['10.0.0.1'], '2': ['10.1.0.1'], '3': ['192.0.2.9'] });
const pathB = path(true, { '1': ['10.0.0.1'], '2': ['10.2.0.1'], '3': ['192.0.2.9'] });

describe('letter', () => {
  it('goes A to Z, then AA', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 99].map(letter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'CV']);
  });
});

describe('pathHistory', () => {
  it('is empty for an empty history', () => {
    expect(pathHistory([])).toEqual([]);
    expect(portHistory([])).toEqual([]);
    expect(answerHistory([])).toEqual([]);
    expect(historyRows('trace', [])).toEqual([]);
  });

  it('gives a path that comes back the letter it had', () => {
    // oldest A (5 runs), then B (2 runs), then A again (3 runs, the newest)
    const rows = pathHistory([entry(pathA, 7, 3, 41), entry(pathB, 5, 2, 38), entry(pathA, 0, 5, 36)]);
    expect(rows.map((r) => r.label)).toEqual(['A', 'B', 'A']);
    expect(rows.map((r) => r.again)).toEqual([true, false, false]);
    expect(rows.map((r) => r.prevLabel)).toEqual(['B', 'A', null]);
    expect(rows.map((r) => r.current)).toEqual([true, false, false]);
    expect(rows.map((r) => r.runs)).toEqual([3, 2, 5]);
    expect(rows[0].lastRun).toBe(41);
    expect(rows[0].firstSeen).toBe(T0 + 7 * MIN);
    expect(rows[0].lastSeen).toBe(T0 + 9 * MIN);
    // keys tell the two A entries apart
    expect(new Set(rows.map((r) => r.key)).size).toBe(3);
  });

  it('marks the hops that differ from the previous (older) path', () => {
    const [back, b, a] = pathHistory([entry(pathA, 7), entry(pathB, 5), entry(pathA, 0)]);
    expect(a.hops.map((h) => h.changed)).toEqual([false, false, false]);
    expect(a.hops.every((h) => h.before === null && h.beforeText === '')).toBe(true);
    expect(a.changes).toBe(0);
    expect(b.hops.map((h) => [h.ttl, h.text, h.beforeText, h.changed])).toEqual([
      [1, '10.0.0.1', '10.0.0.1', false],
      [2, '10.2.0.1', '10.1.0.1', true],
      [3, '192.0.2.9', '192.0.2.9', false],
    ]);
    expect(b.changes).toBe(1);
    expect(back.hops.filter((h) => h.changed).map((h) => h.ttl)).toEqual([2]);
    expect(b.reached && !b.reachedChanged).toBe(true);
  });

  it('joins ECMP alternates at one TTL with " | ", whatever their order', () => {
    const ecmp = path(true, { '1': ['10.0.0.1'], '2': ['10.2.0.1', '10.1.0.1'], '3': ['192.0.2.9'] });
    const same = path(true, { '1': ['10.0.0.1'], '2': ['10.1.0.1', '10.2.0.1'], '3': ['192.0.2.9'] });
    const rows = pathHistory([entry(same, 9), entry(pathB, 5), entry(ecmp, 0)]);
    expect(rows[2].compact.map((h) => h.text)).toEqual(['10.0.0.1', '10.1.0.1 | 10.2.0.1', '192.0.2.9']);
    expect(rows[2].hops[1].addrs).toEqual(['10.1.0.1', '10.2.0.1']);
    // the same set of alternates is the same path
    expect(rows.map((r) => r.label)).toEqual(['A', 'B', 'A']);
    expect(rows[0].hops[1]).toMatchObject({ ttl: 2, before: ['10.2.0.1'], beforeText: '10.2.0.1', changed: true });
    expect(hopText([])).toBe('*');
  });

  it('spans TTLs that did not answer, and TTLs only the previous path had', () => {
    const short = path(false, { '1': ['10.0.0.1'], '3': ['10.3.0.1'] });
    const [s, a] = pathHistory([entry(short, 5), entry(pathA, 0)]);
    expect(s.reached).toBe(false);
    expect(s.reachedChanged).toBe(true);
    expect(s.label).toBe('B');
    expect(s.hops.map((h) => [h.ttl, h.text, h.changed, h.own])).toEqual([
      [1, '10.0.0.1', false, true],
      [2, '*', true, true],
      [3, '10.3.0.1', true, true],
    ]);
    const longer = path(true, { '1': ['10.0.0.1'], '2': ['10.1.0.1'], '3': ['192.0.2.9'], '4': ['192.0.2.10'] });
    const [l] = pathHistory([entry(pathA, 5), entry(longer, 0)]);
    expect(l.hops.map((h) => [h.ttl, h.text, h.changed, h.own])).toEqual([
      [1, '10.0.0.1', false, true],
      [2, '10.1.0.1', false, true],
      [3, '192.0.2.9', false, true],
      [4, '*', true, false],
    ]);
    expect(l.compact.map((h) => h.ttl)).toEqual([1, 2, 3]);
    expect(a.compact.length).toBe(3);
  });

  it('reads TTLs numerically (the server keys them as text) and tells reached apart', () => {
    const p = readPath({ reached: true, hops: { '10': ['b'], '2': ['a'], x: ['c'], '3': [] } });
    expect([...p.hops.keys()]).toEqual([2, 10]);
    const rows = pathHistory([entry(path(false, pathA.hops), 5), entry(pathA, 0)]);
    expect(rows.map((r) => r.label)).toEqual(['B', 'A']);
    expect(rows[0].changes).toBe(0);
    expect(pathHistory([entry({}, 0)])[0]).toMatchObject({ reached: false, hops: [], compact: [] });
  });
});

describe('portHistory', () => {
  it('lists the ports opened and closed against the previous set', () => {
    const rows = portHistory([entry({ open: [22, 443, 8080] }, 10, 1), entry({ open: [80, 22, 443] }, 5, 4), entry({ open: [22, 80, 443] }, 0, 2)]);
    // 80,22,443 and 22,80,443 are the same set: the same letter, and a new entry only for the server
    expect(rows.map((r) => r.label)).toEqual(['B', 'A', 'A']);
    expect(rows[0]).toMatchObject({ kind: 'scan', open: [22, 443, 8080], added: [8080], removed: [80], prevLabel: 'A', current: true });
    expect(rows[1]).toMatchObject({ open: [22, 80, 443], added: [], removed: [] });
    expect(rows[2]).toMatchObject({ added: [], removed: [], prevLabel: null });
    expect(portHistory([entry({ open: [] }, 0)])[0].open).toEqual([]);
  });
});

describe('answerHistory', () => {
  it('tells an NXDOMAIN from the answers before it', () => {
    const rows = answerHistory([
      entry({ rcode: 'NOERROR', answers: ['192.0.2.1'] }, 20),
      entry({ rcode: 'NXDOMAIN', answers: [] }, 10, 3),
      entry({ rcode: 'NOERROR', answers: ['192.0.2.2', '192.0.2.1'] }, 0, 5),
    ]);
    expect(rows.map((r) => r.label)).toEqual(['C', 'B', 'A']);
    expect(rows[2]).toMatchObject({ kind: 'dns', rcode: 'NOERROR', answers: ['192.0.2.1', '192.0.2.2'], added: [], removed: [], prevRcode: null });
    expect(rows[1]).toMatchObject({ rcode: 'NXDOMAIN', answers: [], added: [], removed: ['192.0.2.1', '192.0.2.2'], prevRcode: 'NOERROR' });
    expect(rows[0]).toMatchObject({ rcode: 'NOERROR', added: ['192.0.2.1'], removed: [], prevRcode: 'NXDOMAIN', current: true });
    expect(answerHistory([entry({}, 0)])[0]).toMatchObject({ rcode: '?', answers: [] });
  });
});

describe('historyRows', () => {
  it('reads each kind its way', () => {
    expect(historyRows('scan', [entry({ open: [22] }, 0)])[0].kind).toBe('scan');
    expect(historyRows('dns', [entry({ rcode: 'NOERROR', answers: [] }, 0)])[0].kind).toBe('dns');
    expect(historyRows('trace', [entry(pathA, 0)])[0].kind).toBe('trace');
    expect(historyKind('trace')).toBe('trace');
    expect(historyKind('ping')).toBeNull();
  });
});

describe('spanText', () => {
  it('gives one time, or first – last with the day once', () => {
    expect(spanText(T0, T0)).toBe('2024-11-21 12:00:00');
    expect(spanText(T0, T0 + 90 * MIN)).toBe('2024-11-21 12:00:00 – 13:30:00');
    expect(spanText(T0, T0 + 24 * 60 * MIN)).toBe('2024-11-21 12:00:00 – 2024-11-22 12:00:00');
    expect(runsText(1)).toBe('1 run');
    expect(runsText(12)).toBe('12 runs');
  });
});

describe('scanTargets', () => {
  it('tells single targets from ranges and blocks', () => {
    expect(['192.0.2.1', 'example.com', 'my-host.lab', '2001:db8::1', '[2001:db8::1]', 'r1'].every(isSingleTarget)).toBe(true);
    expect(['10.0.0.0/24', '10.0.0.1-20', '10.0.0.1-10.0.0.9', '2001:db8::1-2001:db8::9', '2001:db8::/120', ''].some(isSingleTarget)).toBe(false);
  });

  it('lists the inline targets of scan runs, each once, blocks set aside', () => {
    const runs: RunSpec[] = [
      { kind: 'scan', targets: '192.0.2.1, web.lab\n10.0.0.0/30 # the lab\n# 192.0.2.99\n192.0.2.1-3  Web.lab' },
      { kind: 'ping', targets: 'ping.only' },
      { kind: 'scan', targets_file: '/etc/wirescope/hosts' },
      { kind: 'scan', topology_run: 4 },
      { kind: 'scan', targets: 'db.lab,,192.0.2.1' },
    ];
    expect(scanTargets(runs)).toEqual({
      targets: ['192.0.2.1', 'web.lab', 'db.lab'],
      skipped: ['10.0.0.0/30', '192.0.2.1-3'],
      elsewhere: 2,
    });
    expect(scanTargets([])).toEqual({ targets: [], skipped: [], elsewhere: 0 });
  });
});
