// The New-run form: each probe kind's options as fields, built from the server's document
// (options.gen.ts: types, bounds, defaults, help) with the few touches a kind's form adds; turning
// what was typed into the request's `options`/`net` (only fields that were set and shown), and
// mapping errors to fields.

import { ApiError } from './api';
import { kinds, options, type OptionSpec } from './options.gen';
import type { AuthProtocol, NetOptions, OptionsOf, PrivProtocol, ProbeKind, SecurityLevel } from './types';

/**
 * `list`: words separated by spaces or commas, sent as an array (OIDs); `secret`: a password
 * input, sent as typed, never kept; `secret-text`: the same over several lines (a private key);
 * `types`: DNS record types picked as chips; `profiles`: credential profile names, in the order
 * picked; `profile`: at most one, sent as a name; `config`: SSH's configuration task, held as
 * `[action, lines, save, dry run]` (see configTask).
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
  | 'intlist'
  | 'secret'
  | 'secret-text'
  | 'profiles'
  | 'profile'
  | 'config';

/** A `config` field's parts: '' (none), 'backup' or 'push'; the lines; '1' for save and dry run. */
export type ConfigParts = [action: string, lines: string, save: string, dryRun: string];

export const configParts = (raw: FieldValue | undefined): ConfigParts => {
  const p = Array.isArray(raw) ? raw : [];
  return [p[0] ?? '', p[1] ?? '', p[2] ?? '', p[3] ?? ''];
};

/**
 * The configuration task a `config` field says: none, a backup, or a push of its non-blank
 * lines (trailing spaces dropped, indentation kept); an error when a push has no line.
 */
export function configTask(raw: FieldValue | undefined): { task?: Record<string, unknown>; error?: string } {
  const [action, text, save, dryRun] = configParts(raw);
  if (action === 'backup') return { task: { action: 'backup' } };
  if (action !== 'push') return {};
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.trim());
  if (!lines.length) return { error: 'the configuration lines to type, one per line' };
  return { task: { action: 'push', lines, save: save === '1', dry_run: dryRun === '1' } };
}

/** True for the fields whose values are secrets (never kept, never prefilled). */
export const isSecretField = (f: FieldDef): boolean => f.type === 'secret' || f.type === 'secret-text';

/** A default as the document gives it. */
export type FieldDefault = string | number | boolean | null | readonly string[];

export interface FieldDef<K extends string = string> {
  key: K;
  label: string;
  type: FieldType;
  /**
   * The server's default (the document's): shown as placeholder, preselected for `select` (which
   * sends only another choice).
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

/**
 * What a kind's form adds to an option's field: what the document cannot say (how a value is
 * picked: DNS types as chips, profiles from the store, a key over several lines; when a field
 * matters; where it sits) and friendlier labels. Bounds, defaults and choices of the document's
 * types stay the document's.
 */
export interface FieldOverride {
  label?: string;
  type?: 'types' | 'profiles' | 'profile' | 'secret-text';
  /** The choices of a `types` field. */
  choices?: readonly string[];
  initial?: string;
  placeholder?: string;
  /** The help when the document gives the option no description. */
  title?: string;
  when?: (values: FormValues) => boolean;
  group?: string;
  /** First of its group: a profile picker, which decides which of the others show. */
  first?: boolean;
  wide?: boolean;
  /** Not in the form: the server's default always applies. */
  hidden?: boolean;
}

/** A kind's form beyond its options: field overrides, the headings in order, checks across fields. */
export interface KindForm<O extends string = string> {
  /** The headings in order; the fields of a kind with headings but none of their own go under OTHER_GROUP, last. */
  groups?: readonly string[];
  fields?: { [key in O]?: FieldOverride };
  /** Errors (`options.KEY`) of values each fine alone; `value` is what buildFields made of `values`. */
  check?: (value: Record<string, unknown>, values: FormValues) => Record<string, string>;
}

export const OTHER_GROUP = 'other';

/** The option names of a kind, as the document gives them. */
type OptionKey<K extends ProbeKind> = (typeof options)[K][number]['key'];

/** The help of an option: its description without the Markdown code marks. */
const help = (description: string | undefined): string | undefined => description?.replace(/`/g, '');

/**
 * A kind's fields: its options in the document's order, with the form's overrides; under headings
 * (`groups`) when the kind has some, a `first` field leading its heading's.
 */
export function optionFieldsOf(specs: readonly OptionSpec[], form: KindForm = {}): FieldDef[] {
  const fields = specs.flatMap((spec) => {
    const o: FieldOverride = form.fields?.[spec.key] ?? {};
    if (o.hidden) return [];
    const field: FieldDef = {
      key: spec.key,
      label: o.label ?? spec.key.replace(/_/g, ' '),
      type: o.type ?? spec.type,
      default: spec.default,
      initial: o.initial,
      choices: o.choices ?? spec.choices,
      placeholder: o.placeholder,
      min: spec.min,
      max: spec.max,
      title: help(spec.description) ?? o.title,
      when: o.when,
      group: o.group ?? (form.groups ? OTHER_GROUP : undefined),
      wide: o.wide,
    };
    // what neither gives is left out, as a hand-written field would
    for (const k of Object.keys(field) as (keyof FieldDef)[]) if (field[k] === undefined) delete field[k];
    return [{ field, first: !!o.first }];
  });
  const groups = form.groups ?? [];
  const rank = ({ field, first }: (typeof fields)[number]) => {
    const g = groups.indexOf(field.group ?? '');
    return (g < 0 ? groups.length : g) * 2 + (first ? 0 : 1);
  };
  // a stable sort: the document's order within a heading
  return [...fields].sort((a, b) => rank(a) - rank(b)).map((f) => f.field);
}

const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SOA', 'PTR', 'SRV', 'CAA', 'ANY'] as const;

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
const CREDENTIAL_KEYS = ['version', 'community', 'user', 'level', 'auth_protocol', 'auth_password', 'priv_protocol', 'priv_password'] as const;
type CredentialKey = (typeof CREDENTIAL_KEYS)[number];

/**
 * SNMP credentials as net-snmp takes them: a community for v1/v2c, a USM user for v3 with the
 * protocols and passwords its security level needs; every field only while `show` holds.
 */
function credentialOverrides(show: (v: FormValues) => boolean, group?: string): Record<CredentialKey, FieldOverride> {
  const v3 = (v: FormValues) => show(v) && str(v, 'version') === '3';
  const auth = (v: FormValues) => v3(v) && str(v, 'level') !== 'noAuthNoPriv';
  const priv = (v: FormValues) => v3(v) && str(v, 'level') === 'authPriv';
  return {
    version: { when: show, group },
    community: { when: (v) => show(v) && str(v, 'version') !== '3', group, title: 'community string (-c)' },
    user: { when: v3, group },
    // the form sends a level and protocols (the server would derive the level from the passwords given)
    level: { initial: 'authPriv' satisfies SecurityLevel, when: v3, group },
    auth_protocol: { initial: 'SHA' satisfies AuthProtocol, when: auth, group },
    auth_password: { when: auth, group, title: 'authentication passphrase (-A)' },
    priv_protocol: { label: 'privacy protocol', initial: 'AES' satisfies PrivProtocol, when: priv, group },
    priv_password: { when: priv, group, title: 'privacy passphrase (-X)' },
  };
}

/** The SNMP credential fields (of the SNMP form, and of a profile's), shown while `show` holds. */
export function credentialFields(show: (v: FormValues) => boolean, group?: string): FieldDef<CredentialKey>[] {
  const specs = options.snmp.filter((spec) => (CREDENTIAL_KEYS as readonly string[]).includes(spec.key));
  return optionFieldsOf(specs, { fields: credentialOverrides(show, group) }) as FieldDef<CredentialKey>[];
}

const snmpOp = (v: FormValues) => str(v, 'op') || 'get';
/** The run's own credentials: when no profile is picked, or after the profiles of a crawl. */
const inlineCredentials = (v: FormValues) => snmpOp(v) === 'topology' || picked(v, 'profiles').length === 0;

const SNMP_GROUPS = { read: 'what to read', creds: 'credentials', timing: 'timing' } as const;

/** A configuration task is picked (it takes the command's place). */
const sshConfig = (v: FormValues) => v.shell === true && configParts(v.config)[0] !== '';

/** The run's own login: when no profile is picked. */
const sshOwnLogin = (v: FormValues) => picked(v, 'profile').length === 0;

const SSH_GROUPS = { command: 'command', login: 'login', connection: 'connection', timing: 'timing' } as const;

/**
 * What each kind's form adds to its options; a kind without an entry gets every option as the
 * document types it, in the document's order.
 */
export const KIND_FORMS: { [K in ProbeKind]?: KindForm<OptionKey<K>> } = {
  ping: { fields: { ttl: { placeholder: 'system' } } },
  trace: { fields: { port: { placeholder: 'udp 33434 / tcp 80' }, resolve: { label: 'resolve names' } } },
  dns: { fields: { types: { type: 'types', choices: DNS_TYPES }, server: { placeholder: 'system resolvers' } } },
  scan: { fields: { ports: { placeholder: 'top ports' } } },
  snmp: {
    groups: Object.values(SNMP_GROUPS),
    fields: {
      op: { label: 'operation', group: SNMP_GROUPS.read },
      oids: {
        label: 'OIDs',
        wide: true,
        placeholder: 'sysName.0 sysDescr.0 IF-MIB::ifTable 1.3.6.1.2.1.1',
        when: (v) => snmpOp(v) === 'get' || snmpOp(v) === 'walk',
        group: SNMP_GROUPS.read,
      },
      depth: { when: (v) => snmpOp(v) === 'topology' || snmpOp(v) === 'locate', group: SNMP_GROUPS.read },
      vlan_contexts: {
        label: 'VLAN contexts',
        placeholder: 'e.g. 10, 20 (Cisco: community@VLAN)',
        when: (v) => snmpOp(v) === 'fdb',
        group: SNMP_GROUPS.read,
      },
      rate: { label: 'rate interval', placeholder: 'no rates', when: (v) => snmpOp(v) === 'interfaces', group: SNMP_GROUPS.read },
      profiles: { type: 'profiles', wide: true, first: true, group: SNMP_GROUPS.creds },
      ...credentialOverrides(inlineCredentials, SNMP_GROUPS.creds),
      port: { group: SNMP_GROUPS.timing },
      timeout: { group: SNMP_GROUPS.timing },
      retries: { group: SNMP_GROUPS.timing },
      max_repetitions: { group: SNMP_GROUPS.timing },
      concurrency: { group: SNMP_GROUPS.timing },
    },
    check: (value, values) => {
      const errors: Record<string, string> = {};
      const op = snmpOp(values);
      if (op === 'get' && !value.oids) errors['options.oids'] = 'at least one OID to get';
      const profiles = picked(values, 'profiles');
      if (op !== 'topology' && profiles.length > 1) errors['options.profiles'] = `${op} takes one profile (only topology tries several in turn)`;
      if (!profiles.length && value.version === '3' && !value.user) errors['options.user'] = 'SNMPv3 needs a user (or pick a profile)';
      return errors;
    },
  },
  ssh: {
    groups: Object.values(SSH_GROUPS),
    fields: {
      command: { wide: true, placeholder: 'show running-config', when: (v) => !sshConfig(v), group: SSH_GROUPS.command },
      shell: { label: 'interactive shell (a network CLI)', group: SSH_GROUPS.command, title: 'type the commands (one per line) at the prompt of a PTY shell: paging off, enable, each output alone' },
      platform: { placeholder: 'auto', when: (v) => v.shell === true, group: SSH_GROUPS.command, title: 'cisco_ios, cisco_nxos, arista_eos, juniper_junos, hp_procurve, mikrotik_routeros, huawei_vrp, linux or auto' },
      enable_secret: { label: 'enable secret', when: (v) => v.shell === true, group: SSH_GROUPS.command, title: 'the secret privileged mode asks for' },
      config: {
        label: 'configuration',
        wide: true,
        when: (v) => v.shell === true,
        group: SSH_GROUPS.command,
        title: 'back up the running configuration (kept as a version when it changed), or push lines in configuration mode (stopping at the first refused)',
      },
      profile: { type: 'profile', wide: true, first: true, group: SSH_GROUPS.login },
      user: { group: SSH_GROUPS.login, title: 'the login (a profile picked gives its own when this is blank)' },
      password: { when: sshOwnLogin, group: SSH_GROUPS.login, title: 'password or keyboard-interactive login' },
      private_key: { type: 'secret-text', when: sshOwnLogin, group: SSH_GROUPS.login, placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----' },
      key_passphrase: { label: 'key passphrase', when: sshOwnLogin, group: SSH_GROUPS.login, title: 'passphrase of the private key, if it has one' },
      port: { group: SSH_GROUPS.connection },
      jump: { label: 'jump host', placeholder: '[user@]host[:port]', group: SSH_GROUPS.connection },
      accept_new_host_keys: { group: SSH_GROUPS.connection },
      timeout: { group: SSH_GROUPS.timing },
      command_timeout: { group: SSH_GROUPS.timing },
      concurrency: { group: SSH_GROUPS.timing },
      max_output: { group: SSH_GROUPS.timing },
    },
    check: (value, values) => {
      const errors: Record<string, string> = {};
      if (!value.command && !sshConfig(values)) errors['options.command'] = 'a command to run on every device';
      if (!value.profile) {
        if (!value.user) errors['options.user'] = 'a user (or pick a profile with an SSH login)';
        if (!value.password && !value.private_key) errors['options.password'] = 'a password or a private key (or pick a profile)';
      }
      const key = value.private_key;
      if (typeof key === 'string' && !(key.includes('-----BEGIN') && key.includes('PRIVATE KEY-----')))
        errors['options.private_key'] = 'not a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)';
      return errors;
    },
  },
};

const kindForm = (kind: ProbeKind): KindForm => KIND_FORMS[kind] ?? {};

/** Each kind's fields: its options as the document gives them, with its form's overrides. */
export const OPTION_FIELDS = Object.fromEntries(kinds.map((k) => [k, optionFieldsOf(options[k], kindForm(k))])) as Record<ProbeKind, FieldDef[]>;

export const NET_FIELDS: FieldDef<keyof NetOptions>[] = [
  { key: 'netns', label: 'netns', type: 'text', placeholder: 'current', title: 'network namespace (/run/netns/NAME)' },
  { key: 'interface', label: 'interface', type: 'text', placeholder: 'any', title: 'interface or VRF device (SO_BINDTODEVICE)' },
  { key: 'source', label: 'source', type: 'text', placeholder: 'auto', title: 'source address' },
];

export type FieldValue = string | boolean | string[];
export type FormValues = Record<string, FieldValue>;

/**
 * A select that starts blank, sending nothing: the document's default is null (the server
 * decides) and the form picks no choice of its own.
 */
export const startsBlank = (f: FieldDef): boolean => f.type === 'select' && f.default === null && f.initial === undefined;

/** Empty form values for a kind: blank inputs (defaults show as placeholders), checkboxes and selects at default. */
export function emptyValues(fields: FieldDef[]): FormValues {
  const v: FormValues = {};
  for (const f of fields) {
    if (f.type === 'bool') v[f.key] = f.default === true;
    else if (f.type === 'types' || f.type === 'profiles' || f.type === 'profile' || f.type === 'config') v[f.key] = [];
    else if (f.type === 'select') v[f.key] = startsBlank(f) ? '' : String(f.default ?? f.initial ?? f.choices?.[0] ?? '');
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
    else if (f.type === 'config') {
      if (raw === 'backup') out[f.key] = ['backup', '', '', ''];
    } else out[f.key] = raw;
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
        // only a change from the default (unticked unless the document says otherwise)
        if (typeof raw === 'boolean' && raw !== (f.default === true)) value[f.key] = raw;
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
      case 'intlist': {
        const items = typeof raw === 'string' ? splitList(raw) : [];
        const bad = items.find((s) => !/^\d+$/.test(s));
        if (bad !== undefined) {
          errors[name] = `'${bad}' is not a whole number`;
          break;
        }
        const nums = items.map(Number);
        const out = nums.find((n) => (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max));
        if (out !== undefined) errors[name] = `${out} is out of range (${f.min ?? 0}-${f.max ?? '∞'})`;
        else if (nums.length) value[f.key] = nums;
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
      case 'config': {
        const { task, error } = configTask(raw);
        if (error) errors[name] = error;
        else if (task) value[f.key] = task;
        break;
      }
    }
  }
  return { value, errors };
}

/**
 * The request's options from the form's values: each field's, then the kind's checks across
 * fields. `fields`: the kind's fields a form offers (a suite's editor offers no secrets).
 */
export function buildOptions<K extends ProbeKind>(
  kind: K,
  values: FormValues,
  fields: FieldDef[] = OPTION_FIELDS[kind],
): { options: OptionsOf[K]; errors: Record<string, string> } {
  const { value, errors } = buildFields(fields, values, 'options');
  // a field's own error says more than a check across fields
  const across = kindForm(kind).check?.(value, values) ?? {};
  return { options: value as OptionsOf[K], errors: { ...across, ...errors } };
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
  const s = new Set<string>(['targets', 'kind', 'sites']);
  for (const f of values ? visibleFields(OPTION_FIELDS[kind], values) : OPTION_FIELDS[kind]) s.add(`options.${f.key}`);
  for (const f of NET_FIELDS) s.add(`net.${f.key}`);
  return s;
}
