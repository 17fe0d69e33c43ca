// The New-run form: the options each probe exposes (as the CLI does), turning what was typed into
// the request's `options`/`net` (only fields that were set), and mapping errors to fields.

import { ApiError } from './api';
import type { Kind, NetOptions, Options } from './types';

export type FieldType = 'int' | 'duration' | 'text' | 'bool' | 'select' | 'types';

export interface FieldDef {
  key: string;
  label: string;
  type: FieldType;
  /** The server's default, shown as placeholder (or preselected for `select`). */
  default?: string | number | boolean;
  choices?: readonly string[];
  placeholder?: string;
  min?: number;
  max?: number;
  title?: string;
}

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SOA', 'PTR', 'SRV', 'CAA', 'ANY'] as const;

export const OPTION_FIELDS: Record<Kind, FieldDef[]> = {
  ping: [
    { key: 'count', label: 'count', type: 'int', default: 1, min: 1, title: 'echo requests per target (-c)' },
    { key: 'interval', label: 'interval', type: 'duration', default: '1s', title: 'time between echoes to one target (-i)' },
    { key: 'timeout', label: 'timeout', type: 'duration', default: '1s', title: 'how long to wait for each reply (-t)' },
    { key: 'size', label: 'size', type: 'int', default: 56, min: 0, max: 65507, title: 'payload bytes (-s)' },
    { key: 'ttl', label: 'ttl', type: 'int', placeholder: 'system', min: 1, max: 255, title: 'IP TTL / hop limit (--ttl)' },
    { key: 'rate', label: 'rate', type: 'int', default: 10000, min: 0, title: 'packets per second over the run, 0 = unlimited' },
    { key: 'unprivileged', label: 'unprivileged', type: 'bool', default: false, title: 'use unprivileged ICMP sockets' },
  ],
  trace: [
    { key: 'protocol', label: 'protocol', type: 'select', choices: ['icmp', 'udp', 'tcp'], default: 'icmp', title: '-P' },
    { key: 'port', label: 'port', type: 'int', placeholder: 'udp 33434 / tcp 80', min: 1, max: 65535, title: 'destination port (-p)' },
    { key: 'max_hops', label: 'max hops', type: 'int', default: 30, min: 1, max: 255, title: '-m' },
    { key: 'first_hop', label: 'first hop', type: 'int', default: 1, min: 1, max: 255, title: '--first-hop' },
    { key: 'queries', label: 'queries', type: 'int', default: 3, min: 1, max: 255, title: 'probes per hop (-q)' },
    { key: 'timeout', label: 'timeout', type: 'duration', default: '2s', title: '-t' },
    { key: 'rate', label: 'rate', type: 'int', default: 10000, min: 0, title: 'probes per second, 0 = unlimited' },
    { key: 'resolve', label: 'resolve names', type: 'bool', default: false, title: 'reverse names of the hops (-r)' },
  ],
  dns: [
    { key: 'types', label: 'types', type: 'types', choices: DNS_TYPES, title: 'none selected: A for names, PTR for addresses' },
    { key: 'server', label: 'server', type: 'text', placeholder: 'system resolvers', title: 'IP or IP:PORT ([v6]:port)' },
    { key: 'timeout', label: 'timeout', type: 'duration', default: '2s' },
    { key: 'retries', label: 'retries', type: 'int', default: 2, min: 0 },
    { key: 'concurrency', label: 'concurrency', type: 'int', default: 100, min: 1 },
    { key: 'rate', label: 'rate', type: 'int', default: 0, min: 0, title: 'questions per second, 0 = unlimited' },
    { key: 'tcp', label: 'tcp', type: 'bool', default: false, title: 'ask over TCP from the start' },
  ],
  scan: [
    { key: 'ports', label: 'ports', type: 'text', placeholder: 'top ports', title: '22,80,8000-8100 or - for all' },
    { key: 'top', label: 'top', type: 'int', default: 1000, min: 1, title: 'most frequent ports when no list is given' },
    { key: 'method', label: 'method', type: 'select', choices: ['auto', 'syn', 'connect'], default: 'auto' },
    { key: 'timeout', label: 'timeout', type: 'duration', default: '1s' },
    { key: 'retries', label: 'retries', type: 'int', default: 1, min: 0, max: 255, title: 'SYN retransmissions' },
    { key: 'concurrency', label: 'concurrency', type: 'int', default: 0, min: 0, title: '0 = as the open-files limit allows' },
    { key: 'rate', label: 'rate', type: 'int', default: 0, min: 0, title: '0 = unlimited' },
    { key: 'banners', label: 'banners', type: 'bool', default: false, title: 'read what open ports say (-b)' },
    { key: 'banner_timeout', label: 'banner timeout', type: 'duration', default: '1s' },
  ],
};

export const NET_FIELDS: FieldDef[] = [
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
    else if (f.type === 'types') v[f.key] = [];
    else if (f.type === 'select') v[f.key] = String(f.default ?? f.choices?.[0] ?? '');
    else v[f.key] = '';
  }
  return v;
}

const BARE_NUMBER = /^\d+(\.\d+)?$/;

/** Turns typed values into an object of the fields that were set; errors keyed `${prefix}.${key}`. */
export function buildFields(
  fields: FieldDef[],
  values: FormValues,
  prefix: string,
): { value: Record<string, unknown>; errors: Record<string, string> } {
  const value: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.key];
    const name = `${prefix}.${f.key}`;
    switch (f.type) {
      case 'bool':
        if (raw === true) value[f.key] = true;
        break;
      case 'types':
        if (Array.isArray(raw) && raw.length) value[f.key] = [...raw];
        break;
      case 'select':
        if (typeof raw === 'string' && raw && raw !== f.default) value[f.key] = raw;
        break;
      case 'int': {
        const s = typeof raw === 'string' ? raw.trim() : '';
        if (!s) break;
        if (!/^\d+$/.test(s)) {
          errors[name] = 'a whole number';
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

export function buildOptions(kind: Kind, values: FormValues): { options: Options; errors: Record<string, string> } {
  const { value, errors } = buildFields(OPTION_FIELDS[kind], values, 'options');
  return { options: value, errors };
}

export function buildNet(values: FormValues): { net: NetOptions; errors: Record<string, string> } {
  const { value, errors } = buildFields(NET_FIELDS, values, 'net');
  return { net: value, errors };
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
    const where = err.field && !known.has(field ?? '') ? ` (${err.field})` : '';
    return { fields: {}, general: err.message + where };
  }
  return { fields: {}, general: err instanceof Error ? err.message : String(err) };
}

/** All field names a kind's form renders, for formErrorsFromApi. */
export function knownFields(kind: Kind): Set<string> {
  const s = new Set<string>(['targets', 'kind']);
  for (const f of OPTION_FIELDS[kind]) s.add(`options.${f.key}`);
  for (const f of NET_FIELDS) s.add(`net.${f.key}`);
  return s;
}
