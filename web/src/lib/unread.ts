// The unread alert count the top bar shows: asked of GET /api/alerts when the page opens and each
// time the socket (re)connects (events raised while it was down are not replayed), then taken from
// each alert message; marking read sets it from the server's answer.

import { listAlerts, markAlertsRead } from './api';
import { live, type LiveState } from './ws';
import type { AlertList, AlertMessage, AlertQuery, Unread } from './types';

export interface UnreadDeps {
  list: (q: AlertQuery) => Promise<AlertList>;
  markRead: (upTo: number) => Promise<Unread>;
  socket: {
    onAlert(handler: (msg: AlertMessage) => void): () => void;
    onState(fn: (s: LiveState) => void): () => void;
  };
}

export class UnreadCount {
  private count: number | null = null;
  private listeners = new Set<(n: number | null) => void>();
  // bumped by every newer word on the count, so that an answer asked for before it is dropped
  private version = 0;
  private readonly deps: UnreadDeps;

  constructor(deps: UnreadDeps) {
    this.deps = deps;
  }

  /** The count; null until first known. */
  get value(): number | null {
    return this.count;
  }

  /** Calls `fn` with the count now and at each change, until the returned function is called. */
  subscribe(fn: (n: number | null) => void): () => void {
    this.listeners.add(fn);
    fn(this.count);
    return () => {
      this.listeners.delete(fn);
    };
  }

  private set(n: number): void {
    if (n === this.count) return;
    this.count = n;
    this.listeners.forEach((fn) => fn(n));
  }

  /** Asks the server for the count (a failure keeps what was shown). */
  async refresh(): Promise<void> {
    const mine = ++this.version;
    try {
      const r = await this.deps.list({ limit: 1 });
      if (mine === this.version) this.set(r.unread);
    } catch {
      // the badge keeps its count; the next reconnect asks again
    }
  }

  /** Follows the socket's alert messages and reconnects; returns the function that stops it. */
  start(): () => void {
    const offAlert = this.deps.socket.onAlert((m) => {
      this.version++;
      this.set(m.unread);
    });
    const offState = this.deps.socket.onState((s) => {
      if (s === 'open') void this.refresh();
    });
    void this.refresh();
    return () => {
      offAlert();
      offState();
    };
  }

  /** Marks every event up to `upTo` read. */
  async markRead(upTo: number): Promise<void> {
    const mine = ++this.version;
    const r = await this.deps.markRead(upTo);
    if (mine === this.version) this.set(r.unread);
  }

  /** Marks every event read: up to the newest there is (nothing is sent when none is unread). */
  async markAllRead(): Promise<void> {
    const mine = ++this.version;
    const r = await this.deps.list({ limit: 1 });
    const newest = r.events[0]?.id;
    if (!r.unread || newest === undefined || newest <= r.read) {
      if (mine === this.version) this.set(r.unread);
      return;
    }
    await this.markRead(newest);
  }
}

let shared: UnreadCount | null = null;
/** The page's count, over its socket and the REST API. */
export function unread(): UnreadCount {
  if (!shared) shared = new UnreadCount({ list: listAlerts, markRead: markAlertsRead, socket: live() });
  return shared;
}
