// Tests of the terminal's WebSocket protocol and session state machine.

import { describe, expect, it } from 'vitest';
import {
  closedLine,
  connectErrors,
  connectFormFrom,
  emptyConnectForm,
  openMessage,
  parseTerminalMessage,
  sessionTitle,
  TerminalSession,
  watcherNames,
  WatchSession,
  type TerminalSocket,
} from './terminal';

const FP = 'SHA256:VmS1Qm0k2vC9zJbq3Yb3m4x0oQ4lWw3v6kq0m8s2zrE';
const KEY = { algorithm: 'ssh-ed25519', fingerprint: FP, added: false };

/** A WebSocket the test drives: what the page sent, and server frames pushed by hand. */
class FakeSocket implements TerminalSocket {
  readyState = 0;
  binaryType = 'blob';
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  sent: (string | Uint8Array)[] = [];
  closed = false;
  url = '';
  send(data: string | Uint8Array) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  text(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  binary(text: string) {
    this.onmessage?.({ data: new TextEncoder().encode(text).buffer });
  }
  serverClose() {
    this.readyState = 3;
    this.onclose?.({});
  }
  json(i: number) {
    return JSON.parse(String(this.sent[i]));
  }
}

function start(form = { ...emptyConnectForm(), target: '198.18.0.122', user: 'wsl-pw', password: 'pw', netns: 'wsl-c' }) {
  const sock = new FakeSocket();
  const out: string[] = [];
  let changes = 0;
  const s = new TerminalSession(openMessage(form, 80, 24), {
    url: 'ws://x/api/ssh/terminal',
    create: (url) => {
      sock.url = url;
      return sock;
    },
    output: (b) => out.push(new TextDecoder().decode(b)),
    change: () => changes++,
  });
  return { s, sock, out, changes: () => changes };
}

describe('the connect form', () => {
  it('builds the open message, the password only without a profile', () => {
    const f = { ...emptyConnectForm(), target: ' 198.18.0.122 ', port: '', user: 'wsl-pw', password: 'pw', jump: '', netns: 'wsl-c' };
    expect(openMessage(f, 80, 24)).toEqual({ type: 'open', target: '198.18.0.122', port: 22, user: 'wsl-pw', password: 'pw', netns: 'wsl-c', cols: 80, rows: 24 });
    const p = { ...f, profile: 'lab', password: 'left over', user: '', port: '2222', jump: 'admin@198.18.0.123:22' };
    expect(openMessage(p, 120, 40)).toEqual({
      type: 'open',
      target: '198.18.0.122',
      port: 2222,
      user: '',
      profile: 'lab',
      jump: 'admin@198.18.0.123:22',
      netns: 'wsl-c',
      cols: 120,
      rows: 40,
    });
  });

  it('says what is missing', () => {
    expect(connectErrors(emptyConnectForm())).toEqual({ target: 'an address or a name', user: 'a user (or pick a profile)' });
    // no password and no profile: the device's own login prompts are relayed
    expect(connectErrors({ ...emptyConnectForm(), target: 'h', user: 'wsl-kbd' })).toEqual({});
    expect(openMessage({ ...emptyConnectForm(), target: 'h', user: 'wsl-kbd' }, 80, 24)).toEqual({ type: 'open', target: 'h', port: 22, user: 'wsl-kbd', cols: 80, rows: 24 });
    expect(connectErrors({ ...emptyConnectForm(), target: 'h', profile: 'lab' })).toEqual({});
    expect(connectErrors({ ...emptyConnectForm(), target: 'a b', profile: 'lab', port: '70000', jump: 'x y' })).toEqual({
      target: 'one host',
      port: '1-65535',
      jump: '[user@]host[:port]',
    });
  });

  it('fills from the address, never a password', () => {
    const f = connectFormFrom({ target: '198.18.0.161', netns: 'wsl-c', password: 'nope', user: 'admin', other: 'x' });
    expect(f).toEqual({ ...emptyConnectForm(), target: '198.18.0.161', netns: 'wsl-c', user: 'admin' });
    expect(connectFormFrom({ target: 'b' }, { ...emptyConnectForm(), target: 'a', password: 'typed', user: 'u' })).toEqual({
      ...emptyConnectForm(),
      target: 'b',
      user: 'u',
    });
  });

  it('titles a tab user@target', () => {
    expect(sessionTitle({ user: 'wsl-key', target: '198.18.0.122', port: 22 })).toBe('wsl-key@198.18.0.122');
    expect(sessionTitle({ user: '', profile: 'lab', target: 'h', port: 2222 })).toBe('[lab]@h:2222');
    expect(closedLine('exit')).toBe('[session closed: exit]');
  });
});

describe('server messages', () => {
  it('are checked', () => {
    expect(parseTerminalMessage(JSON.stringify({ type: 'host_key', status: 'unknown', host: 'h:22', algorithm: 'ssh-ed25519', fingerprint: FP }))).toEqual({
      type: 'host_key',
      status: 'unknown',
      host: 'h:22',
      algorithm: 'ssh-ed25519',
      fingerprint: FP,
    });
    expect(parseTerminalMessage('{"type":"host_key","host":"h"}')).toBeNull();
    expect(parseTerminalMessage('nope')).toBeNull();
    expect(parseTerminalMessage('{"type":"other"}')).toBeNull();
    expect(parseTerminalMessage('{"type":"ready","recording":7,"host_key":{"algorithm":"ssh-ed25519","fingerprint":"' + FP + '","added":true},"auth":"password","idle_timeout_s":900}')).toEqual({
      type: 'ready',
      recording: 7,
      host_key: { algorithm: 'ssh-ed25519', fingerprint: FP, added: true },
      auth: 'password',
      idle_timeout_s: 900,
    });
    expect(parseTerminalMessage('{"type":"ready","recording":7,"host_key":null,"auth":"password","idle_timeout_s":900}')).toBeNull();
    expect(parseTerminalMessage('{"type":"closed","reason":"exit","status":0}')).toEqual({ type: 'closed', reason: 'exit', status: 0 });
    expect(parseTerminalMessage('{"type":"closed","reason":"gone"}')).toEqual({ type: 'closed', reason: 'server', status: null });
  });

  it('keep the old and new keys of a changed host key', () => {
    const m = parseTerminalMessage(
      JSON.stringify({
        type: 'error',
        code: 'host_key_changed',
        message: 'HOST KEY CHANGED',
        algorithm: 'ssh-ed25519',
        fingerprint: 'SHA256:new',
        known: [{ algorithm: 'ssh-ed25519', fingerprint: 'SHA256:old', file: '/k', line: 3 }],
      }),
    );
    expect(m).toEqual({
      type: 'error',
      code: 'host_key_changed',
      message: 'HOST KEY CHANGED',
      algorithm: 'ssh-ed25519',
      fingerprint: 'SHA256:new',
      known: [{ algorithm: 'ssh-ed25519', fingerprint: 'SHA256:old', file: '/k', line: 3 }],
    });
  });
});

describe('login prompts', () => {
  it('are parsed', () => {
    const m = {
      type: 'auth_prompt',
      name: 'RADIUS',
      instructions: 'Answer the challenge',
      prompts: [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Username hint: ', echo: true },
      ],
    };
    expect(parseTerminalMessage(JSON.stringify(m))).toEqual(m);
    expect(parseTerminalMessage('{"type":"auth_prompt","name":"","instructions":"","prompts":[]}')).toEqual({ type: 'auth_prompt', name: '', instructions: '', prompts: [] });
  });

  it('keep one question per entry, a malformed one as a blank secret', () => {
    expect(parseTerminalMessage('{"type":"auth_prompt","prompts":[{"prompt":"Code: ","echo":"yes"},7,{"echo":true}]}')).toEqual({
      type: 'auth_prompt',
      name: '',
      instructions: '',
      prompts: [
        { prompt: 'Code: ', echo: false },
        { prompt: '', echo: false },
        { prompt: '', echo: true },
      ],
    });
    expect(parseTerminalMessage('{"type":"auth_prompt","name":"x"}')).toBeNull();
    expect(parseTerminalMessage('{"type":"auth_prompt","prompts":{"prompt":"P"}}')).toBeNull();
  });
});

describe('TerminalSession', () => {
  it('goes connecting → host-key prompt → ready → closed', () => {
    const { s, sock, out } = start();
    expect(sock.url).toBe('ws://x/api/ssh/terminal');
    expect(sock.binaryType).toBe('arraybuffer');
    expect(s.phase).toBe('connecting');
    sock.open();
    expect(sock.json(0)).toEqual({ type: 'open', target: '198.18.0.122', port: 22, user: 'wsl-pw', password: 'pw', netns: 'wsl-c', cols: 80, rows: 24 });

    sock.text({ type: 'host_key', status: 'unknown', host: '198.18.0.122:22', algorithm: 'ssh-ed25519', fingerprint: FP });
    expect(s.phase).toBe('host_key');
    expect(s.prompt?.fingerprint).toBe(FP);
    s.input('typed too early');
    expect(sock.sent).toHaveLength(1);
    s.acceptHostKey();
    expect(sock.json(1)).toEqual({ type: 'accept_host_key', fingerprint: FP });
    expect(s.phase).toBe('connecting');
    expect(s.accepted).toBe(FP);

    sock.text({ type: 'ready', recording: 12, host_key: { algorithm: 'ssh-ed25519', fingerprint: FP, added: true }, auth: 'password', idle_timeout_s: 900 });
    expect(s.phase).toBe('ready');
    expect(s.ready?.recording).toBe(12);
    sock.binary('$ ');
    expect(out).toEqual(['$ ']);
    s.input('echo héllo\r');
    const bytes = sock.sent[2];
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes as Uint8Array)).toBe('echo héllo\r');
    s.input('\x03');
    expect(Array.from(sock.sent[3] as Uint8Array)).toEqual([3]);

    sock.text({ type: 'closed', reason: 'exit', status: 0 });
    expect(s.phase).toBe('closed');
    expect(s.closed).toEqual({ type: 'closed', reason: 'exit', status: 0 });
    sock.serverClose();
    expect(s.phase).toBe('closed');
    s.input('x');
    expect(sock.sent).toHaveLength(4);
  });

  it('sends a resize only when ready and the size changed, and the latest size with open', () => {
    const { s, sock } = start();
    s.resize(100, 30);
    sock.open();
    expect(sock.json(0)).toMatchObject({ cols: 100, rows: 30 });
    s.resize(120, 40);
    expect(sock.sent).toHaveLength(1);
    sock.text({ type: 'ready', recording: 1, host_key: KEY, auth: 'publickey', idle_timeout_s: 900 });
    // the size changed while connecting: sent as soon as the session is ready
    expect(sock.json(1)).toEqual({ type: 'resize', cols: 120, rows: 40 });
    s.resize(120, 40);
    expect(sock.sent).toHaveLength(2);
    s.resize(90, 20);
    expect(sock.json(2)).toEqual({ type: 'resize', cols: 90, rows: 20 });
    s.resize(0, 0);
    expect(sock.sent).toHaveLength(3);
  });

  it('closes the socket when the prompt is cancelled', () => {
    const { s, sock } = start();
    sock.open();
    sock.text({ type: 'host_key', status: 'unknown', host: 'h:22', algorithm: 'ssh-ed25519', fingerprint: FP });
    s.cancelHostKey();
    expect(sock.closed).toBe(true);
    expect(s.phase).toBe('closed');
    expect(s.prompt).toBeNull();
    expect(sock.sent).toHaveLength(1);
  });

  it('fails on an error message, keeping it to show', () => {
    const { s, sock } = start();
    sock.open();
    sock.text({ type: 'error', code: 'host_key_changed', message: 'refused', algorithm: 'ssh-ed25519', fingerprint: 'SHA256:new', known: [] });
    expect(s.phase).toBe('failed');
    expect(s.error?.code).toBe('host_key_changed');
    sock.serverClose();
    expect(s.phase).toBe('failed');
    expect(s.error?.code).toBe('host_key_changed');
  });

  it('fails when the socket closes before the session is ready, and closes when it drops after', () => {
    const a = start();
    a.sock.open();
    a.sock.serverClose();
    expect(a.s.phase).toBe('failed');
    expect(a.s.error?.code).toBe('disconnected');

    const b = start();
    b.sock.open();
    b.sock.text({ type: 'ready', recording: 2, host_key: KEY, auth: 'password', idle_timeout_s: 900 });
    b.sock.serverClose();
    expect(b.s.phase).toBe('closed');
    expect(b.s.closed?.reason).toBe('disconnected');
  });

  it('closes from this side', () => {
    const { s, sock, changes } = start();
    sock.open();
    sock.text({ type: 'ready', recording: 1, host_key: KEY, auth: 'password', idle_timeout_s: 900 });
    const before = changes();
    s.close();
    expect(sock.closed).toBe(true);
    expect(s.phase).toBe('closed');
    expect(s.closed?.reason).toBe('closed here');
    expect(changes()).toBe(before + 1);
  });

  it('relays login prompts: a password, then a code, interleaved with the host-key prompt', () => {
    const { s, sock, changes } = start({ ...emptyConnectForm(), target: '198.18.0.122', user: 'wsl-kbd', netns: 'wsl-c' });
    sock.open();
    expect(sock.json(0)).toEqual({ type: 'open', target: '198.18.0.122', port: 22, user: 'wsl-kbd', netns: 'wsl-c', cols: 80, rows: 24 });
    sock.text({ type: 'host_key', status: 'unknown', host: '198.18.0.122:22', algorithm: 'ssh-ed25519', fingerprint: FP });
    s.acceptHostKey();

    sock.text({ type: 'auth_prompt', name: '', instructions: '', prompts: [{ prompt: 'Password: ', echo: false }] });
    expect(s.phase).toBe('auth_prompt');
    expect(s.authPrompt?.prompts).toEqual([{ prompt: 'Password: ', echo: false }]);
    s.input('typed too early');
    s.acceptHostKey();
    s.cancelHostKey();
    expect(sock.sent).toHaveLength(2);
    expect(s.phase).toBe('auth_prompt');

    const before = changes();
    s.answerAuth(['wsl-kbd-Secret-9']);
    expect(sock.sent[2]).toBe('{"type":"auth_response","responses":["wsl-kbd-Secret-9"]}');
    expect(s.phase).toBe('connecting');
    expect(s.authPrompt).toBeNull();
    expect(s.authAnswered).toBe(1);
    expect(changes()).toBe(before + 1);
    // answered once only
    s.answerAuth(['again']);
    s.cancelAuth();
    expect(sock.sent).toHaveLength(3);

    sock.text({ type: 'auth_prompt', name: 'Two-factor', instructions: 'Enter the code from your token.', prompts: [{ prompt: 'Verification code: ', echo: true }] });
    expect(s.phase).toBe('auth_prompt');
    expect(s.authPrompt?.name).toBe('Two-factor');
    s.answerAuth(['123456']);
    expect(sock.json(3)).toEqual({ type: 'auth_response', responses: ['123456'] });
    expect(s.authAnswered).toBe(2);

    sock.text({ type: 'ready', recording: 3, host_key: { algorithm: 'ssh-ed25519', fingerprint: FP, added: true }, auth: 'keyboard-interactive', idle_timeout_s: 900 });
    expect(s.phase).toBe('ready');
    s.input('id -un\r');
    expect(new TextDecoder().decode(sock.sent[4] as Uint8Array)).toBe('id -un\r');
  });

  it('answers one string per question, in order', () => {
    const { s, sock } = start();
    sock.open();
    sock.text({
      type: 'auth_prompt',
      name: '',
      instructions: '',
      prompts: [
        { prompt: 'A: ', echo: true },
        { prompt: 'B: ', echo: false },
      ],
    });
    s.answerAuth(['a', 'b', 'extra']);
    expect(sock.json(1)).toEqual({ type: 'auth_response', responses: ['a', 'b'] });
    sock.text({ type: 'auth_prompt', name: '', instructions: '', prompts: [{ prompt: 'A: ', echo: true }, { prompt: 'B: ', echo: false }] });
    s.answerAuth(['only a']);
    expect(sock.json(2)).toEqual({ type: 'auth_response', responses: ['only a', ''] });
  });

  it('answers an empty prompt list with an empty list', () => {
    const { s, sock } = start();
    sock.open();
    sock.text({ type: 'auth_prompt', name: 'Banner', instructions: 'Welcome.', prompts: [] });
    expect(s.phase).toBe('auth_prompt');
    expect(s.authPrompt?.prompts).toEqual([]);
    s.answerAuth([]);
    expect(sock.sent[1]).toBe('{"type":"auth_response","responses":[]}');
    expect(s.phase).toBe('connecting');
  });

  it('cancels a login prompt: responses null, then the socket closes', () => {
    const { s, sock } = start();
    sock.open();
    sock.text({ type: 'auth_prompt', name: '', instructions: '', prompts: [{ prompt: 'Password: ', echo: false }] });
    s.cancelAuth();
    expect(sock.sent[1]).toBe('{"type":"auth_response","responses":null}');
    expect(sock.sent).toHaveLength(2);
    expect(sock.closed).toBe(true);
    expect(s.phase).toBe('closed');
    expect(s.closed?.reason).toBe('login cancelled');
    expect(s.authPrompt).toBeNull();
    s.answerAuth(['late']);
    expect(sock.sent).toHaveLength(2);
  });

  it('tells the server when the tab closes at a login prompt', () => {
    const { s, sock } = start();
    sock.open();
    sock.text({ type: 'auth_prompt', name: '', instructions: '', prompts: [{ prompt: 'Password: ', echo: false }] });
    s.close();
    expect(sock.json(1)).toEqual({ type: 'auth_response', responses: null });
    expect(sock.closed).toBe(true);
    expect(s.phase).toBe('closed');
  });

  it('fails with the server\'s auth error after a wrong answer, or when the socket drops at a prompt', () => {
    const a = start();
    a.sock.open();
    a.sock.text({ type: 'auth_prompt', name: '', instructions: '', prompts: [{ prompt: 'Password: ', echo: false }] });
    a.s.answerAuth(['wrong']);
    a.sock.text({ type: 'error', code: 'auth', message: 'authentication failed' });
    expect(a.s.phase).toBe('failed');
    expect(a.s.error?.code).toBe('auth');

    const b = start();
    b.sock.open();
    b.sock.text({ type: 'auth_prompt', name: '', instructions: '', prompts: [{ prompt: 'Password: ', echo: false }] });
    b.sock.serverClose();
    expect(b.s.phase).toBe('failed');
    expect(b.s.error?.code).toBe('disconnected');
    expect(b.s.authPrompt).toBeNull();
  });
});

describe('sharing a terminal', () => {
  it('parses the audience, watching and resize messages, refusing malformed ones', () => {
    expect(parseTerminalMessage('{"type":"audience","shared":true,"watchers":[{"name":"bob","since":5},{"since":1},7]}')).toEqual({
      type: 'audience',
      shared: true,
      watchers: [{ name: 'bob', since: 5 }],
    });
    expect(parseTerminalMessage('{"type":"audience","watchers":[]}')).toBeNull();
    expect(parseTerminalMessage('{"type":"watching","recording":4,"owner":"ann","target":"r@h:22","cols":80,"rows":24}')).toEqual({
      type: 'watching',
      recording: 4,
      owner: 'ann',
      target: 'r@h:22',
      cols: 80,
      rows: 24,
    });
    expect(parseTerminalMessage('{"type":"watching","recording":4,"owner":"ann","cols":80,"rows":24}')).toBeNull();
    expect(parseTerminalMessage('{"type":"resize","cols":100,"rows":30}')).toEqual({ type: 'resize', cols: 100, rows: 30 });
    expect(parseTerminalMessage('{"type":"resize","cols":0,"rows":30}')).toBeNull();
  });

  it('names each watcher once', () => {
    expect(watcherNames(null)).toEqual([]);
    expect(
      watcherNames({
        watchers: [
          { name: 'bob', since: 1 },
          { name: 'carol', since: 2 },
          { name: 'bob', since: 3 },
        ],
      }),
    ).toEqual(['bob', 'carol']);
  });

  it('the owner shares only when ready, and keeps the audience the server reports', () => {
    const { s, sock } = start();
    sock.open();
    s.share(true);
    expect(sock.sent.length).toBe(1);
    sock.text({ type: 'ready', recording: 3, host_key: KEY, auth: 'password', idle_timeout_s: 900 });
    s.share(true);
    expect(sock.json(1)).toEqual({ type: 'share', shared: true });
    sock.text({ type: 'audience', shared: true, watchers: [{ name: 'bob', since: 1 }] });
    expect(s.audience?.watchers.map((w) => w.name)).toEqual(['bob']);
    sock.text({ type: 'closed', reason: 'exit', status: 0 });
    expect(s.audience).toBeNull();
  });

  function watch() {
    const sock = new FakeSocket();
    const screen: string[] = [];
    const sizes: string[] = [];
    const w = new WatchSession(4, {
      url: 'ws://x/api/ssh/terminals/4/watch',
      create: (url) => {
        sock.url = url;
        return sock;
      },
      reset: (c, r) => {
        screen.length = 0;
        sizes.push(`reset ${c}x${r}`);
      },
      output: (b) => screen.push(new TextDecoder().decode(b)),
      resize: (c, r) => sizes.push(`${c}x${r}`),
      change: () => {},
    });
    return { w, sock, screen, sizes };
  }

  it('a watcher gets the screen so far, the live output and resizes, and starts over when resent', () => {
    const { w, sock, screen, sizes } = watch();
    sock.open();
    sock.binary('ignored before watching');
    sock.text({ type: 'watching', recording: 4, owner: 'ann', target: 'r@h:22', cols: 80, rows: 24 });
    sock.binary('$ before\r\n');
    sock.text({ type: 'audience', shared: true, watchers: [{ name: 'bob', since: 1 }] });
    sock.binary('$ after\r\n');
    sock.text({ type: 'resize', cols: 100, rows: 30 });
    expect(w.phase).toBe('watching');
    expect(screen.join('')).toBe('$ before\r\n$ after\r\n');
    expect(w.audience?.watchers.length).toBe(1);
    expect(w.watching?.cols).toBe(100);
    sock.text({ type: 'watching', recording: 4, owner: 'ann', target: 'r@h:22', cols: 100, rows: 30 });
    sock.binary('screen again');
    expect(screen.join('')).toBe('screen again');
    expect(sizes).toEqual(['reset 80x24', '100x30', 'reset 100x30']);
    expect(sock.sent).toEqual([]);
    sock.text({ type: 'closed', reason: 'exit', status: null });
    expect(w.phase).toBe('closed');
  });

  it('a watcher turned away or cut off says why', () => {
    const a = watch();
    a.sock.text({ type: 'error', code: 'not_shared', message: 'this terminal is not shared' });
    expect([a.w.phase, a.w.error?.code]).toEqual(['failed', 'not_shared']);
    a.sock.serverClose();
    expect(a.w.error?.code).toBe('not_shared');
    const b = watch();
    b.sock.text({ type: 'watching', recording: 4, owner: 'ann', target: 't', cols: 80, rows: 24 });
    b.sock.serverClose();
    expect([b.w.phase, b.w.closed?.reason]).toEqual(['closed', 'disconnected']);
    const c = watch();
    c.sock.serverClose();
    expect([c.w.phase, c.w.error?.code]).toEqual(['failed', 'disconnected']);
  });
});
