// SSH results in words: a device's status (exit 0, another exit, or never ran), its exit cell and
// output preview, the fingerprint an unknown-host-key error names, and the links that open a
// terminal at a result's device or re-run the devices whose keys were unknown.

import { formParams } from './api';
import { href } from './router';
import { optionsOf, type ProbeResult, type RunInfo, type SshResult } from './types';

/** ok: exit 0; warn: another exit status (or a signal); bad: the command never ran or did not end. */
export function sshStatus(r: SshResult): 'ok' | 'warn' | 'bad' {
  // An interactive session has no exit status: a command the device refused is a warning.
  if (!r.error && r.platform) return (r.outputs ?? []).some((o) => o.error) ? 'warn' : 'ok';
  if (r.error || (r.exit_status === null && !r.exit_signal)) return 'bad';
  return r.exit_status === 0 ? 'ok' : 'warn';
}

/** "host key unknown" for "host_key_unknown". */
export function errorKindLabel(kind: string | null | undefined): string {
  return kind ? kind.replace(/_/g, ' ') : 'error';
}

/** The exit cell: "0", "127", "signal KILL", an interactive session's platform, or the error's kind. */
export function exitText(r: SshResult): string {
  if (r.error) return errorKindLabel(r.error_kind);
  if (r.platform && r.exit_status === null) {
    const refused = (r.outputs ?? []).filter((o) => o.error).length;
    return refused ? `${r.platform}: ${refused} refused` : `${r.platform}: done`;
  }
  if (r.exit_signal) return `signal ${r.exit_signal}`;
  return r.exit_status === null ? 'no status' : String(r.exit_status);
}

/** The first line that is not blank, for a one-line preview (long lines cut). */
export function firstLine(text: string, max = 300): string {
  for (const line of text.split('\n')) {
    const t = line.replace(/\r$/, '').trimEnd();
    if (t.trim()) return t.length > max ? `${t.slice(0, max - 1)}…` : t;
  }
  return '';
}

const FINGERPRINT = /SHA256:[A-Za-z0-9+/]+=*/;

/**
 * The key an unknown-host-key error names ("…: unknown host key ssh-ed25519 SHA256:…: check
 * it and accept it…"), or null for any other result.
 */
export function unknownHostKey(r: Pick<SshResult, 'error' | 'error_kind'>): { algorithm: string | null; fingerprint: string } | null {
  if (r.error_kind !== 'host_key_unknown' || !r.error) return null;
  const named = /unknown host key (\S+) (SHA256:[A-Za-z0-9+/]+=*)/.exec(r.error);
  if (named) return { algorithm: named[1], fingerprint: named[2] };
  const bare = FINGERPRINT.exec(r.error);
  return bare ? { algorithm: null, fingerprint: bare[0] } : null;
}

/** The output cell: the error (an unknown key with what to do), else stdout's first line, else stderr's. */
export function outputPreview(r: SshResult): string {
  const key = unknownHostKey(r);
  if (key)
    return `${key.fingerprint}${key.algorithm ? ` (${key.algorithm})` : ''} is not on record: check it, then re-run with "accept new host keys" or accept it in a terminal`;
  if (r.error) return r.error;
  return firstLine(r.stdout) || firstLine(r.stderr);
}

/** The address to open a terminal at for a result of any kind (the name asked, for DNS; the target, through a jump host). */
export function sshTarget(r: ProbeResult): string {
  if (r.kind === 'dns') return r.target;
  return r.addr ?? r.target;
}

/**
 * The terminal's form, filled for a result's device: its address and the run's namespace; for
 * an ssh run also its port, user, profile and jump host (never a secret).
 */
export function terminalParams(r: ProbeResult, run: Pick<RunInfo, 'kind' | 'options' | 'net'> | null): Record<string, string> {
  const p: Record<string, string> = { target: sshTarget(r) };
  const netns = run?.net.netns;
  if (netns) p.netns = netns;
  if (r.kind === 'ssh') {
    if (r.port && r.port !== 22) p.port = String(r.port);
    if (r.user) p.user = r.user;
    const options = run ? optionsOf(run, 'ssh') : null;
    for (const k of ['profile', 'jump'] as const) {
      const v = options?.[k];
      if (v) p[k] = v;
    }
  }
  return p;
}

export function terminalHref(r: ProbeResult, run: Pick<RunInfo, 'kind' | 'options' | 'net'> | null): string {
  return href.terminal(terminalParams(r, run));
}

/** The devices of an ssh run whose host keys were unknown. */
export function unknownKeyTargets(results: ProbeResult[]): string[] {
  return results.flatMap((r) => (r.kind === 'ssh' && r.error_kind === 'host_key_unknown' ? [r.target] : []));
}

/**
 * The New-run form for those devices again, with "accept new host keys" ticked (the run's
 * secrets are never kept: a run without a profile needs them typed again).
 */
export function acceptNewKeysHref(run: RunInfo, targets: string[]): string {
  return href.new('ssh', { ...formParams(run), targets: targets.join('\n'), accept_new_host_keys: 'true' });
}

/**
 * The host and port a known_hosts line is for, from its first host pattern ("h", "[h]:2222"), to
 * remove it by name; null for a hashed line ("|1|…") or a wildcard pattern.
 */
export function knownHostTarget(hosts: string): { host: string; port: number } | null {
  const first = hosts.split(',')[0]?.trim() ?? '';
  if (!first || first.startsWith('|') || /[*?!]/.test(first)) return null;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
  if (bracket) return { host: bracket[1], port: bracket[2] ? Number(bracket[2]) : 22 };
  return { host: first, port: 22 };
}
