// The SSH terminal's WebSocket protocol (/api/ssh/terminal): the connect form and the "open"
// message built from it, the server's messages checked, and one session as a state machine:
// connecting → (host-key prompt | login prompt → connecting)* → ready → closed, or failed;
// terminal bytes go both ways as binary frames, window sizes as "resize" messages.

import { closeReasonValues } from './api.gen';
import { apiUrl } from './api';
import { defaults } from './defaults.gen';
import type {
  AudienceEvent,
  AuthPromptEvent,
  ClosedEvent,
  CloseReason,
  HostKeyEvent,
  OpenRequest,
  ReadyEvent,
  TerminalErrorEvent,
  TerminalEvent,
  TerminalRequest,
  WatchingEvent,
} from './types';
import { wsUrl } from './ws';

/**
 * The connect form as typed (the password is kept only by the session that uses it). Without a
 * profile the password may be left empty: the server then relays the device's own login prompts
 * (keyboard-interactive) to the page.
 */
export interface ConnectForm {
  target: string;
  port: string;
  user: string;
  profile: string;
  password: string;
  jump: string;
  netns: string;
}

export function emptyConnectForm(): ConnectForm {
  return { target: '', port: '', user: '', profile: '', password: '', jump: '', netns: '' };
}

const FORM_KEYS = ['target', 'port', 'user', 'profile', 'jump', 'netns'] as const;

/** The form filled from the address (#/terminal?target=…&netns=…); a password never comes from there. */
export function connectFormFrom(params: Record<string, string>, base: ConnectForm = emptyConnectForm()): ConnectForm {
  const f = { ...base, password: '' };
  for (const k of FORM_KEYS) if (typeof params[k] === 'string') f[k] = params[k].trim();
  return f;
}

/** What is missing or wrong in the form, by field. */
export function connectErrors(f: ConnectForm): Record<string, string> {
  const e: Record<string, string> = {};
  if (!f.target.trim()) e.target = 'an address or a name';
  else if (/\s/.test(f.target.trim())) e.target = 'one host';
  const port = f.port.trim();
  if (port && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) e.port = '1-65535';
  if (!f.profile) {
    if (!f.user.trim()) e.user = 'a user (or pick a profile)';
  }
  if (f.jump.trim() && /\s/.test(f.jump.trim())) e.jump = '[user@]host[:port]';
  return e;
}

/** The "open" message as the page sends it: always with its port, user and size. */
export type OpenMessage = Extract<TerminalRequest, { type: 'open' }> & Required<Pick<OpenRequest, 'port' | 'cols' | 'rows'>> & { user: string };

/** The first message of a session: where to, as whom, and the terminal's size. */
export function openMessage(f: ConnectForm, cols: number, rows: number): OpenMessage {
  const m: OpenMessage = {
    type: 'open',
    target: f.target.trim(),
    port: f.port.trim() ? Number(f.port.trim()) : defaults.OpenRequest.port,
    user: f.user.trim(),
    cols,
    rows,
  };
  if (f.profile) m.profile = f.profile;
  if (!f.profile && f.password) m.password = f.password;
  if (f.jump.trim()) m.jump = f.jump.trim();
  if (f.netns.trim()) m.netns = f.netns.trim();
  return m;
}

/** A tab's title: user@target (the profile's name when it gives the user). */
export function sessionTitle(m: Pick<OpenMessage, 'user' | 'profile' | 'target' | 'port'>): string {
  const who = m.user || (m.profile ? `[${m.profile}]` : '');
  const where = m.port && m.port !== defaults.OpenRequest.port ? `${m.target}:${m.port}` : m.target;
  return who ? `${who}@${where}` : where;
}

/**
 * How a session ended, as the tab shows it: the server's close reason, or what ended it on this
 * side (a refused host key or login prompt, the tab closed, the connection lost).
 */
export type SessionEnd = Omit<ClosedEvent, 'reason'> & {
  reason: CloseReason | 'host key not accepted' | 'login cancelled' | 'closed here' | 'disconnected';
};

const isStr = (v: unknown): v is string => typeof v === 'string';
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const isCloseReason = (v: unknown): v is CloseReason => (closeReasonValues as readonly unknown[]).includes(v);

/** A server text message, checked; null for anything that is not one of the protocol's. */
export function parseTerminalMessage(text: string): TerminalEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  switch (o.type) {
    case 'host_key':
      if (!isStr(o.host) || !isStr(o.algorithm) || !isStr(o.fingerprint)) return null;
      return { type: 'host_key', status: 'unknown', host: o.host, algorithm: o.algorithm, fingerprint: o.fingerprint };
    case 'auth_prompt':
      // the answer must have one entry per question, in order: a malformed entry is kept (as a
      // blank secret question) rather than dropped, so the count still matches
      if (!Array.isArray(o.prompts)) return null;
      return {
        type: 'auth_prompt',
        name: isStr(o.name) ? o.name : '',
        instructions: isStr(o.instructions) ? o.instructions : '',
        prompts: o.prompts.map((p) => {
          const q = p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
          return { prompt: isStr(q.prompt) ? q.prompt : '', echo: q.echo === true };
        }),
      };
    case 'error': {
      const e: TerminalErrorEvent = {
        type: 'error',
        code: isStr(o.code) ? o.code : 'error',
        message: isStr(o.message) ? o.message : 'the server refused the session',
      };
      if (isStr(o.host)) e.host = o.host;
      if (isStr(o.algorithm)) e.algorithm = o.algorithm;
      if (isStr(o.fingerprint)) e.fingerprint = o.fingerprint;
      if (Array.isArray(o.known))
        e.known = o.known
          .filter((k): k is Record<string, unknown> => !!k && typeof k === 'object')
          .map((k) => ({
            algorithm: isStr(k.algorithm) ? k.algorithm : '?',
            fingerprint: isStr(k.fingerprint) ? k.fingerprint : '?',
            file: isStr(k.file) ? k.file : '',
            line: numOrNull(k.line) ?? 0,
          }));
      return e;
    }
    case 'ready': {
      const hk = o.host_key && typeof o.host_key === 'object' ? (o.host_key as Record<string, unknown>) : null;
      const recording = numOrNull(o.recording);
      const idle = numOrNull(o.idle_timeout_s);
      if (!hk || !isStr(hk.algorithm) || !isStr(hk.fingerprint) || recording === null || idle === null || !isStr(o.auth)) return null;
      return {
        type: 'ready',
        recording,
        host_key: { algorithm: hk.algorithm, fingerprint: hk.fingerprint, added: hk.added === true },
        auth: o.auth,
        idle_timeout_s: idle,
      };
    }
    case 'closed':
      return { type: 'closed', reason: isCloseReason(o.reason) ? o.reason : 'server', status: numOrNull(o.status) };
    case 'audience':
      if (typeof o.shared !== 'boolean' || !Array.isArray(o.watchers)) return null;
      return {
        type: 'audience',
        shared: o.shared,
        watchers: o.watchers
          .filter((w): w is Record<string, unknown> => !!w && typeof w === 'object' && isStr(w.name))
          .map((w) => ({ name: w.name as string, since: numOrNull(w.since) ?? 0 })),
      };
    case 'watching': {
      const recording = numOrNull(o.recording);
      const cols = numOrNull(o.cols);
      const rows = numOrNull(o.rows);
      if (recording === null || cols === null || rows === null || !isStr(o.owner) || !isStr(o.target)) return null;
      return { type: 'watching', recording, owner: o.owner, target: o.target, cols, rows };
    }
    case 'resize': {
      const cols = numOrNull(o.cols);
      const rows = numOrNull(o.rows);
      if (cols === null || rows === null || cols < 1 || rows < 1) return null;
      return { type: 'resize', cols, rows };
    }
    default:
      return null;
  }
}

/** The line written into the terminal when a session ends. */
export function closedLine(reason: string): string {
  return `[session closed: ${reason}]`;
}

/** The terminal WebSocket's address (same origin, the token in the query as for /api/ws). */
export function terminalUrl(): string {
  return wsUrl(apiUrl('api/ssh/terminal'));
}

/** The address that watches shared terminal `id` (its recording's id). */
export function watchUrl(id: number): string {
  return wsUrl(apiUrl(`api/ssh/terminals/${id}/watch`));
}

/** Who watches, as the toolbar says it: "ann, bob (2)"; the same name twice counts once. */
export function watcherNames(a: Pick<AudienceEvent, 'watchers'> | null): string[] {
  return [...new Set((a?.watchers ?? []).map((w) => w.name))];
}

export type Phase = 'connecting' | 'host_key' | 'auth_prompt' | 'ready' | 'closed' | 'failed';

/** The part of a WebSocket a session uses (a fake one in tests). */
export interface TerminalSocket {
  readyState: number;
  binaryType: string;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string | Uint8Array): void;
  close(): void;
}

export interface SessionOptions {
  url?: string;
  create?: (url: string) => TerminalSocket;
  /** Terminal bytes from the remote. */
  output: (bytes: Uint8Array) => void;
  /** The phase or what the view shows changed. */
  change: () => void;
}

const OPEN = 1;
const encoder = new TextEncoder();

/**
 * One terminal session over its own WebSocket. Keystrokes are sent only once the session is
 * ready; the latest window size goes with "open" and, when it changes, as "resize".
 */
export class TerminalSession {
  phase: Phase = 'connecting';
  /** The unknown host key waiting for Accept or Cancel. */
  prompt: HostKeyEvent | null = null;
  /** The key accepted at the prompt (the server confirms it with "ready"). */
  accepted: string | null = null;
  /** The login questions waiting for answers (phase 'auth_prompt'); the answers are never kept. */
  authPrompt: AuthPromptEvent | null = null;
  /** How many login prompts were answered so far. */
  authAnswered = 0;
  error: TerminalErrorEvent | null = null;
  ready: ReadyEvent | null = null;
  closed: SessionEnd | null = null;
  /** Whether the session is shared read-only, and who watches it. */
  audience: AudienceEvent | null = null;
  private readonly socket: TerminalSocket;
  private readonly opts: SessionOptions;
  private readonly open: OpenMessage;
  private size: { cols: number; rows: number };
  private sent: { cols: number; rows: number };

  constructor(open: OpenMessage, opts: SessionOptions) {
    this.open = open;
    this.opts = opts;
    this.size = { cols: open.cols, rows: open.rows };
    this.sent = { ...this.size };
    const create = opts.create ?? ((url: string) => new WebSocket(url) as unknown as TerminalSocket);
    const s = create(opts.url ?? terminalUrl());
    s.binaryType = 'arraybuffer';
    s.onopen = () => {
      this.sent = { ...this.size };
      this.sendText({ ...this.open, cols: this.size.cols, rows: this.size.rows });
    };
    s.onmessage = (ev) => this.receive(ev.data);
    s.onerror = () => {
      // a close event follows
    };
    s.onclose = () => this.socketClosed();
    this.socket = s;
  }

  /** Trusts the key shown at the prompt: the server records it and goes on. */
  acceptHostKey(): void {
    if (this.phase !== 'host_key' || !this.prompt) return;
    this.accepted = this.prompt.fingerprint;
    this.sendText({ type: 'accept_host_key', fingerprint: this.prompt.fingerprint });
    this.prompt = null;
    this.phase = 'connecting';
    this.opts.change();
  }

  /** Refuses the key shown at the prompt: the socket closes. */
  cancelHostKey(): void {
    if (this.phase !== 'host_key') return;
    this.prompt = null;
    this.end('closed', { type: 'closed', reason: 'host key not accepted', status: null });
  }

  /**
   * Answers the login prompt shown: one string per question, in order (missing ones sent empty,
   * extra ones dropped). The session waits for the server again: another prompt, ready or an error.
   */
  answerAuth(responses: string[]): void {
    if (this.phase !== 'auth_prompt' || !this.authPrompt) return;
    const n = this.authPrompt.prompts.length;
    const answers = Array.from({ length: n }, (_, i) => (typeof responses[i] === 'string' ? responses[i] : ''));
    this.sendText({ type: 'auth_response', responses: answers });
    this.authPrompt = null;
    this.authAnswered++;
    this.phase = 'connecting';
    this.opts.change();
  }

  /** Refuses to answer the login prompt: the server is told (it fails the login) and the socket closes. */
  cancelAuth(): void {
    if (this.phase !== 'auth_prompt') return;
    this.sendText({ type: 'auth_response', responses: null });
    this.authPrompt = null;
    this.end('closed', { type: 'closed', reason: 'login cancelled', status: null });
  }

  /** Keystrokes (and pastes) as xterm gives them. */
  input(data: string): void {
    if (this.phase === 'ready' && this.socket.readyState === OPEN) this.socket.send(encoder.encode(data));
  }

  /** Shares the session read-only with signed-in users, or stops (the server answers "audience"). */
  share(shared: boolean): void {
    if (this.phase === 'ready') this.sendText({ type: 'share', shared });
  }

  /** The terminal's size now; sent when ready and different from what the server has. */
  resize(cols: number, rows: number): void {
    if (!(cols > 0 && rows > 0)) return;
    this.size = { cols, rows };
    this.syncSize();
  }

  /** Ends the session from this side (the tab closes, or the user cancels a connect). */
  close(): void {
    if (this.phase === 'closed' || this.phase === 'failed') {
      this.socket.close();
      return;
    }
    if (this.phase === 'auth_prompt') {
      this.sendText({ type: 'auth_response', responses: null });
      this.authPrompt = null;
    }
    this.end('closed', { type: 'closed', reason: 'closed here', status: null });
  }

  private end(phase: 'closed' | 'failed', closed: SessionEnd | null): void {
    if (closed) this.closed = closed;
    this.phase = phase;
    this.socket.onclose = null;
    this.socket.close();
    this.opts.change();
  }

  private syncSize(): void {
    if (this.phase !== 'ready' || this.socket.readyState !== OPEN) return;
    if (this.size.cols === this.sent.cols && this.size.rows === this.sent.rows) return;
    this.sent = { ...this.size };
    this.sendText({ type: 'resize', cols: this.size.cols, rows: this.size.rows });
  }

  private sendText(msg: TerminalRequest): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(msg));
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.opts.output(new Uint8Array(data));
      return;
    }
    if (ArrayBuffer.isView(data)) {
      this.opts.output(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    if (typeof data !== 'string') return;
    const m = parseTerminalMessage(data);
    if (!m) return;
    switch (m.type) {
      case 'host_key':
        this.prompt = m;
        this.phase = 'host_key';
        break;
      case 'auth_prompt':
        this.authPrompt = m;
        this.phase = 'auth_prompt';
        break;
      case 'ready':
        this.ready = m;
        this.authPrompt = null;
        this.phase = 'ready';
        this.syncSize();
        break;
      case 'error':
        this.error = m;
        this.prompt = null;
        this.authPrompt = null;
        this.phase = 'failed';
        break;
      case 'closed':
        this.closed = m;
        this.authPrompt = null;
        this.audience = null;
        this.phase = 'closed';
        break;
      case 'audience':
        this.audience = m;
        break;
      default:
        return;
    }
    this.opts.change();
  }

  private socketClosed(): void {
    this.socket.onclose = null;
    if (this.phase === 'ready') {
      this.closed = { type: 'closed', reason: 'disconnected', status: null };
      this.phase = 'closed';
    } else if (this.phase === 'connecting' || this.phase === 'host_key' || this.phase === 'auth_prompt') {
      this.prompt = null;
      this.authPrompt = null;
      this.error = {
        type: 'error',
        code: 'disconnected',
        message: 'the connection to the server closed before the session was ready',
      };
      this.phase = 'failed';
    } else {
      return;
    }
    this.opts.change();
  }
}

export type WatchPhase = 'connecting' | 'watching' | 'closed' | 'failed';

export interface WatchOptions {
  url?: string;
  create?: (url: string) => TerminalSocket;
  /** Starts the screen over at this size: the screen so far follows as output. */
  reset: (cols: number, rows: number) => void;
  /** Terminal bytes, as the owner's screen got them. */
  output: (bytes: Uint8Array) => void;
  /** The owner's terminal changed size. */
  resize: (cols: number, rows: number) => void;
  change: () => void;
}

/**
 * Watching someone's shared terminal, read-only: the server sends what it is ("watching"), the
 * screen so far and then the live output, who watches ("audience"), and how it ends. Nothing
 * typed here is sent.
 */
export class WatchSession {
  phase: WatchPhase = 'connecting';
  watching: WatchingEvent | null = null;
  audience: AudienceEvent | null = null;
  error: TerminalErrorEvent | null = null;
  closed: SessionEnd | null = null;
  private readonly socket: TerminalSocket;
  private readonly opts: WatchOptions;

  constructor(id: number, opts: WatchOptions) {
    this.opts = opts;
    const create = opts.create ?? ((url: string) => new WebSocket(url) as unknown as TerminalSocket);
    const s = create(opts.url ?? watchUrl(id));
    s.binaryType = 'arraybuffer';
    s.onmessage = (ev) => this.receive(ev.data);
    s.onclose = () => this.socketClosed();
    this.socket = s;
  }

  /** Stops watching. */
  close(): void {
    this.socket.onclose = null;
    this.socket.close();
    if (this.phase === 'connecting' || this.phase === 'watching') {
      this.closed = { type: 'closed', reason: 'closed here', status: null };
      this.phase = 'closed';
      this.opts.change();
    }
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      if (this.phase === 'watching') this.opts.output(new Uint8Array(data));
      return;
    }
    if (typeof data !== 'string') return;
    const m = parseTerminalMessage(data);
    if (!m) return;
    switch (m.type) {
      case 'watching':
        this.watching = m;
        this.phase = 'watching';
        this.opts.reset(m.cols, m.rows);
        break;
      case 'resize':
        if (this.watching) this.watching = { ...this.watching, cols: m.cols, rows: m.rows };
        this.opts.resize(m.cols, m.rows);
        break;
      case 'audience':
        this.audience = m;
        break;
      case 'closed':
        this.closed = m;
        this.phase = 'closed';
        break;
      case 'error':
        this.error = m;
        this.phase = 'failed';
        break;
      default:
        return;
    }
    this.opts.change();
  }

  private socketClosed(): void {
    this.socket.onclose = null;
    if (this.phase === 'closed' || this.phase === 'failed') return;
    if (this.phase === 'watching') {
      this.closed = { type: 'closed', reason: 'disconnected', status: null };
      this.phase = 'closed';
    } else {
      this.error = { type: 'error', code: 'disconnected', message: 'the connection to the server closed' };
      this.phase = 'failed';
    }
    this.opts.change();
  }
}
