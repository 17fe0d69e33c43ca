// Tests of the virtual list window math.

import { describe, expect, it } from 'vitest';
import { keyTarget, scrollToRow, windowFor } from './virtual';

describe('windowFor', () => {
  it('renders the visible rows plus overscan at the top', () => {
    const w = windowFor({ scrollTop: 0, viewportHeight: 220, rowHeight: 22, count: 10_000, overscan: 5 });
    expect(w).toEqual({ start: 0, end: 16, offset: 0, height: 220_000 });
  });

  it('moves with the scroll position', () => {
    const w = windowFor({ scrollTop: 22 * 1000 + 5, viewportHeight: 220, rowHeight: 22, count: 10_000, overscan: 5 });
    expect(w.start).toBe(995);
    expect(w.end).toBe(1016);
    expect(w.offset).toBe(995 * 22);
  });

  it('keeps a small window for a huge list', () => {
    const w = windowFor({ scrollTop: 500_000, viewportHeight: 800, rowHeight: 22, count: 1_000_000 });
    expect(w.end - w.start).toBeLessThan(60);
  });

  it('clamps past the end (a list that shrank under a scrolled view)', () => {
    const w = windowFor({ scrollTop: 100_000, viewportHeight: 220, rowHeight: 22, count: 50, overscan: 2 });
    expect(w.end).toBe(50);
    expect(w.start).toBe(38);
    expect(w.height).toBe(1100);
  });

  it('renders everything when it all fits', () => {
    const w = windowFor({ scrollTop: 0, viewportHeight: 1000, rowHeight: 22, count: 7 });
    expect([w.start, w.end]).toEqual([0, 7]);
  });

  it('handles an empty list and a zero viewport', () => {
    expect(windowFor({ scrollTop: 0, viewportHeight: 500, rowHeight: 22, count: 0 })).toEqual({
      start: 0,
      end: 0,
      offset: 0,
      height: 0,
    });
    const w = windowFor({ scrollTop: 0, viewportHeight: 0, rowHeight: 22, count: 100, overscan: 0 });
    expect(w.end - w.start).toBe(1);
  });

  it('clamps a negative scrollTop (overscroll bounce)', () => {
    const w = windowFor({ scrollTop: -50, viewportHeight: 100, rowHeight: 20, count: 100, overscan: 0 });
    expect(w.start).toBe(0);
  });
});

describe('scrollToRow', () => {
  it('scrolls up to a row above the view', () => {
    expect(scrollToRow(2, 220, 220, 22)).toBe(44);
  });
  it('scrolls down just enough for a row below the view', () => {
    expect(scrollToRow(20, 0, 220, 22)).toBe(21 * 22 - 220);
  });
  it('leaves a visible row alone', () => {
    expect(scrollToRow(5, 0, 220, 22)).toBe(0);
  });
});

describe('keyTarget', () => {
  it('moves by one, by a page, to the ends, and clears', () => {
    expect(keyTarget('ArrowDown', -1, 10, 4)).toBe(0);
    expect(keyTarget('ArrowUp', -1, 10, 4)).toBe(9);
    expect(keyTarget('ArrowDown', 9, 10, 4)).toBe(9);
    expect(keyTarget('PageDown', 2, 10, 4)).toBe(6);
    expect(keyTarget('PageUp', 2, 10, 4)).toBe(0);
    expect(keyTarget('Home', 5, 10, 4)).toBe(0);
    expect(keyTarget('End', 5, 10, 4)).toBe(9);
    expect(keyTarget('Escape', 5, 10, 4)).toBe('clear');
    expect(keyTarget('a', 5, 10, 4)).toBeNull();
    expect(keyTarget('ArrowDown', -1, 0, 4)).toBeNull();
  });
});
