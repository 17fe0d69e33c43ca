// Tests of a run on screen: stored results, then live messages applied per frame.

import { describe, expect, it } from 'vitest';
import { RunSession } from './session';
import { deadPing, ping, snmpDevice, summary } from '../test/results';
import type { RunDetail, RunMessage } from './types';

function detail(over: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 7,
    kind: 'ping',
    status: 'running',
    created_at: 1_000,
    started_at: 2_000,
    finished_at: null,
    targets_text: '10.0.0.1-5',
    options: {},
    net: {},
    source: 'api',
    total: 5,
    done: 2,
    summary: null,
    error: null,
    results: [ping('10.0.0.1'), ping('10.0.0.2')],
    ...over,
  };
}

function setup(d = detail()) {
  const frames: (() => void)[] = [];
  let changes = 0;
  const s = new RunSession(d, () => changes++, (cb) => frames.push(cb));
  return {
    s,
    tick: () => frames.splice(0).forEach((cb) => cb()),
    changes: () => changes,
  };
}

const result = (seq: number, target = `10.0.0.${seq + 1}`): RunMessage => ({
  type: 'result',
  run: 7,
  seq,
  result: seq === 4 ? deadPing(target) : ping(target),
});

describe('RunSession', () => {
  it('counts every device of a topology crawl, past its number of seeds', () => {
    const crawl = detail({ kind: 'snmp', options: { op: 'topology' }, total: 1, done: 0, results: [] });
    const { s, tick } = setup(crawl);
    for (const [seq, target] of ['198.18.0.161', 's2', 's3'].entries())
      s.handle({ type: 'result', run: 7, seq, result: snmpDevice({ target }) });
    tick();
    expect(s.count).toBe(3);
    expect(s.info.done).toBe(3);
  });

  it('starts from the stored results', () => {
    const { s } = setup();
    expect(s.count).toBe(2);
    expect(s.table.view.map((r) => r.seq)).toEqual([0, 1]);
  });

  it('applies a burst of messages in one frame', () => {
    const { s, tick, changes } = setup();
    s.handle(result(2));
    s.handle({ type: 'progress', run: 7, done: 3, total: 5 });
    s.handle(result(3));
    s.handle({ type: 'progress', run: 7, done: 4, total: 5 });
    expect(s.count).toBe(2);
    expect(changes()).toBe(0);
    tick();
    expect(changes()).toBe(1);
    expect(s.count).toBe(4);
    expect(s.info.done).toBe(4);
  });

  it('ignores the replay of stored results a subscription starts with', () => {
    const { s, tick } = setup();
    for (let i = 0; i < 5; i++) s.handle(result(i));
    tick();
    expect(s.count).toBe(5);
    expect(s.table.rows.map((r) => r.result.target)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
    // a reconnect replays everything again
    for (let i = 0; i < 5; i++) s.handle(result(i));
    tick();
    expect(s.count).toBe(5);
  });

  it('finishes with the summary, releasing anything behind a gap', () => {
    const { s, tick } = setup();
    s.handle(result(2));
    s.handle(result(4));
    s.handle({
      type: 'status',
      run: 7,
      status: 'finished',
      summary: summary('ping', { targets: 5, completed: 5, elapsed_ms: 1234.5, cancelled: false }, { alive: 4, dead: 1 }),
    });
    tick();
    expect(s.info.status).toBe('finished');
    expect(s.count).toBe(4);
    expect(s.table.rows.map((r) => r.seq)).toEqual([0, 1, 2, 4]);
    expect(s.info.done).toBe(5);
    expect(s.elapsed(999_999)).toBe(1234.5);
  });

  it('counts elapsed time while running', () => {
    const { s } = setup();
    expect(s.elapsed(5_500)).toBe(3_500);
    const queued = setup(detail({ status: 'queued', started_at: null }));
    expect(queued.s.elapsed(5_000)).toBeNull();
  });

  it('keeps a failure message', () => {
    const { s, tick } = setup();
    s.handle({ type: 'status', run: 7, status: 'failed', error: 'ping needs the CAP_NET_RAW capability' });
    tick();
    expect(s.info.status).toBe('failed');
    expect(s.info.error).toMatch(/CAP_NET_RAW/);
  });

  it("shows the socket's error message", () => {
    const { s, tick } = setup();
    s.handle({ type: 'error', run: 7, message: 'run not found' });
    tick();
    expect(s.info.error).toBe('run not found');
  });

  it('streams 10,000 results in a handful of frames', () => {
    const { s, tick, changes } = setup(detail({ total: 10_000, results: [] }));
    s.table.setSort({ col: 0, dir: -1 });
    for (let i = 0; i < 10_000; i++) {
      s.handle(result(i, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
      if (i % 2500 === 2499) tick();
    }
    expect(changes()).toBe(4);
    expect(s.count).toBe(10_000);
    expect(s.table.view[0].result.target).toBe('10.0.39.15');
  });
});
