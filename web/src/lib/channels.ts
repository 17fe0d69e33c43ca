// Notification channels, pure: a channel in one line for lists, the add/edit form's state, the
// body it sends (secrets only when typed: left out, the stored ones stay), a server error's field
// as the form's place for it, and the channels a rule's editor offers to tick.

import { ApiError } from './api';
import { LABEL } from './alerts';
import type { ChannelSpec, ChannelType, ChannelView, EmailSpec, SmtpSecurity, WebhookFormat, WebhookSpec } from './types';

/** The form: both types' fields (switching type keeps what was typed), secrets as typed. */
export interface ChannelDraft {
  name: string;
  type: ChannelType;
  url: string;
  format: WebhookFormat;
  secret: string;
  /** Remove the stored signing secret (sends `secret: ""`). */
  unsign: boolean;
  server: string;
  port: string;
  security: SmtpSecurity;
  user: string;
  password: string;
  /** Remove the stored password (sends `password: ""`). */
  forgetPassword: boolean;
  from: string;
  /** One recipient a line. */
  to: string;
}

export function emptyChannel(type: ChannelType = 'webhook'): ChannelDraft {
  return {
    name: '',
    type,
    url: '',
    format: 'json',
    secret: '',
    unsign: false,
    server: '',
    port: '',
    security: 'starttls',
    user: '',
    password: '',
    forgetPassword: false,
    from: '',
    to: '',
  };
}

/** A stored channel in the form: its settings, no secret (the server never gives them back). */
export function channelDraftOf(c: ChannelView): ChannelDraft {
  const d = { ...emptyChannel(c.type), name: c.name };
  if (c.type === 'webhook') return { ...d, format: c.format ?? 'json' };
  return {
    ...d,
    server: c.server,
    port: c.port != null ? String(c.port) : '',
    security: c.security ?? 'starttls',
    user: c.user ?? '',
    from: c.from,
    to: c.to.join('\n'),
  };
}

/** The default SMTP port of a security. */
export const SMTP_PORTS: Readonly<Record<SmtpSecurity, number>> = { starttls: 587, tls: 465, none: 25 };

/** A channel in one line: "webhook slack https://hooks.slack.com/… signed", "email smtp.example.net:587 starttls → a, b". */
export function describeChannel(c: ChannelView): string {
  if (c.type === 'webhook') return [c.shown ?? '(no url)', c.format ?? 'json', c.signed ? 'signed' : 'unsigned'].join(' · ');
  const port = c.port ?? SMTP_PORTS[c.security ?? 'starttls'];
  return `${c.server}:${port} ${c.security ?? 'starttls'}${c.user ? ` as ${c.user}` : ''} · from ${c.from} → ${c.to.join(', ')}`;
}

/** The secrets a stored channel keeps, as a blank field's placeholder says. */
export const STORED = '(stored; leave blank to keep)';

/**
 * The body the form sends, or its errors by field (name, url, server, port, from, to). On a
 * replace (`existing`), a webhook's URL may be left out (the stored one stays); a new one needs it.
 */
export function channelBody(d: ChannelDraft, existing: ChannelView | null): { spec: ChannelSpec | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const name = d.name.trim();
  if (!LABEL.test(name)) errors.name = "1 to 64 letters, digits, '-', '_' or '.'";
  // a stored webhook keeps its URL only while it stays a webhook
  const keepsUrl = existing?.type === 'webhook' && existing.name === name;
  if (d.type === 'webhook') {
    const spec: WebhookSpec = { type: 'webhook', format: d.format };
    const url = d.url.trim();
    if (url) {
      if (!/^https?:\/\/\S+$/i.test(url)) errors.url = 'an http:// or https:// URL';
      else spec.url = url;
    } else if (!keepsUrl) errors.url = 'a webhook needs its url';
    if (d.secret) spec.secret = d.secret;
    else if (d.unsign) spec.secret = '';
    return { spec: Object.keys(errors).length ? null : spec, errors };
  }
  const spec: EmailSpec = { type: 'email', server: d.server.trim(), security: d.security, from: d.from.trim(), to: [] };
  if (!spec.server || /\s/.test(spec.server)) errors.server = 'a host name or address';
  const port = d.port.trim();
  if (port) {
    if (/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535) spec.port = Number(port);
    else errors.port = '1 to 65535';
  }
  const user = d.user.trim();
  if (user) {
    if (d.security === 'none') errors.user = 'a login is never sent unencrypted: use security starttls or tls';
    else spec.user = user;
  }
  if (d.password) spec.password = d.password;
  else if (d.forgetPassword) spec.password = '';
  if (!spec.from) errors.from = 'the sender address (wirescope@example.net or Name <addr>)';
  spec.to = d.to
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (!spec.to.length || spec.to.length > 50) errors.to = '1 to 50 recipients, one a line';
  return { spec: Object.keys(errors).length ? null : spec, errors };
}

/** The form's fields a server error can be shown at. */
export const CHANNEL_FIELDS = ['name', 'type', 'url', 'format', 'secret', 'server', 'port', 'security', 'user', 'password', 'from', 'to'] as const;

/**
 * Where a failed save shows: at the field the error names (a recipient's `to[N]` at the
 * recipients, with its line), else with the form's general error.
 */
export function channelErrorsFromApi(err: unknown): { fields: Record<string, string>; general: string | null } {
  if (!(err instanceof ApiError)) return { fields: {}, general: err instanceof Error ? err.message : String(err) };
  const field = err.field ?? '';
  const item = /^to\[(\d+)\]$/.exec(field);
  if (item) return { fields: { to: `line ${Number(item[1]) + 1}: ${err.message}` }, general: null };
  if ((CHANNEL_FIELDS as readonly string[]).includes(field)) return { fields: { [field]: err.message }, general: null };
  return { fields: {}, general: err.message + (field ? ` (${field})` : '') };
}

/** The channels a rule can tick: the stored ones, then any it names that is gone (marked missing). */
export function channelChoices(channels: readonly ChannelView[] | null, picked: readonly string[]): { name: string; missing: boolean }[] {
  const stored = (channels ?? []).map((c) => c.name);
  return [...stored.map((name) => ({ name, missing: false })), ...picked.filter((n) => !stored.includes(n)).map((name) => ({ name, missing: true }))];
}
