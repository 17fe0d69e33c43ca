// Collects items that arrive between two frames and hands them over once per animation frame, so
// a burst of WebSocket messages costs one render, not one per message.

export type Scheduler = (cb: () => void) => unknown;

export const frameScheduler: Scheduler = (cb) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => cb()) : setTimeout(cb, 16);

export class FrameBatcher<T> {
  private buf: T[] = [];
  private scheduled = false;
  private disposed = false;
  private readonly onFlush: (items: T[]) => void;
  private readonly schedule: Scheduler;

  constructor(onFlush: (items: T[]) => void, schedule: Scheduler = frameScheduler) {
    this.onFlush = onFlush;
    this.schedule = schedule;
  }

  push(item: T): void {
    if (this.disposed) return;
    this.buf.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Items waiting for the next frame. */
  get pending(): number {
    return this.buf.length;
  }

  /** Hands over what is buffered now (also called by the scheduled frame). */
  flush(): void {
    this.scheduled = false;
    if (this.disposed || !this.buf.length) return;
    const items = this.buf;
    this.buf = [];
    this.onFlush(items);
  }

  dispose(): void {
    this.disposed = true;
    this.buf = [];
  }
}
