// Tests of ssh results in words and the links made from them, the ssh form, the SSH views'
// routes and API, and known_hosts lines.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ping, ssh, sshUnknownKey, dns } from '../test/results';
import {
  castUrl,
  deleteRecording,
  formParams,
  getCast,
  listKnownHosts,
  listRecordings,
  recordingsQuery,
  removeKnownHost,
  rerunNeedsSecrets,
} from './api';
import { setToken } from './auth';
import { rowFor } from './columns';
import { buildOptions, emptyValues, OPTION_FIELDS, prefill, visibleFields, withoutSecrets } from './form';
import { countTone } from './format';
import { href, parseRoute } from './router';
import {
  acceptNewKeysHref,
  exitText,
  firstLine,
  knownHostTarget,
  outputPreview,
  sshStatus,
  terminalHref,
  terminalParams,
  unknownHostKey,
  unknownKeyTargets,
} from './ssh';
import type { RunInfo } from './types';

const FP = 'SHA256:VmS1Qm0k2vC9zJbq3Yb3m4x0oQ4lWw3v6kq0m8s2zrE';

const sshRun = (options: Record<string, unknown>, net: Record<string, unknown> = { netns: 'wsl-c' }) =>
  ({ id: 4, kind: 'ssh', status: 'finished', targets_text: '198.18.40.1-3', options, net }) as unknown as RunInfo;

describe('ssh results', () => {
  it('are ok on exit 0, amber on another exit, red when the command never ran', () => {
    expect(sshStatus(ssh('a'))).toBe('ok');
    expect(sshStatus(ssh('a', { exit_status: 2 }))).toBe('warn');
    expect(sshStatus(ssh('a', { exit_status: null, exit_signal: 'KILL' }))).toBe('warn');
    expect(sshStatus(sshUnknownKey('a'))).toBe('bad');
    expect(exitText(ssh('a', { exit_status: 127 }))).toBe('127');
    expect(exitText(ssh('a', { exit_status: null, exit_signal: 'TERM' }))).toBe('signal TERM');
    expect(exitText(sshUnknownKey('a'))).toBe('host key unknown');
  });

  it('read an interactive session by its platform and the commands it refused', () => {
    const shell = (errors: (string | null)[]) =>
      ssh('a', { exit_status: null, platform: 'cisco_ios', outputs: errors.map((error, i) => ({ command: `c${i}`, output: '', error })) });
    expect([sshStatus(shell([null, null])), exitText(shell([null, null]))]).toEqual(['ok', 'cisco_ios: done']);
    expect([sshStatus(shell([null, '% Invalid input'])), exitText(shell([null, '% Invalid input']))]).toEqual(['warn', 'cisco_ios: 1 refused']);
    expect(sshStatus(ssh('a', { exit_status: null, platform: 'cisco_ios', error: 'no prompt' }))).toBe('bad');
  });

  it('preview the first line that is not blank', () => {
    expect(firstLine('\n\r\n  \nhostname s1\r\ninterface eth0\n')).toBe('hostname s1');
    expect(firstLine('')).toBe('');
    expect(firstLine('x'.repeat(400))).toHaveLength(300);
    expect(outputPreview(ssh('a', { stdout: '', stderr: 'bash: nope: command not found\n', exit_status: 127 }))).toBe(
      'bash: nope: command not found',
    );
  });

  it('read the fingerprint of an unknown host key from the error and say how to accept it', () => {
    expect(unknownHostKey(sshUnknownKey('198.18.40.1'))).toEqual({ algorithm: 'ssh-ed25519', fingerprint: FP });
    expect(unknownHostKey(ssh('a'))).toBeNull();
    expect(unknownHostKey({ error: `h: key ${FP} unknown`, error_kind: 'host_key_unknown' })).toEqual({ algorithm: null, fingerprint: FP });
    expect(outputPreview(sshUnknownKey('198.18.40.1'))).toBe(
      `${FP} (ssh-ed25519) is not on record: check it, then re-run with "accept new host keys" or accept it in a terminal`,
    );
    expect(unknownKeyTargets([ssh('a'), sshUnknownKey('b'), ping('c'), sshUnknownKey('d')])).toEqual(['b', 'd']);
  });

  it('become rows: exit coloured, an error as a badge of its kind, the output preview', () => {
    const ok = rowFor(ssh('198.18.40.1'), 0);
    expect(ok.status).toBe('ok');
    expect(ok.cells.map((c) => c.text)).toEqual(['198.18.40.1', '198.18.40.1', '0', '61 ms', '198.18.0.10 40022 198.18.40.1 22']);
    expect(ok.cells[2].tone).toBe('ok');
    expect(ok.hay).toContain('wsl-pw');
    const amber = rowFor(ssh('x', { exit_status: 1 }), 1);
    expect([amber.status, amber.cells[2].tone, amber.cells[2].text]).toEqual(['warn', 'warn', '1']);
    const bad = rowFor(sshUnknownKey('198.18.40.2'), 2);
    expect(bad.status).toBe('bad');
    expect(bad.cells[2]).toMatchObject({ text: '', badge: 'host key unknown', tone: 'bad' });
    expect(bad.cells[4].text).toContain(FP);
    expect(bad.cells[4].tone).toBe('bad');
    expect(countTone('succeeded', 3)).toBe('ok');
    expect(countTone('nonzero', 1)).toBe('warn');
    expect(countTone('failed', 1)).toBe('bad');
  });
});

describe('opening a terminal from a result', () => {
  it('fills the address and the run namespace for any kind', () => {
    const run = { kind: 'ping', options: {}, net: { netns: 'wsl-c' } } as unknown as RunInfo;
    expect(terminalParams(ping('h1.lab.test', { addr: '198.18.0.20' }), run)).toEqual({ target: '198.18.0.20', netns: 'wsl-c' });
    expect(terminalParams(ping('198.18.0.20', { addr: null }), null)).toEqual({ target: '198.18.0.20' });
    expect(terminalParams(dns('h1.lab.test'), run).target).toBe('h1.lab.test');
    expect(terminalHref(ping('198.18.0.20'), run)).toBe('#/terminal?target=198.18.0.20&netns=wsl-c');
  });

  it('takes the login of an ssh run, never its secrets', () => {
    const run = sshRun({ command: 'id', user: 'admin', port: 2222, profile: 'lab', jump: 'j@198.18.0.123' });
    expect(terminalParams(ssh('inner', { addr: null, port: 2222, user: 'admin' }), run)).toEqual({
      target: 'inner',
      netns: 'wsl-c',
      port: '2222',
      user: 'admin',
      profile: 'lab',
      jump: 'j@198.18.0.123',
    });
  });

  it('re-runs the devices with unknown keys through the form, accepting new keys', () => {
    const run = sshRun({ command: 'echo $SSH_CONNECTION', user: 'wsl-pw', accept_new_host_keys: false });
    const link = acceptNewKeysHref(run, ['198.18.40.1', '198.18.40.2']);
    const route = parseRoute(link);
    expect(route).toEqual({
      name: 'new',
      kind: 'ssh',
      params: {
        targets: '198.18.40.1\n198.18.40.2',
        command: 'echo $SSH_CONNECTION',
        user: 'wsl-pw',
        accept_new_host_keys: 'true',
        'net.netns': 'wsl-c',
      },
    });
  });
});

describe('the ssh form', () => {
  const values = (over: Record<string, string | boolean | string[]>) => ({ ...emptyValues(OPTION_FIELDS.ssh), ...over });

  it('asks for a command, a user and a password or key, unless a profile gives the login', () => {
    expect(buildOptions('ssh', values({})).errors).toEqual({
      'options.command': 'a command to run on every device',
      'options.user': 'a user (or pick a profile with an SSH login)',
      'options.password': 'a password or a private key (or pick a profile)',
    });
    expect(buildOptions('ssh', values({ command: 'id', profile: ['lab'] }))).toEqual({ options: { command: 'id', profile: 'lab' }, errors: {} });
    expect(buildOptions('ssh', values({ command: 'id', user: 'u', private_key: 'not a key' })).errors).toEqual({
      'options.private_key': 'not a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)',
    });
  });

  it('sends the options set, the password as typed', () => {
    const r = buildOptions(
      'ssh',
      values({
        command: 'echo $SSH_CONNECTION',
        user: 'wsl-pw',
        password: ' pw ',
        jump: 'j@198.18.0.123:22',
        port: '2222',
        accept_new_host_keys: true,
        timeout: '5s',
        command_timeout: '2m',
        concurrency: '10',
        max_output: '65536',
      }),
    );
    expect(r).toEqual({
      options: {
        command: 'echo $SSH_CONNECTION',
        user: 'wsl-pw',
        password: ' pw ',
        jump: 'j@198.18.0.123:22',
        port: 2222,
        accept_new_host_keys: true,
        timeout: '5s',
        command_timeout: '2m',
        concurrency: 10,
        max_output: 65536,
      },
      errors: {},
    });
  });

  it('hides the secrets when a profile is picked, and never keeps or prefills them', () => {
    const keys = (v: ReturnType<typeof values>) => visibleFields(OPTION_FIELDS.ssh, v).map((f) => f.key);
    expect(keys(values({}))).toContain('password');
    expect(keys(values({ profile: ['lab'] }))).not.toContain('password');
    expect(keys(values({ profile: ['lab'] }))).not.toContain('private_key');
    const kept = withoutSecrets(OPTION_FIELDS.ssh, values({ command: 'id', password: 'pw', private_key: 'k', key_passphrase: 'p' }));
    expect([kept.command, kept.password, kept.private_key, kept.key_passphrase]).toEqual(['id', '', '', '']);
    const filled = prefill(OPTION_FIELDS.ssh, values({}), { command: 'id', profile: 'lab,other', password: 'x', accept_new_host_keys: 'true' });
    expect([filled.command, filled.profile, filled.password, filled.accept_new_host_keys]).toEqual(['id', ['lab'], '', true]);
  });

  it('re-runs through the form without a profile (its password is not kept)', () => {
    expect(rerunNeedsSecrets(sshRun({ command: 'id', user: 'u' }))).toBe(true);
    expect(rerunNeedsSecrets(sshRun({ command: 'id', profile: 'lab' }))).toBe(false);
    expect(formParams(sshRun({ command: 'id', profile: 'lab', port: 22, accept_new_host_keys: false }))).toEqual({
      targets: '198.18.40.1-3',
      command: 'id',
      profile: 'lab',
      port: '22',
      accept_new_host_keys: 'false',
      'net.netns': 'wsl-c',
    });
  });
});

describe('routes of the SSH views', () => {
  it('parse and build', () => {
    expect(parseRoute('#/terminal')).toEqual({ name: 'terminal', params: {} });
    expect(parseRoute('#/terminal?target=198.18.0.122&netns=wsl-c')).toEqual({
      name: 'terminal',
      params: { target: '198.18.0.122', netns: 'wsl-c' },
    });
    expect(href.terminal({ target: '2001:db8::1', netns: '' })).toBe('#/terminal?target=2001%3Adb8%3A%3A1');
    expect(parseRoute(href.terminal({ target: '2001:db8::1' }))).toEqual({ name: 'terminal', params: { target: '2001:db8::1' } });
    expect(parseRoute(href.recordings())).toEqual({ name: 'recordings' });
    expect(parseRoute(href.recording(12))).toEqual({ name: 'recording', id: 12 });
    expect(parseRoute(href.watch(12))).toEqual({ name: 'watch', id: 12 });
    expect(parseRoute('#/watch/x').name).toBe('notfound');
    expect(parseRoute('#/recordings/x').name).toBe('notfound');
    expect(parseRoute(href.hostkeys())).toEqual({ name: 'hostkeys', params: {} });
    expect(parseRoute(href.hostkeys('198.18.0.122'))).toEqual({ name: 'hostkeys', params: { host: '198.18.0.122' } });
    expect(parseRoute(href.diff(5))).toEqual({ name: 'diff', id: 5 });
  });
});

describe('recordings and host keys API', () => {
  const calls: { url: string; init: RequestInit }[] = [];
  let reply: () => Response;
  beforeEach(() => {
    calls.length = 0;
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return reply();
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setToken(null);
  });
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  it('lists, reads, downloads and deletes recordings', async () => {
    expect(recordingsQuery({})).toBe('api/ssh/recordings?limit=50&offset=0');
    reply = () => json(200, { recordings: [], total: 0 });
    setToken('t k');
    await listRecordings({ limit: 20, offset: 40 });
    expect(calls[0].url).toBe('/api/ssh/recordings?limit=20&offset=40');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer t k');
    reply = () => new Response('{"version":2,"width":80,"height":24}\n[0.1,"o","hi"]\n', { status: 200 });
    expect(await getCast(3)).toBe('{"version":2,"width":80,"height":24}\n[0.1,"o","hi"]\n');
    expect(calls[1].url).toBe('/api/ssh/recordings/3/cast');
    reply = () => new Response(null, { status: 204 });
    await deleteRecording(3);
    expect([calls[2].init.method, calls[2].url]).toEqual(['DELETE', '/api/ssh/recordings/3']);
    expect(castUrl(3)).toBe('/api/ssh/recordings/3/cast?download=1&token=t%20k');
  });

  it('lists known hosts and removes a host by name and port', async () => {
    reply = () => json(200, { file: '/k', entries: [] });
    expect(await listKnownHosts()).toEqual({ file: '/k', entries: [] });
    reply = () => json(200, { removed: 2 });
    expect(await removeKnownHost('2001:db8::1', 2222)).toBe(2);
    expect([calls[1].init.method, calls[1].url]).toEqual(['DELETE', '/api/ssh/known-hosts/2001%3Adb8%3A%3A1?port=2222']);
    reply = () => json(404, { error: 'no entry for [h]:2222' });
    expect(await removeKnownHost('h', 2222)).toBe(0);
    reply = () => json(500, { error: 'disk full' });
    await expect(removeKnownHost('h')).rejects.toThrow('disk full');
  });
});

describe('known_hosts lines', () => {
  it('name the host and port to remove', () => {
    expect(knownHostTarget('198.18.0.122')).toEqual({ host: '198.18.0.122', port: 22 });
    expect(knownHostTarget('[198.18.0.122]:2222,[2001:db8:5753::122]:2222')).toEqual({ host: '198.18.0.122', port: 2222 });
    expect(knownHostTarget('[2001:db8::1]')).toEqual({ host: '2001:db8::1', port: 22 });
    expect(knownHostTarget('|1|abc=|def=')).toBeNull();
    expect(knownHostTarget('*.lab.test')).toBeNull();
    expect(knownHostTarget('')).toBeNull();
  });
});
