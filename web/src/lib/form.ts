// The New-run form: the options each probe exposes (as the CLI does) with the document's defaults,
// turning what was typed into the request's `options`/`net` (only fields that were set and shown),
// and mapping errors to fields.

import { authProtocolValues, privProtocolValues, scanMethodValues, securityLevelValues, snmpVersionValues, traceProtocolValues } from './api.gen';
import { ApiError } from './api';
import { defaults } from './defaults.gen';
import { SNMP_OPS, type AuthProtocol, type NetOptions, type OptionsOf, type PrivProtocol, type ProbeKind, type SecurityLevel } from './types';

/**
 * `list`: words separated by spaces or commas, sent as an array (OIDs); `secret`: a password
 * input, sent as typed, never kept; `secret-text`: the same over several lines (a private key);
 * `profiles`: credential profile names, in the order picked; `profile`: at most one, sent as a
 * name.
 */
export type FieldType =
  | 'int'
  | 'number'
  | 'duration'
  | 'text'
  | 'bool'
  | 'select'
  | 'types'
  | 'list'
  | 'secret'
  | 'secret-text'
  | 'profiles'
  | 'profile';

/** True for the fields whose values are secrets (never kept, never prefilled). */
export const isSecretField = (f: FieldDef): boolean => f.type === 'secret' || f.type === 'secret-text';

/** A default as the document gives it. */
export type FieldDefault = string | number | boolean | null | readonly string[];

export interface FieldDef<K extends string = string> {
  key: K;
  label: string;
  type: FieldType;
  /**
   * The server's default (the document's, see withDefaults): shown as placeholder, preselected
   * for `select` (which sends only another choice).
   */
  default?: FieldDefault;
  /** The choice a `select` starts at when the document gives no default (it is then sent). */
  initial?: string;
  choices?: readonly string[];
  placeholder?: string;
  min?: number;
  max?: number;
  title?: string;
  /** Shown, and sent, only while this holds for the form's values. */
  when?: (values: FormValues) => boolean;
  /** The heading the field sits under (the SNMP form's parts). */
  group?: string;
  /** Spans the whole row. */
  wide?: boolean;
}

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SOA', 'PTR', 'SRV', 'CAA', 'ANY'] as const;

/** The option names of a kind (its secrets included). */
type OptionKey<K extends ProbeKind> = keyof OptionsOf[K] & string;

/** The document's default of each option that has one, by kind. */
const OPTION_DEFAULTS: { [K in ProbeKind]: Partial<Record<OptionKey<K>, FieldDefault>> } = {
  ping: defaults.PingOptions,
  trace: defaults.TraceOptions,
  dns: defaults.DnsOptions,
  scan: defaults.ScanOptions,
  snmp: defaults.SnmpOptions,
  ssh: defaults.SshOptions,
};

/** The fields with the defaults the document gives their options. */
function withDefaults<K extends string>(fields: FieldDef<K>[], given: Partial<Record<K, FieldDefault>>): FieldDef<K>[] {
  return fields.map((f) => (given[f.key] === undefined ? f : { ...f, default: given[f.key] }));
}

/** A default as a placeholder: "1s" for "1000ms", lists joined, nothing for none. */
export function defaultText(d: FieldDefault | undefined): string {
  if (d === undefined || d === null) return '';
  if (Array.isArray(d)) return d.join(', ');
  const ms = typeof d === 'string' ? /^(\d+)ms$/.exec(d) : null;
  if (ms && Number(ms[1]) >= 1000 && Number(ms[1]) % 1000 === 0) return `${Number(ms[1]) / 1000}s`;
  return String(d);
}

const str = (v: FormValues, key: string): string => {
  const x = v[key];
  return typeof x === 'string' ? x : '';
};
const picked = (v: FormValues, key: string): string[] => {
  const x = v[key];
  return Array.isArray(x) ? x : [];
};

/** The SNMP credential options (a profile has the same). */
type CredentialKey = 'version' | 'community' | 'user' | 'level' | 'auth_protocol' | 'auth_password' | 'priv_protocol' | 'priv_password';

/**
 * SNMP credentials as net-snmp takes them: a community for v1/v2c, a USM user for v3 with the
 * protocols and passwords its security level needs; every field only while `show` holds.
 */
export function credentialFields(show: (v: FormValues) => boolean, group?: string): FieldDef<CredentialKey>[] {
  const v3 = (v: FormValues) => show(v) && str(v, 'version') === '3';
  const auth = (v: FormValues) => v3(v) && str(v, 'level') !== 'noAuthNoPriv';
  const priv = (v: FormValues) => v3(v) && str(v, 'level') === 'authPriv';
  const fields: FieldDef<CredentialKey>[] = [
    { key: 'version', label: 'version', type: 'select', choices: snmpVersionValues, when: show, title: 'SNMP version (-v)' },
    { key: 'community', label: 'community', type: 'secret', placeholder: 'public', when: (v) => show(v) && str(v, 'version') !== '3', title: 'community string (-c)' },
    { key: 'user', label: 'user', type: 'text', when: v3, title: 'SNMPv3 user (-u)' },
    { key: 'level', label: 'level', type: 'select', choices: securityLevelValues, initial: 'authPriv' satisfies SecurityLevel, when: v3, title: 'security level (-l)' },
    { key: 'auth_protocol', label: 'auth protocol', type: 'select', choices: authProtocolValues, initial: 'SHA' satisfies AuthProtocol, when: auth, title: '-a' },
    { key: 'auth_password', label: 'auth password', type: 'secret', when: auth, title: 'authentication passphrase (-A)' },
    { key: 'priv_protocol', label: 'privacy protocol', type: 'select', choices: privProtocolValues, initial: 'AES' satisfies PrivProtocol, when: priv, title: '-x' },
    { key: 'priv_password', label: 'priv password', type: 'secret', when: priv, title: 'privacy passphrase (-X)' },
  ];
  return withDefaults(fields, OPTION_DEFAULTS.snmp).map((f) => ({ ...f, group }));
}

const snmpOp = (v: FormValues) => str(v, 'op') || 'get';
/** The run's own credentials: when no profile is picked, or after the profiles of a crawl. */
const inlineCredentials = (v: FormValues) => snmpOp(v) === 'topology' || picked(v, 'profiles').length === 0;

export const SNMP_GROUPS = { read: 'what to read', creds: 'credentials', timing: 'timing' } as const;

/** The run's own login: when no profile is picked. */
const sshOwnLogin = (v: FormValues) => picked(v, 'profile').length === 0;

export const SSH_GROUPS = { command: 'command', login: 'login', connection: 'connection', timing: 'timing' } as const;

const FIELDS: { [K in ProbeKind]: FieldDef<OptionKey<K>>[] } = {
  ping: [
    { key: 'count', label: 'count', type: 'int', min: 1, title: 'echo requests per target (-c)' },
    { key: 'interval', label: 'interval', type: 'duration', title: 'time between echoes to one target (-i)' },
    { key: 'timeout', label: 'timeout', type: 'duration', title: 'how long to wait for each reply (-t)' },
    { key: 'size', label: 'size', type: 'int', min: 0, max: 65507, title: 'payload bytes (-s)' },
    { key: 'ttl', label: 'ttl', type: 'int', placeholder: 'system', min: 1, max: 255, title: 'IP TTL / hop limit (--ttl)' },
    { key: 'rate', label: 'rate', type: 'int', min: 0, title: 'packets per second over the run, 0 = unlimited' },
    { key: 'unprivileged', label: 'unprivileged', type: 'bool', title: 'use unprivileged ICMP sockets' },
  ],
  trace: [
    { key: 'protocol', label: 'protocol', type: 'select', choices: traceProtocolValues, title: '-P' },
    { key: 'port', label: 'port', type: 'int', placeholder: 'udp 33434 / tcp 80', min: 1, max: 65535, title: 'destination port (-p)' },
    { key: 'max_hops', label: 'max hops', type: 'int', min: 1, max: 255, title: '-m' },
    { key: 'first_hop', label: 'first hop', type: 'int', min: 1, max: 255, title: '--first-hop' },
    { key: 'queries', label: 'queries', type: 'int', min: 1, max: 255, title: 'probes per hop (-q)' },
    { key: 'timeout', label: 'timeout', type: 'duration', title: 'the longest a probe is waited for (-t)' },
    { key: 'wait_here', label: 'wait here', type: 'number', min: 0, max: 1000, title: 'once its TTL answered, wait this many times its slowest RTT (0 = the timeout)' },
    { key: 'wait_near', label: 'wait near', type: 'number', min: 0, max: 1000, title: 'else, once any TTL answered, this many times the slowest RTT (0 = the timeout)' },
    { key: 'wait_min', label: 'wait min', type: 'duration', title: 'the shortest adaptive wait' },
    { key: 'rate', label: 'rate', type: 'int', min: 0, title: 'probes per second, 0 = unlimited' },
    { key: 'resolve', label: 'resolve names', type: 'bool', title: 'reverse names of the hops (-r)' },
  ],
  dns: [
    { key: 'types', label: 'types', type: 'types', choices: DNS_TYPES, title: 'none selected: A for names, PTR for addresses' },
    { key: 'server', label: 'server', type: 'text', placeholder: 'system resolvers', title: 'IP or IP:PORT ([v6]:port)' },
    { key: 'timeout', label: 'timeout', type: 'duration' },
    { key: 'retries', label: 'retries', type: 'int', min: 0 },
    { key: 'concurrency', label: 'concurrency', type: 'int', min: 1 },
    { key: 'rate', label: 'rate', type: 'int', min: 0, title: 'questions per second, 0 = unlimited' },
    { key: 'tcp', label: 'tcp', type: 'bool', title: 'ask over TCP from the start' },
  ],
  scan: [
    { key: 'ports', label: 'ports', type: 'text', placeholder: 'top ports', title: '22,80,8000-8100 or - for all' },
    { key: 'top', label: 'top', type: 'int', min: 1, title: 'most frequent ports when no list is given' },
    { key: 'method', label: 'method', type: 'select', choices: scanMethodValues },
    { key: 'timeout', label: 'timeout', type: 'duration' },
    { key: 'retries', label: 'retries', type: 'int', min: 0, max: 255, title: 'SYN retransmissions' },
    { key: 'concurrency', label: 'concurrency', type: 'int', min: 0, title: '0 = as the open-files limit allows' },
    { key: 'rate', label: 'rate', type: 'int', min: 0, title: '0 = unlimited' },
    { key: 'banners', label: 'banners', type: 'bool', title: 'read what open ports say (-b)' },
    { key: 'banner_timeout', label: 'banner timeout', type: 'duration' },
  ],
  snmp: [
    { key: 'op', label: 'operation', type: 'select', choices: SNMP_OPS, group: SNMP_GROUPS.read, title: 'get OIDs, walk subtrees, LLDP/CDP neighbours, the ARP table, interfaces, or crawl the topology' },
    {
      key: 'oids',
      label: 'OIDs',
      type: 'list',
      wide: true,
      placeholder: 'sysName.0 sysDescr.0 IF-MIB::ifTable 1.3.6.1.2.1.1',
      when: (v) => snmpOp(v) === 'get' || snmpOp(v) === 'walk',
      group: SNMP_GROUPS.read,
      title: 'names or numeric OIDs, separated by spaces or commas; a walk of none walks mib-2',
    },
    { key: 'depth', label: 'depth', type: 'int', min: 0, max: 16, when: (v) => snmpOp(v) === 'topology', group: SNMP_GROUPS.read, title: 'hops from the seeds to follow LLDP/CDP neighbours (0: the seeds only)' },
    { key: 'rate', label: 'rate interval', type: 'duration', placeholder: 'no rates', when: (v) => snmpOp(v) === 'interfaces', group: SNMP_GROUPS.read, title: 'poll twice this far apart and show bit rates (e.g. 5s)' },
    { key: 'profiles', label: 'profiles', type: 'profiles', wide: true, group: SNMP_GROUPS.creds, title: 'stored credential profiles; a topology crawl tries them in the order picked' },
    ...credentialFields(inlineCredentials, SNMP_GROUPS.creds),
    { key: 'port', label: 'port', type: 'int', min: 1, max: 65535, group: SNMP_GROUPS.timing },
    { key: 'timeout', label: 'timeout', type: 'duration', group: SNMP_GROUPS.timing, title: 'for each answer (-t)' },
    { key: 'retries', label: 'retries', type: 'int', min: 0, group: SNMP_GROUPS.timing, title: '-r' },
    { key: 'max_repetitions', label: 'max repetitions', type: 'int', min: 1, max: 1000, group: SNMP_GROUPS.timing, title: 'GETBULK max-repetitions to start with (halved on tooBig or timeout)' },
    { key: 'concurrency', label: 'concurrency', type: 'int', min: 1, group: SNMP_GROUPS.timing, title: 'agents polled at once' },
  ],
  ssh: [
    {
      key: 'command',
      label: 'command',
      type: 'text',
      wide: true,
      placeholder: 'show running-config',
      group: SSH_GROUPS.command,
      title: 'the command line run on every device (by the login shell of the user)',
    },
    { key: 'profile', label: 'profile', type: 'profile', wide: true, group: SSH_GROUPS.login, title: 'a stored credential profile with an SSH login: its user and secrets' },
    { key: 'user', label: 'user', type: 'text', group: SSH_GROUPS.login, title: 'the login (a profile picked gives its own when this is blank)' },
    { key: 'password', label: 'password', type: 'secret', when: sshOwnLogin, group: SSH_GROUPS.login, title: 'password or keyboard-interactive login' },
    { key: 'key_passphrase', label: 'key passphrase', type: 'secret', when: sshOwnLogin, group: SSH_GROUPS.login, title: 'passphrase of the private key, if it has one' },
    {
      key: 'private_key',
      label: 'private key',
      type: 'secret-text',
      when: sshOwnLogin,
      group: SSH_GROUPS.login,
      placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----',
      title: 'ed25519, ECDSA or RSA private key (PEM or OpenSSH text)',
    },
    { key: 'jump', label: 'jump host', type: 'text', placeholder: '[user@]host[:port]', group: SSH_GROUPS.connection, title: 'one jump host (ProxyJump), logged into with the same credentials' },
    { key: 'port', label: 'port', type: 'int', min: 1, max: 65535, group: SSH_GROUPS.connection },
    {
      key: 'accept_new_host_keys',
      label: 'accept new host keys',
      type: 'bool',
      group: SSH_GROUPS.connection,
      title: "record and trust the keys of hosts seen for the first time (OpenSSH's accept-new); a changed key is always refused",
    },
    { key: 'timeout', label: 'timeout', type: 'duration', group: SSH_GROUPS.timing, title: 'for the TCP connect, and again for the key exchange and login' },
    { key: 'command_timeout', label: 'command timeout', type: 'duration', group: SSH_GROUPS.timing, title: 'for the command once it runs' },
    { key: 'concurrency', label: 'concurrency', type: 'int', min: 1, group: SSH_GROUPS.timing, title: 'devices worked on at once' },
    { key: 'max_output', label: 'max output', type: 'int', min: 1, group: SSH_GROUPS.timing, title: 'bytes kept of each of stdout and stderr' },
  ],
};

/** Each kind's fields, with the document's defaults. */
export const OPTION_FIELDS: { [K in ProbeKind]: FieldDef<OptionKey<K>>[] } = {
  ping: withDefaults(FIELDS.ping, OPTION_DEFAULTS.ping),
  trace: withDefaults(FIELDS.trace, OPTION_DEFAULTS.trace),
  dns: withDefaults(FIELDS.dns, OPTION_DEFAULTS.dns),
  scan: withDefaults(FIELDS.scan, OPTION_DEFAULTS.scan),
  snmp: withDefaults(FIELDS.snmp, OPTION_DEFAULTS.snmp),
  ssh: withDefaults(FIELDS.ssh, OPTION_DEFAULTS.ssh),
};

export const NET_FIELDS: FieldDef<keyof NetOptions>[] = [
  { key: 'netns', label: 'netns', type: 'text', placeholder: 'current', title: 'network namespace (/run/netns/NAME)' },
  { key: 'interface', label: 'interface', type: 'text', placeholder: 'any', title: 'interface or VRF device (SO_BINDTODEVICE)' },
  { key: 'source', label: 'source', type: 'text', placeholder: 'auto', title: 'source address' },
];

export type FieldValue = string | boolean | string[];
export type FormValues = Record<string, FieldValue>;

/** Empty form values for a kind: blank inputs (defaults show as placeholders), selects at default. */
export function emptyValues(fields: FieldDef[]): FormValues {
  const v: FormValues = {};
  for (const f of fields) {
    if (f.type === 'bool') v[f.key] = false;
    else if (f.type === 'types' || f.type === 'profiles' || f.type === 'profile') v[f.key] = [];
    else if (f.type === 'select') v[f.key] = String(f.default ?? f.initial ?? f.choices?.[0] ?? '');
    else v[f.key] = '';
  }
  return v;
}

/** The fields the form shows for these values. */
export function visibleFields<K extends string>(fields: FieldDef<K>[], values: FormValues): FieldDef<K>[] {
  return fields.filter((f) => !f.when || f.when(values));
}

/** The shown fields in runs of one heading: [{ group: 'credentials', fields }, ...]. */
export function fieldGroups(fields: FieldDef[], values: FormValues): { group: string | null; fields: FieldDef[] }[] {
  const out: { group: string | null; fields: FieldDef[] }[] = [];
  for (const f of visibleFields(fields, values)) {
    const group = f.group ?? null;
    const last = out[out.length - 1];
    if (last && last.group === group) last.fields.push(f);
    else out.push({ group, fields: [f] });
  }
  return out;
}

/** "sysName.0, IF-MIB::ifTable  1.3.6.1" -> ["sysName.0", "IF-MIB::ifTable", "1.3.6.1"] */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** The values with every secret blanked: what may be kept once the form is left. */
export function withoutSecrets(fields: FieldDef[], values: FormValues): FormValues {
  const out: FormValues = { ...values };
  for (const f of fields) if (isSecretField(f)) out[f.key] = '';
  return out;
}

/**
 * Values given in the address (`#/new/snmp?targets=…&op=interfaces&profiles=a,b`) over a
 * form's values; unknown keys, bad choices and secrets are ignored.
 */
export function prefill(fields: FieldDef[], values: FormValues, params: Record<string, string>): FormValues {
  const out: FormValues = { ...values };
  for (const f of fields) {
    const raw = params[f.key];
    if (raw === undefined || isSecretField(f)) continue;
    if (f.type === 'select') {
      if (f.choices?.includes(raw)) out[f.key] = raw;
    } else if (f.type === 'types' || f.type === 'profiles') out[f.key] = splitList(raw);
    else if (f.type === 'profile') out[f.key] = splitList(raw).slice(0, 1);
    else if (f.type === 'bool') out[f.key] = raw === 'true' || raw === '1';
    else out[f.key] = raw;
  }
  return out;
}

const BARE_NUMBER = /^\d+(\.\d+)?$/;

/**
 * Turns typed values into an object of the fields that were set (hidden fields are not sent);
 * errors keyed `${prefix}.${key}`.
 */
export function buildFields(
  fields: FieldDef[],
  values: FormValues,
  prefix: string,
): { value: Record<string, unknown>; errors: Record<string, string> } {
  const value: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of visibleFields(fields, values)) {
    const raw = values[f.key];
    const name = `${prefix}.${f.key}`;
    switch (f.type) {
      case 'bool':
        if (raw === true) value[f.key] = true;
        break;
      case 'types':
      case 'profiles':
        if (Array.isArray(raw) && raw.length) value[f.key] = [...raw];
        break;
      case 'profile':
        if (Array.isArray(raw) && raw.length) value[f.key] = raw[0];
        break;
      case 'list': {
        const items = typeof raw === 'string' ? splitList(raw) : [];
        if (items.length) value[f.key] = items;
        break;
      }
      case 'secret':
      case 'secret-text':
        if (typeof raw === 'string' && raw) value[f.key] = raw;
        break;
      case 'select':
        if (typeof raw === 'string' && raw && raw !== f.default) value[f.key] = raw;
        break;
      case 'int':
      case 'number': {
        const s = typeof raw === 'string' ? raw.trim() : '';
        if (!s) break;
        if (!(f.type === 'int' ? /^\d+$/ : BARE_NUMBER).test(s)) {
          errors[name] = f.type === 'int' ? 'a whole number' : 'a number';
          break;
        }
        const n = Number(s);
        if (f.min !== undefined && n < f.min) errors[name] = `at least ${f.min}`;
        else if (f.max !== undefined && n > f.max) errors[name] = `at most ${f.max}`;
        else value[f.key] = n;
        break;
      }
      case 'duration': {
        const s = typeof raw === 'string' ? raw.trim() : '';
        if (!s) break;
        if (BARE_NUMBER.test(s)) errors[name] = `needs a unit: ${s}ms, ${s}s`;
        else value[f.key] = s;
        break;
      }
      case 'text': {
        const s = typeof raw === 'string' ? raw.trim() : '';
        if (s) value[f.key] = s;
        break;
      }
    }
  }
  return { value, errors };
}

export function buildOptions<K extends ProbeKind>(kind: K, values: FormValues): { options: OptionsOf[K]; errors: Record<string, string> } {
  const { value, errors } = buildFields(OPTION_FIELDS[kind], values, 'options');
  if (kind === 'snmp') {
    const op = snmpOp(values);
    if (op === 'get' && !value.oids && !errors['options.oids']) errors['options.oids'] = 'at least one OID to get';
    const profiles = picked(values, 'profiles');
    if (op !== 'topology' && profiles.length > 1)
      errors['options.profiles'] = `${op} takes one profile (only topology tries several in turn)`;
    if (!profiles.length && value.version === '3' && !value.user) errors['options.user'] = 'SNMPv3 needs a user (or pick a profile)';
  }
  if (kind === 'ssh') {
    if (!value.command) errors['options.command'] = 'a command to run on every device';
    if (!value.profile) {
      if (!value.user) errors['options.user'] = 'a user (or pick a profile with an SSH login)';
      if (!value.password && !value.private_key) errors['options.password'] = 'a password or a private key (or pick a profile)';
    }
    const key = value.private_key;
    if (typeof key === 'string' && !(key.includes('-----BEGIN') && key.includes('PRIVATE KEY-----')))
      errors['options.private_key'] = 'not a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)';
  }
  return { options: value as OptionsOf[K], errors };
}

export function buildNet(values: FormValues): { net: NetOptions; errors: Record<string, string> } {
  const { value, errors } = buildFields(NET_FIELDS, values, 'net');
  return { net: value as NetOptions, errors };
}

/** The form field a server error names: "targets_text" is the targets box, "options.types[1]" the types. */
export function normalizeField(field: string | null | undefined): string | null {
  if (!field) return null;
  let f = field.trim();
  f = f.replace(/\[\d+\]$/, '').replace(/\.\d+$/, '');
  if (f === 'targets_text' || f === 'targets' || f.startsWith('targets.') || f.startsWith('targets[')) return 'targets';
  if (!f.includes('.') && f !== 'kind') {
    // a bare option name ("timeout") from a server that does not prefix it
    return null;
  }
  return f;
}

export interface FormErrors {
  fields: Record<string, string>;
  general: string | null;
}

/**
 * Where to show a failed submit: next to the named field when the form has it, else above the
 * submit button. `known` is the set of field names the current form renders.
 */
export function formErrorsFromApi(err: unknown, known: ReadonlySet<string>): FormErrors {
  if (err instanceof ApiError) {
    const field = normalizeField(err.field);
    if (field && known.has(field)) return { fields: { [field]: err.message }, general: null };
    if (err.field && !field) {
      // unprefixed option name: try options.X
      const guess = `options.${err.field}`;
      if (known.has(guess)) return { fields: { [guess]: err.message }, general: null };
    }
    // "options" alone names no field: the message says which
    const where = err.field && err.field !== 'options' && !known.has(field ?? '') ? ` (${err.field})` : '';
    return { fields: {}, general: err.message + where };
  }
  return { fields: {}, general: err instanceof Error ? err.message : String(err) };
}

/** All field names a kind's form renders (with these values, when given), for formErrorsFromApi. */
export function knownFields(kind: ProbeKind, values?: FormValues): Set<string> {
  const s = new Set<string>(['targets', 'kind']);
  for (const f of values ? visibleFields(OPTION_FIELDS[kind], values) : OPTION_FIELDS[kind]) s.add(`options.${f.key}`);
  for (const f of NET_FIELDS) s.add(`net.${f.key}`);
  return s;
}
