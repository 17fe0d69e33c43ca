// A run as the Run view sees it: the stored part loaded over REST, then the live tail from the
// WebSocket, with messages applied once per animation frame.

import { FrameBatcher, frameScheduler, type Scheduler } from './batcher';
import { rowFor } from './columns';
import { SeqBuffer } from './seq';
import { TableModel } from './table';
import type { ProbeResult, RunDetail, RunInfo, RunMessage } from './types';
import { isActive, isTopologyRun } from './types';

export class RunSession {
  info: RunInfo;
  readonly table = new TableModel();
  private readonly seq = new SeqBuffer<ProbeResult>();
  private readonly batcher: FrameBatcher<RunMessage>;
  private readonly onChange: () => void;
  /** Local time the run was seen to start, when the server gave no started_at. */
  private seenStart: number | null = null;

  constructor(detail: RunDetail, onChange: () => void, schedule: Scheduler = frameScheduler) {
    const { results, ...info } = detail;
    this.info = info;
    this.onChange = onChange;
    this.batcher = new FrameBatcher((msgs) => this.apply(msgs), schedule);
    this.table.append(results.map((r, i) => rowFor(r, i)));
    this.seq.seed(results.length);
  }

  /** Results held (the table's data-count). */
  get count(): number {
    return this.table.rows.length;
  }

  /** Queues a WebSocket message for the next frame. */
  handle(msg: RunMessage): void {
    this.batcher.push(msg);
  }

  /** Applies what is queued now (tests; the frame does it otherwise). */
  flush(): void {
    this.batcher.flush();
  }

  dispose(): void {
    this.batcher.dispose();
  }

  /** Milliseconds the run has taken (so far, when `now` is given and it is still going). */
  elapsed(now: number): number | null {
    const i = this.info;
    if (i.summary && typeof i.summary.elapsed_ms === 'number' && !isActive(i.status)) return i.summary.elapsed_ms;
    const start = i.started_at ?? this.seenStart;
    if (start === null) return null;
    if (i.finished_at) return Math.max(0, i.finished_at - start);
    if (isActive(i.status)) return Math.max(0, now - start);
    return null;
  }

  private apply(msgs: RunMessage[]): void {
    const ready: [number, ProbeResult][] = [];
    let changed = false;
    for (const m of msgs) {
      switch (m.type) {
        case 'result':
          for (const x of this.seq.accept(m.seq, m.result)) ready.push(x);
          break;
        case 'progress':
          if (m.done >= this.info.done || m.total !== this.info.total) {
            this.info = { ...this.info, done: m.done, total: m.total };
            changed = true;
          }
          break;
        case 'status': {
          const next: RunInfo = { ...this.info, status: m.status };
          if (m.summary) next.summary = m.summary;
          if (m.error) next.error = m.error;
          if (m.status === 'running' && !next.started_at) this.seenStart = Date.now();
          if (!isActive(m.status)) {
            for (const x of this.seq.drain()) ready.push(x);
            if (!next.finished_at) next.finished_at = Date.now();
            if (m.summary) next.done = Math.max(next.done, m.summary.completed);
          }
          this.info = next;
          changed = true;
          break;
        }
        case 'error':
          this.info = { ...this.info, error: m.message };
          changed = true;
          break;
      }
    }
    if (ready.length) {
      this.table.append(ready.map(([seq, r]) => rowFor(r, seq)));
      if (this.seq.next > this.info.done && isActive(this.info.status)) {
        // a topology crawl reads more devices than it had seeds
        const cap = isTopologyRun(this.info) ? this.seq.next : this.info.total || this.seq.next;
        this.info = { ...this.info, done: Math.min(this.seq.next, cap) };
      }
      changed = true;
    }
    if (changed) this.onChange();
  }
}
