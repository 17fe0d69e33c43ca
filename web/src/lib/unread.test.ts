// Tests of the unread alert count: asked for at start and on each reconnect, taken from alert
// messages, stale answers dropped, marking read.

import { describe, expect, it } from 'vitest';
import { UnreadCount, type UnreadDeps } from './unread';
import type { LiveState } from './ws';
import type { AlertEvent, AlertList, AlertMessage, AlertQuery, Unread } from './types';

function event(id: number): AlertEvent {
  return {
    id,
    suite_id: 1,
    suite: 's',
    rule: 'down',
    preset: 'down',
    target: 't',
    kind: 'firing',
    at: 0,
    summary: '',
    evidence: {},
    deliveries: [],
  };
}

/** A deferred answer. */
function later<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function harness() {
  const lists: { q: AlertQuery; answer: ReturnType<typeof later<AlertList>> }[] = [];
  const marks: { upTo: number; answer: ReturnType<typeof later<Unread>> }[] = [];
  let alertFn: ((m: AlertMessage) => void) | null = null;
  let stateFn: ((s: LiveState) => void) | null = null;
  const deps: UnreadDeps = {
    list: (q) => {
      const answer = later<AlertList>();
      lists.push({ q, answer });
      return answer.promise;
    },
    markRead: (upTo) => {
      const answer = later<Unread>();
      marks.push({ upTo, answer });
      return answer.promise;
    },
    socket: {
      onAlert: (h) => {
        alertFn = h;
        return () => (alertFn = null);
      },
      onState: (fn) => {
        stateFn = fn;
        fn('connecting');
        return () => (stateFn = null);
      },
    },
  };
  const counter = new UnreadCount(deps);
  const seen: (number | null)[] = [];
  counter.subscribe((n) => seen.push(n));
  return {
    counter,
    lists,
    marks,
    seen,
    alert: (id: number, unread: number) => alertFn?.({ type: 'alert', event: event(id), unread }),
    state: (s: LiveState) => stateFn?.(s),
    listening: () => alertFn !== null && stateFn !== null,
  };
}

const list = (unread: number, read = 0, ids: number[] = []): AlertList => ({ events: ids.map(event), unread, read });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the unread count', () => {
  it('is asked for at start, then follows alert messages', async () => {
    const h = harness();
    const stop = h.counter.start();
    expect(h.lists.map((l) => l.q)).toEqual([{ limit: 1 }]);
    h.lists[0].answer.resolve(list(2));
    await flush();
    expect(h.counter.value).toBe(2);
    h.alert(9, 3);
    expect(h.seen).toEqual([null, 2, 3]);
    stop();
    expect(h.listening()).toBe(false);
  });

  it('is asked for again when the socket opens (events raised while it was down are not replayed)', async () => {
    const h = harness();
    h.counter.start();
    h.lists[0].answer.resolve(list(1));
    await flush();
    h.state('open');
    expect(h.lists).toHaveLength(2);
    h.lists[1].answer.resolve(list(4));
    await flush();
    expect(h.counter.value).toBe(4);
  });

  it('drops an answer asked for before a newer message', async () => {
    const h = harness();
    h.counter.start();
    h.alert(5, 7);
    h.lists[0].answer.resolve(list(6));
    await flush();
    expect(h.counter.value).toBe(7);
  });

  it('keeps its count when the server cannot be asked', async () => {
    let fail = false;
    const counter = new UnreadCount({
      list: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(list(2))),
      markRead: () => Promise.reject(new Error('down')),
      socket: { onAlert: () => () => {}, onState: () => () => {} },
    });
    await counter.refresh();
    fail = true;
    await counter.refresh();
    expect(counter.value).toBe(2);
    await expect(counter.markRead(3)).rejects.toThrow('down');
    expect(counter.value).toBe(2);
  });

  it('marks every event read up to the newest, and nothing when none is unread', async () => {
    const h = harness();
    const all = h.counter.markAllRead();
    h.lists[0].answer.resolve(list(3, 4, [9]));
    await flush();
    expect(h.marks.map((m) => m.upTo)).toEqual([9]);
    h.marks[0].answer.resolve({ unread: 0, read: 9 });
    await all;
    expect(h.counter.value).toBe(0);

    const none = h.counter.markAllRead();
    h.lists[1].answer.resolve(list(0, 9, [9]));
    await none;
    expect(h.marks).toHaveLength(1);
  });

  it('marks one event read as it arrives', async () => {
    const h = harness();
    const done = h.counter.markRead(12);
    h.marks[0].answer.resolve({ unread: 0, read: 12 });
    await done;
    expect(h.counter.value).toBe(0);
  });
});
