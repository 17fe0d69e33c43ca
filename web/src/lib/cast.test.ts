// Tests of asciicast parsing, idle limiting and the player's scheduling.

import { describe, expect, it } from 'vitest';
import { CastError, CastPlayer, fmtPlayTime, limitIdle, parseCast, type Clock, type Screen } from './cast';

const HEADER = '{"version":2,"width":80,"height":24,"timestamp":1732190000,"env":{"TERM":"xterm-256color"}}';
const cast = (...lines: string[]) => [HEADER, ...lines].join('\n') + '\n';

describe('parseCast', () => {
  it('reads the header, output and resize events', () => {
    const c = parseCast(cast('[0.5, "o", "$ "]', '[1.25, "o", "echo hello\\r\\n"]', '[2, "r", "100x30"]', '[2.5, "o", "hello\\r\\n"]'));
    expect(c.header).toEqual({ version: 2, width: 80, height: 24, timestamp: 1732190000, env: { TERM: 'xterm-256color' } });
    expect(c.events).toEqual([
      { time: 0.5, type: 'o', data: '$ ' },
      { time: 1.25, type: 'o', data: 'echo hello\r\n' },
      { time: 2, type: 'r', cols: 100, rows: 30 },
      { time: 2.5, type: 'o', data: 'hello\r\n' },
    ]);
    expect(c.duration).toBe(2.5);
  });

  it('keeps events in time order (ties in file order) and skips input and markers', () => {
    const c = parseCast(cast('[1, "o", "b"]', '[0.5, "o", "a"]', '[1, "o", "c"]', '[1.1, "i", "secret"]', '[1.2, "m", "mark"]'));
    expect(c.events.map((e) => (e.type === 'o' ? e.data : ''))).toEqual(['a', 'b', 'c']);
  });

  it('accepts a recording without events and blank lines', () => {
    const c = parseCast(`\n${HEADER}\n\n`);
    expect(c.events).toEqual([]);
    expect(c.duration).toBe(0);
  });

  it('names the line of an error', () => {
    const err = (text: string) => {
      try {
        parseCast(text);
      } catch (e) {
        return e;
      }
      return null;
    };
    const bad = err(cast('[0.1, "o", "ok"]', '[0.2, "o", "broken'));
    expect(bad).toBeInstanceOf(CastError);
    expect((bad as CastError).line).toBe(3);
    expect((bad as CastError).message).toBe('line 3: not JSON');
    expect((err(cast('[0.1, "r", "80by24"]')) as CastError).message).toBe('line 2: a resize is "COLSxROWS", not "80by24"');
    expect((err(cast('{"t": 1}')) as CastError).message).toBe('line 2: an event is [time, code, data]');
    expect((err(cast('[-1, "o", "x"]')) as CastError).line).toBe(2);
    expect((err(cast('["1", "o", "x"]')) as CastError).line).toBe(2);
    expect((err('{"version":1,"width":80,"height":24}\n') as CastError).message).toMatch(/^line 1: asciicast version 1/);
    expect((err('{"version":2,"width":0,"height":24}') as CastError).line).toBe(1);
    expect((err('not json') as CastError).message).toBe('line 1: the header is not JSON');
    expect((err('') as CastError).message).toMatch(/empty recording/);
  });
});

describe('limitIdle', () => {
  it('cuts long pauses to the limit and keeps short ones', () => {
    const ev = parseCast(cast('[1, "o", "a"]', '[1.5, "o", "b"]', '[30, "o", "c"]', '[30.2, "o", "d"]')).events;
    expect(limitIdle(ev, 2).map((e) => e.time)).toEqual([1, 1.5, 3.5, 3.7]);
  });
});

/** A screen that records what it is told, and a clock moved by hand. */
function harness() {
  const log: string[] = [];
  const screen: Screen = {
    write: (d) => log.push(`w:${d}`),
    resize: (c, r) => log.push(`r:${c}x${r}`),
    reset: (c, r) => log.push(`reset:${c}x${r}`),
  };
  let now = 0;
  const timers: { at: number; cb: () => void; id: number }[] = [];
  let ids = 0;
  const clock: Clock = {
    now: () => now,
    setTimer: (cb, ms) => {
      timers.push({ at: now + ms, cb, id: ++ids });
      return ids;
    },
    clearTimer: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  /** Moves the clock, firing timers due on the way, in order. */
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > until) break;
      timers.shift();
      now = t.at;
      t.cb();
    }
    now = until;
  };
  return { log, screen, clock, advance, pending: () => timers.length };
}

const session = () =>
  parseCast(cast('[0.5, "o", "$ "]', '[1, "o", "e"]', '[1, "o", "cho hello\\r\\n"]', '[2, "r", "100x30"]', '[3, "o", "hello\\r\\n"]'));

describe('CastPlayer', () => {
  it('plays the events with their timing, writing what is due together at once', () => {
    const h = harness();
    const p = new CastPlayer(session(), h.screen, h.clock);
    expect(h.log).toEqual(['reset:80x24']);
    p.play();
    expect(h.log).toEqual(['reset:80x24']);
    h.advance(499);
    expect(h.log).toHaveLength(1);
    h.advance(1);
    expect(h.log.slice(1)).toEqual(['w:$ ']);
    h.advance(500);
    expect(h.log.slice(2)).toEqual(['w:echo hello\r\n']);
    h.advance(1000);
    expect(h.log.slice(3)).toEqual(['r:100x30']);
    expect(p.position()).toBe(2);
    h.advance(1000);
    expect(h.log.slice(4)).toEqual(['w:hello\r\n']);
    expect(p.playing).toBe(false);
    expect(p.ended).toBe(true);
    expect(h.pending()).toBe(0);
  });

  it('plays faster at 2x and 4x, and everything at once at instant speed', () => {
    const h = harness();
    const p = new CastPlayer(session(), h.screen, h.clock);
    p.setSpeed(4);
    p.play();
    h.advance(750);
    expect(h.log.at(-1)).toBe('w:hello\r\n');
    expect(p.ended).toBe(true);

    const i = harness();
    const q = new CastPlayer(session(), i.screen, i.clock);
    q.setSpeed(Infinity);
    q.play();
    expect(i.log).toEqual(['reset:80x24', 'w:$ echo hello\r\n', 'r:100x30', 'w:hello\r\n']);
    expect(q.ended).toBe(true);
    expect(q.position()).toBe(3);
  });

  it('changes speed while playing without losing its place', () => {
    const h = harness();
    const p = new CastPlayer(session(), h.screen, h.clock);
    p.play();
    h.advance(1000);
    expect(p.position()).toBe(1);
    p.setSpeed(2);
    h.advance(250);
    expect(p.position()).toBe(1.5);
    expect(h.log.at(-1)).toBe('w:echo hello\r\n');
    h.advance(250);
    expect(h.log.at(-1)).toBe('r:100x30');
  });

  it('pauses and resumes where it was', () => {
    const h = harness();
    const p = new CastPlayer(session(), h.screen, h.clock);
    p.play();
    h.advance(600);
    p.pause();
    expect(p.position()).toBeCloseTo(0.6);
    h.advance(10_000);
    expect(h.log).toEqual(['reset:80x24', 'w:$ ']);
    p.play();
    h.advance(400);
    expect(h.log.at(-1)).toBe('w:echo hello\r\n');
  });

  it('seeks forward by applying what it skips, and back by replaying from a blank screen', () => {
    const h = harness();
    const p = new CastPlayer(session(), h.screen, h.clock);
    p.seek(2.5);
    expect(h.log).toEqual(['reset:80x24', 'w:$ echo hello\r\n', 'r:100x30']);
    expect(p.position()).toBe(2.5);
    p.seek(0.7);
    expect(h.log.slice(3)).toEqual(['reset:80x24', 'w:$ ']);
    p.play();
    h.advance(301);
    expect(h.log.at(-1)).toBe('w:echo hello\r\n');
  });

  it('starts again from the beginning once ended', () => {
    const h = harness();
    const p = new CastPlayer(session(), h.screen, h.clock);
    p.setSpeed(Infinity);
    p.play();
    h.log.length = 0;
    p.play();
    expect(h.log[0]).toBe('reset:80x24');
    expect(h.log.at(-1)).toBe('w:hello\r\n');
  });

  it('tells the view about play, pause and the end', () => {
    const h = harness();
    let changes = 0;
    const p = new CastPlayer(session(), h.screen, h.clock, () => changes++);
    p.play();
    p.pause();
    p.play();
    h.advance(5000);
    expect(changes).toBe(4);
    p.dispose();
  });
});

describe('fmtPlayTime', () => {
  it('shows minutes, seconds and tenths', () => {
    expect(fmtPlayTime(0)).toBe('0:00.0');
    expect(fmtPlayTime(7.36)).toBe('0:07.3');
    expect(fmtPlayTime(725)).toBe('12:05.0');
    expect(fmtPlayTime(3723)).toBe('1:02:03.0');
  });
});
