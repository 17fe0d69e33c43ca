// Orders a run's results by their WebSocket seq: duplicates (a replay after a reconnect, or
// results already loaded over REST) are dropped, and anything that arrives early waits for the gap.

export class SeqBuffer<T> {
  /** The next seq expected: also how many results are held. */
  next = 0;
  private early = new Map<number, T>();

  /** Marks seqs 0..count-1 as held (results loaded with the run). */
  seed(count: number): void {
    if (count > this.next) this.next = count;
    for (const k of [...this.early.keys()]) if (k < this.next) this.early.delete(k);
    this.release([]);
  }

  /** Takes one message; returns the results now ready as [seq, item], in order (often just this one). */
  accept(seq: number, item: T): [number, T][] {
    if (!Number.isInteger(seq) || seq < this.next || this.early.has(seq)) return [];
    if (seq !== this.next) {
      this.early.set(seq, item);
      return [];
    }
    this.next++;
    return this.release([[seq, item]]);
  }

  /** Results waiting behind a gap. */
  get waiting(): number {
    return this.early.size;
  }

  /** Gives up on gaps (the run ended): everything waiting, in seq order. */
  drain(): [number, T][] {
    const keys = [...this.early.keys()].sort((a, b) => a - b);
    const out = keys.map((k): [number, T] => [k, this.early.get(k) as T]);
    this.early.clear();
    if (keys.length) this.next = keys[keys.length - 1] + 1;
    return out;
  }

  private release(out: [number, T][]): [number, T][] {
    while (this.early.has(this.next)) {
      out.push([this.next, this.early.get(this.next) as T]);
      this.early.delete(this.next);
      this.next++;
    }
    return out;
  }
}
