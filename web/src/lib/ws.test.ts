// Tests of the page's WebSocket: URLs, backoff, routing of messages (runs, captures, alerts,
// traps), re-subscription.

import { afterEach, describe, expect, it } from 'vitest';
import { setToken } from './auth';
import { LiveSocket, backoff, wsUrl } from './ws';
import type { AlertMessage, ServerMessage, TrapsMessage } from './types';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  deliver(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

function harness() {
  FakeSocket.all = [];
  const timers: { cb: () => void; ms: number }[] = [];
  const live = new LiveSocket({
    url: () => 'ws://h/api/ws',
    create: (u) => new FakeSocket(u),
    setTimer: (cb, ms) => timers.push({ cb, ms }),
    clearTimer: () => {},
    random: () => 0.5,
  });
  return { live, timers, last: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

describe('backoff', () => {
  it('doubles from 250 ms up to 10 s, with jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10, 50].map((a) => backoff(a, mid))).toEqual([250, 500, 1000, 2000, 10_000, 10_000]);
    expect(backoff(0, () => 0)).toBe(200);
    expect(backoff(0, () => 1)).toBe(300);
  });
});

describe('wsUrl', () => {
  afterEach(() => setToken(null));
  it('follows the page protocol and carries the token', () => {
    expect(wsUrl('http://127.0.0.1:7878/api/ws')).toBe('ws://127.0.0.1:7878/api/ws');
    expect(wsUrl('https://scope.example/prefix/api/ws#/runs/1')).toBe('wss://scope.example/prefix/api/ws');
    setToken('XYZ');
    expect(wsUrl('http://h/api/ws')).toBe('ws://h/api/ws?token=XYZ');
  });
});

describe('LiveSocket', () => {
  it('connects on the first subscription and subscribes once open', () => {
    const { live, last } = harness();
    live.subscribe(7, () => {});
    const s = last();
    expect(s.url).toBe('ws://h/api/ws');
    expect(s.sent).toEqual([]);
    s.open();
    expect(s.sent).toEqual([{ type: 'subscribe', run: 7 }]);
    live.subscribe(8, () => {});
    expect(s.sent).toEqual([
      { type: 'subscribe', run: 7 },
      { type: 'subscribe', run: 8 },
    ]);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("routes messages to the run's handlers", () => {
    const { live, last } = harness();
    const got7: ServerMessage[] = [];
    const got8: ServerMessage[] = [];
    live.subscribe(7, (m) => got7.push(m));
    live.subscribe(8, (m) => got8.push(m));
    last().open();
    last().deliver({ type: 'progress', run: 7, done: 1, total: 5 });
    last().deliver({ type: 'status', run: 8, status: 'finished' });
    last().onmessage?.({ data: 'not json' });
    expect(got7).toEqual([{ type: 'progress', run: 7, done: 1, total: 5 }]);
    expect(got8).toEqual([{ type: 'status', run: 8, status: 'finished' }]);
  });

  it("routes a run's error to it, one of the socket to every run, one of a capture to none", () => {
    const { live, last } = harness();
    const got7: ServerMessage[] = [];
    const got8: ServerMessage[] = [];
    live.subscribe(7, (m) => got7.push(m));
    live.subscribe(8, (m) => got8.push(m));
    last().open();
    last().deliver({ type: 'error', run: 7, capture: null, message: 'run not found' });
    last().deliver({ type: 'error', run: null, capture: 3, message: 'capture not found' });
    last().deliver({ type: 'error', run: null, capture: null, message: 'bad message' });
    expect(got7.map((m) => m.type === 'error' && m.message)).toEqual(['run not found', 'bad message']);
    expect(got8.map((m) => m.type === 'error' && m.message)).toEqual(['bad message']);
  });

  it('reconnects with growing backoff and subscribes again', () => {
    const { live, timers, last } = harness();
    const states: string[] = [];
    live.onState((s) => states.push(s));
    live.subscribe(7, () => {});
    last().drop();
    expect(timers.map((t) => t.ms)).toEqual([250]);
    timers[0].cb();
    last().drop();
    expect(timers.map((t) => t.ms)).toEqual([250, 500]);
    timers[1].cb();
    const s = last();
    s.open();
    expect(FakeSocket.all).toHaveLength(3);
    expect(s.sent).toEqual([{ type: 'subscribe', run: 7 }]);
    // a good connection resets the backoff
    s.drop();
    expect(timers[2].ms).toBe(250);
    expect(states).toContain('open');
    expect(states[states.length - 1]).toBe('closed');
  });

  it('unsubscribes when the last handler of a run leaves', () => {
    const { live, last } = harness();
    const off1 = live.subscribe(7, () => {});
    const off2 = live.subscribe(7, () => {});
    last().open();
    off1();
    expect(last().sent).toEqual([{ type: 'subscribe', run: 7 }]);
    off2();
    expect(last().sent).toEqual([
      { type: 'subscribe', run: 7 },
      { type: 'unsubscribe', run: 7 },
    ]);
  });

  it('stops for good when closed', () => {
    const { live, timers, last } = harness();
    live.subscribe(1, () => {});
    live.close();
    expect(last().readyState).toBe(3);
    expect(timers).toHaveLength(0);
  });

  it('watches captures beside run subscriptions, routes their messages, re-watches after a reconnect', () => {
    const { live, timers, last } = harness();
    const runMsgs: ServerMessage[] = [];
    const caps: number[] = [];
    live.subscribe(7, (m) => runMsgs.push(m));
    const off = live.watch(3, (m) => caps.push(m.frames));
    last().open();
    expect(last().sent).toEqual([
      { type: 'subscribe', run: 7 },
      { type: 'watch', capture: 3 },
    ]);
    last().deliver({ type: 'capture', id: 3, frames: 40, kept: 40, interfaces: [], damage: null, report: null, capture: {} });
    last().deliver({ type: 'capture', id: 4, frames: 1, kept: 1, interfaces: [], damage: null, report: null, capture: {} });
    last().deliver({ type: 'progress', run: 7, done: 1, total: 2 });
    expect(caps).toEqual([40]);
    expect(runMsgs).toEqual([{ type: 'progress', run: 7, done: 1, total: 2 }]);
    last().drop();
    timers[0].cb();
    last().open();
    expect(last().sent).toEqual([
      { type: 'subscribe', run: 7 },
      { type: 'watch', capture: 3 },
    ]);
    off();
    expect(last().sent[2]).toEqual({ type: 'unwatch', capture: 3 });
  });
  it('gives alert messages to every alert listener and to no run, connecting for them alone', () => {
    const { live, last } = harness();
    const a: AlertMessage[] = [];
    const b: number[] = [];
    const runMsgs: ServerMessage[] = [];
    const offA = live.onAlert((m) => a.push(m));
    // an alert listener alone opens the socket, and subscribes to nothing
    expect(FakeSocket.all).toHaveLength(1);
    live.onAlert((m) => b.push(m.unread));
    live.subscribe(7, (m) => runMsgs.push(m));
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', run: 7 }]);
    const event = {
      id: 12,
      suite_id: 3,
      suite: 'core',
      rule: 'down',
      preset: 'down',
      target: '198.18.0.1',
      kind: 'firing',
      at: 1,
      run_id: 40,
      summary: '198.18.0.1 is down',
      evidence: { result: 'all 3 echoes lost' },
      silenced: null,
      deliveries: [],
    };
    last().deliver({ type: 'alert', event, unread: 4 });
    expect(a).toEqual([{ type: 'alert', event, unread: 4 }]);
    expect(b).toEqual([4]);
    expect(runMsgs).toEqual([]);
    offA();
    last().deliver({ type: 'alert', event: { ...event, id: 13 }, unread: 5 });
    expect(a).toHaveLength(1);
    expect(b).toEqual([4, 5]);
  });

  it('keeps alert listeners across a reconnect', () => {
    const { live, timers, last } = harness();
    const got: number[] = [];
    live.onAlert((m) => got.push(m.event.id));
    last().open();
    last().drop();
    expect(timers.map((t) => t.ms)).toEqual([250]);
    timers[0].cb();
    const s = last();
    s.open();
    expect(FakeSocket.all).toHaveLength(2);
    expect(s.sent).toEqual([]);
    s.deliver({
      type: 'alert',
      event: { id: 2, suite_id: 1, suite: 's', rule: 'r', preset: 'down', target: 't', kind: 'resolved', at: 0, summary: '', evidence: {}, deliveries: [] },
      unread: 0,
    });
    expect(got).toEqual([2]);
  });

  const trap = (id: number) => ({
    id,
    time: '2026-05-28T20:26:40.123Z',
    source: '198.18.0.161',
    port: 40000,
    version: '2c',
    pdu: 'trap',
    oid: '.1.3.6.1.6.3.1.1.5.3',
    name: 'IF-MIB::linkDown',
    uptime: 12345,
    varbinds: [],
  });

  it('watches traps for the first listener, unwatches after the last, and routes them to no run', () => {
    const { live, last } = harness();
    const a: TrapsMessage[] = [];
    const b: number[] = [];
    const runMsgs: ServerMessage[] = [];
    live.subscribe(7, (m) => runMsgs.push(m));
    const offA = live.onTraps((m) => a.push(m));
    const offB = live.onTraps((m) => b.push(m.skipped));
    last().open();
    expect(last().sent).toEqual([{ type: 'subscribe', run: 7 }, { type: 'watch_traps' }]);
    const msg = { type: 'traps', traps: [trap(1), trap(2)], skipped: 3 };
    last().deliver(msg);
    expect(a).toEqual([msg]);
    expect(b).toEqual([3]);
    expect(runMsgs).toEqual([]);
    offA();
    offA();
    expect(last().sent).toHaveLength(2);
    offB();
    expect(last().sent[2]).toEqual({ type: 'unwatch_traps' });
    last().deliver(msg);
    expect(a).toHaveLength(1);
    // a new first listener watches again
    live.onTraps(() => {});
    expect(last().sent[3]).toEqual({ type: 'watch_traps' });
  });

  it('connects for a trap listener alone and watches again after a reconnect', () => {
    const { live, timers, last } = harness();
    const got: number[] = [];
    const off = live.onTraps((m) => got.push(...m.traps.map((t) => t.id ?? 0)));
    expect(FakeSocket.all).toHaveLength(1);
    last().open();
    expect(last().sent).toEqual([{ type: 'watch_traps' }]);
    last().drop();
    timers[0].cb();
    const s = last();
    s.open();
    expect(s.sent).toEqual([{ type: 'watch_traps' }]);
    s.deliver({ type: 'traps', traps: [trap(5)], skipped: 0 });
    expect(got).toEqual([5]);
    off();
    s.drop();
    timers[1].cb();
    last().open();
    expect(last().sent).toEqual([]);
  });
});
