// One WebSocket for the page: subscriptions per run, capture watches, alert events (every socket
// gets them: no subscription), received traps (watched while someone listens), reconnection with
// backoff, and re-subscription after a reconnect (the server then replays each run from seq 0;
// SeqBuffer drops what is already held).

import { apiUrl } from './api';
import { withToken } from './auth';
import type { AlertMessage, CaptureMessage, ClientMessage, RunMessage, ServerMessage, TrapsMessage } from './types';

export type LiveState = 'idle' | 'connecting' | 'open' | 'closed';

/** Delay before reconnect attempt `attempt` (0-based): 250 ms doubling to 10 s, with ±20% jitter. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 250 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** ws:// or wss:// (by the page's protocol) for the API's WebSocket, with the token when set. */
export function wsUrl(pageUrl: string = apiUrl('api/ws')): string {
  const u = new URL(pageUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  return withToken(u.toString());
}

interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

export interface LiveOptions {
  url?: () => string;
  create?: (url: string) => SocketLike;
  setTimer?: (cb: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  random?: () => number;
}

type Handler = (msg: RunMessage) => void;
type CaptureHandler = (msg: CaptureMessage) => void;
type AlertHandler = (msg: AlertMessage) => void;
type TrapsHandler = (msg: TrapsMessage) => void;
const OPEN = 1;

export class LiveSocket {
  private socket: SocketLike | null = null;
  private handlers = new Map<number, Set<Handler>>();
  private watchers = new Map<number, Set<CaptureHandler>>();
  private alertHandlers = new Set<AlertHandler>();
  private trapHandlers = new Set<TrapsHandler>();
  private stateListeners = new Set<(s: LiveState) => void>();
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;
  state: LiveState = 'idle';
  private readonly opts: Required<LiveOptions>;

  constructor(opts: LiveOptions = {}) {
    this.opts = {
      url: opts.url ?? (() => wsUrl()),
      create: opts.create ?? ((url) => new WebSocket(url) as unknown as SocketLike),
      setTimer: opts.setTimer ?? ((cb, ms) => setTimeout(cb, ms)),
      clearTimer: opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)),
      random: opts.random ?? Math.random,
    };
  }

  /** Receives the run's messages until the returned function is called. Connects on first use. */
  subscribe(run: number, handler: Handler): () => void {
    let set = this.handlers.get(run);
    const first = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(run, set);
    }
    set.add(handler);
    this.stopped = false;
    if (first) this.send({ type: 'subscribe', run });
    if (!this.socket && this.timer === null) this.connect();
    return () => {
      const s = this.handlers.get(run);
      if (!s) return;
      s.delete(handler);
      if (!s.size) {
        this.handlers.delete(run);
        this.send({ type: 'unsubscribe', run });
      }
    };
  }

  /**
   * Receives a capture's statistics (once a second while it runs, once after it stops) until
   * the returned function is called. Re-sent after a reconnect, as run subscriptions are.
   */
  watch(capture: number, handler: CaptureHandler): () => void {
    let set = this.watchers.get(capture);
    const first = !set;
    if (!set) {
      set = new Set();
      this.watchers.set(capture, set);
    }
    set.add(handler);
    this.stopped = false;
    if (first) this.send({ type: 'watch', capture });
    if (!this.socket && this.timer === null) this.connect();
    return () => {
      const s = this.watchers.get(capture);
      if (!s) return;
      s.delete(handler);
      if (!s.size) {
        this.watchers.delete(capture);
        this.send({ type: 'unwatch', capture });
      }
    };
  }

  /**
   * Receives every alert event as the server raises it (with the unread count after it) until the
   * returned function is called. Connects on first use. Events raised while the socket was down
   * are not replayed: a listener asks the REST API again when the state is `open` once more.
   */
  onAlert(handler: AlertHandler): () => void {
    this.alertHandlers.add(handler);
    this.stopped = false;
    if (!this.socket && this.timer === null) this.connect();
    return () => {
      this.alertHandlers.delete(handler);
    };
  }

  /**
   * Receives the traps the server's receiver takes in (oldest first, at most 4 messages a second;
   * `skipped`: at least that many more arrived than a message carried) until the returned function
   * is called. The first listener watches them, the last one leaving stops; re-sent after a
   * reconnect. Traps received while the socket was down are not replayed.
   */
  onTraps(handler: TrapsHandler): () => void {
    const first = !this.trapHandlers.size;
    this.trapHandlers.add(handler);
    this.stopped = false;
    if (first) this.send({ type: 'watch_traps' });
    if (!this.socket && this.timer === null) this.connect();
    return () => {
      if (!this.trapHandlers.delete(handler) || this.trapHandlers.size) return;
      this.send({ type: 'unwatch_traps' });
    };
  }

  onState(fn: (s: LiveState) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  /** Closes for good (tests, page teardown). */
  close(): void {
    this.stopped = true;
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close();
    }
    this.setState('closed');
  }

  private setState(s: LiveState): void {
    this.state = s;
    this.stateListeners.forEach((fn) => fn(s));
  }

  private send(msg: ClientMessage): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.timer = null;
    if (this.stopped) return;
    this.setState('connecting');
    let s: SocketLike;
    try {
      s = this.opts.create(this.opts.url());
    } catch {
      this.retry();
      return;
    }
    this.socket = s;
    s.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const run of this.handlers.keys()) this.send({ type: 'subscribe', run });
      for (const capture of this.watchers.keys()) this.send({ type: 'watch', capture });
      if (this.trapHandlers.size) this.send({ type: 'watch_traps' });
    };
    s.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'capture') {
        const c = msg;
        this.watchers.get(c.id)?.forEach((h) => h(c));
        return;
      }
      if (msg.type === 'alert') {
        const a = msg;
        this.alertHandlers.forEach((h) => h(a));
        return;
      }
      if (msg.type === 'traps') {
        const t = msg;
        this.trapHandlers.forEach((h) => h(t));
        return;
      }
      const m = msg;
      // a capture's error (an unknown capture) is nothing a run's page shows
      if (m.type === 'error' && typeof m.capture === 'number') return;
      if (typeof m.run === 'number') {
        this.handlers.get(m.run)?.forEach((h) => h(m));
      } else {
        this.handlers.forEach((set) => set.forEach((h) => h(m)));
      }
    };
    s.onerror = () => {
      // a close event follows
    };
    s.onclose = () => {
      this.socket = null;
      this.setState('closed');
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped || this.timer !== null) return;
    const delay = backoff(this.attempt++, this.opts.random);
    this.timer = this.opts.setTimer(() => this.connect(), delay);
  }
}

let shared: LiveSocket | null = null;
/** The page's socket. */
export function live(): LiveSocket {
  if (!shared) shared = new LiveSocket();
  return shared;
}
