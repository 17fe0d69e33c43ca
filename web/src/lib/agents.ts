// Remote agents as the Agents page shows them: their state, what they said they can do, and the
// command that starts one.

import type { Agent } from './types';

export type AgentState = 'online' | 'offline' | 'revoked';

export function agentState(a: Pick<Agent, 'online' | 'revoked_at'>): AgentState {
  if (a.revoked_at != null) return 'revoked';
  return a.online ? 'online' : 'offline';
}

/** What an agent said it can do (its hello's capabilities), as short labels. */
export function capabilityLabels(caps: unknown): string[] {
  if (!caps || typeof caps !== 'object') return [];
  const c = caps as Record<string, unknown>;
  const out: string[] = [];
  if (typeof c.raw_sockets === 'boolean') out.push(c.raw_sockets ? 'raw sockets' : 'no raw sockets');
  if (typeof c.netns === 'string' && c.netns) out.push(`netns ${c.netns}`);
  const many = (v: unknown, one: string, more: string) => {
    if (Array.isArray(v) && v.length) out.push(`${v.length} ${v.length === 1 ? one : more}`);
  };
  many(c.interfaces, 'interface', 'interfaces');
  many(c.namespaces, 'namespace', 'namespaces');
  return out;
}

/** The longer list (interface and namespace names) for a tooltip. */
export function capabilityTitle(caps: unknown): string {
  if (!caps || typeof caps !== 'object') return '';
  const c = caps as Record<string, unknown>;
  const names = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(', ') : '');
  return [names(c.interfaces) && `interfaces: ${names(c.interfaces)}`, names(c.namespaces) && `namespaces: ${names(c.namespaces)}`]
    .filter(Boolean)
    .join('\n');
}

/** Quotes a word for a POSIX shell when it needs it. */
const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * The command that starts the agent at its site: the token in the environment (never on the
 * command line, where `ps` shows it to every local user).
 */
export function agentCommand(server: string, site: string, token: string): string {
  return `WIRESCOPE_AGENT_TOKEN=${shellWord(token)} wirescope agent --server ${shellWord(server)} --site ${shellWord(site)}`;
}
