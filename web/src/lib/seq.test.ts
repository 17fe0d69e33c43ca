// Tests of the per-run seq buffer: ordering and de-duplication of streamed results.

import { describe, expect, it } from 'vitest';
import { SeqBuffer } from './seq';

describe('SeqBuffer', () => {
  it('passes results through in order', () => {
    const s = new SeqBuffer<string>();
    expect(s.accept(0, 'a')).toEqual([[0, 'a']]);
    expect(s.accept(1, 'b')).toEqual([[1, 'b']]);
    expect(s.next).toBe(2);
  });

  it('ignores seqs already held (a replay after reconnecting)', () => {
    const s = new SeqBuffer<string>();
    s.accept(0, 'a');
    s.accept(1, 'b');
    expect(s.accept(0, 'a')).toEqual([]);
    expect(s.accept(1, 'b')).toEqual([]);
    expect(s.accept(2, 'c')).toEqual([[2, 'c']]);
  });

  it('skips what the REST load already gave', () => {
    const s = new SeqBuffer<string>();
    s.seed(3);
    expect(s.accept(0, 'x')).toEqual([]);
    expect(s.accept(2, 'x')).toEqual([]);
    expect(s.accept(3, 'd')).toEqual([[3, 'd']]);
  });

  it('holds an early result until the gap fills, then releases in order', () => {
    const s = new SeqBuffer<string>();
    expect(s.accept(2, 'c')).toEqual([]);
    expect(s.accept(1, 'b')).toEqual([]);
    expect(s.waiting).toBe(2);
    expect(s.accept(2, 'c')).toEqual([]); // duplicate of a waiting one
    expect(s.accept(0, 'a')).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(s.waiting).toBe(0);
    expect(s.next).toBe(3);
  });

  it('releases waiting results when seeded past the gap', () => {
    const s = new SeqBuffer<string>();
    s.accept(3, 'd');
    s.seed(3);
    expect(s.next).toBe(4);
  });

  it('drains what waits behind a gap that will never fill', () => {
    const s = new SeqBuffer<string>();
    s.accept(0, 'a');
    s.accept(4, 'e');
    s.accept(2, 'c');
    expect(s.drain()).toEqual([
      [2, 'c'],
      [4, 'e'],
    ]);
    expect(s.next).toBe(5);
    expect(s.accept(4, 'e')).toEqual([]);
  });

  it('ignores a malformed seq', () => {
    const s = new SeqBuffer<string>();
    expect(s.accept(Number.NaN, 'x')).toEqual([]);
    expect(s.accept(-1, 'x')).toEqual([]);
    expect(s.accept(1.5, 'x')).toEqual([]);
  });
});
