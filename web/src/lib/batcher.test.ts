// Tests of the frame batcher: messages applied once per animation frame.

import { describe, expect, it } from 'vitest';
import { FrameBatcher } from './batcher';

function manualFrames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (cb: () => void) => queue.push(cb),
    get scheduled() {
      return queue.length;
    },
    tick() {
      const cbs = queue.splice(0);
      cbs.forEach((cb) => cb());
    },
  };
}

describe('FrameBatcher', () => {
  it('hands over everything pushed before a frame in one call', () => {
    const frames = manualFrames();
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((items) => flushed.push(items), frames.schedule);
    for (let i = 0; i < 1000; i++) b.push(i);
    expect(frames.scheduled).toBe(1);
    expect(b.pending).toBe(1000);
    expect(flushed).toHaveLength(0);
    frames.tick();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toHaveLength(1000);
    expect(flushed[0][999]).toBe(999);
    expect(b.pending).toBe(0);
  });

  it('schedules a new frame for items after a flush', () => {
    const frames = manualFrames();
    const flushed: string[][] = [];
    const b = new FrameBatcher<string>((items) => flushed.push(items), frames.schedule);
    b.push('a');
    frames.tick();
    b.push('b');
    b.push('c');
    expect(frames.scheduled).toBe(1);
    frames.tick();
    expect(flushed).toEqual([['a'], ['b', 'c']]);
  });

  it('does nothing in a frame with nothing buffered', () => {
    const frames = manualFrames();
    let calls = 0;
    const b = new FrameBatcher<number>(() => calls++, frames.schedule);
    b.push(1);
    b.flush();
    frames.tick();
    expect(calls).toBe(1);
  });

  it('drops everything once disposed', () => {
    const frames = manualFrames();
    let calls = 0;
    const b = new FrameBatcher<number>(() => calls++, frames.schedule);
    b.push(1);
    b.dispose();
    frames.tick();
    b.push(2);
    frames.tick();
    expect(calls).toBe(0);
  });
});
