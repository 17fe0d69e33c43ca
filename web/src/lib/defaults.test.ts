// The run form against the server's OpenAPI document: every option's default and choices are the
// document's, and every field is an option of its kind.

import { describe, expect, it } from 'vitest';
import doc from '../../../crates/wirescope-server/openapi.json';
import { defaults } from './defaults.gen';
import { NET_FIELDS, OPTION_FIELDS, defaultText, emptyValues, type FieldDef } from './form';
import { KINDS, type ProbeKind } from './types';

interface Property {
  default?: unknown;
  enum?: string[];
  $ref?: string;
  oneOf?: Property[];
}
interface Schema {
  properties?: Record<string, Property>;
  enum?: string[];
}
const schemas = doc.components.schemas as Record<string, Schema>;

const SCHEMA: Record<ProbeKind, string> = {
  ping: 'PingOptions',
  trace: 'TraceOptions',
  dns: 'DnsOptions',
  scan: 'ScanOptions',
  snmp: 'SnmpOptions',
  ssh: 'SshOptions',
};

/** The values an option's enum allows (through a $ref, or a oneOf with null), or null for none. */
function enumOf(p: Property): string[] | null {
  if (p.enum) return p.enum;
  if (p.$ref) return schemas[p.$ref.replace('#/components/schemas/', '')]?.enum ?? null;
  for (const o of p.oneOf ?? []) {
    const e = enumOf(o);
    if (e) return e;
  }
  return null;
}

describe('the run form and the OpenAPI document', () => {
  it.each(KINDS)("shows the document's defaults of %s's options", (kind) => {
    const props = schemas[SCHEMA[kind]].properties ?? {};
    for (const f of OPTION_FIELDS[kind] as FieldDef[]) {
      const p = props[f.key];
      if (!p) continue;
      expect({ option: f.key, default: f.default }).toEqual({ option: f.key, default: p.default });
    }
  });

  it.each(KINDS)('has a field for every option of %s with a default, and no field that is not an option', (kind) => {
    const props = schemas[SCHEMA[kind]].properties ?? {};
    const keys = OPTION_FIELDS[kind].map((f) => f.key as string);
    const withDefault = Object.keys(props).filter((k) => 'default' in props[k]);
    expect(withDefault.filter((k) => !keys.includes(k))).toEqual([]);
    const unknown = keys.filter((k) => !(k in props));
    expect(unknown).toEqual([]);
    expect(NET_FIELDS.filter((f) => !(f.key in (schemas.NetOptions.properties ?? {})))).toEqual([]);
  });

  it.each(KINDS)("offers exactly the document's choices in %s's selects, starting at the default", (kind) => {
    const props = schemas[SCHEMA[kind]].properties ?? {};
    const empty = emptyValues(OPTION_FIELDS[kind]);
    for (const f of OPTION_FIELDS[kind] as FieldDef[]) {
      if (f.type !== 'select') continue;
      expect({ option: f.key, choices: f.choices }).toEqual({ option: f.key, choices: enumOf(props[f.key]) });
      if (typeof f.default === 'string') expect(empty[f.key]).toBe(f.default);
    }
  });

  it('uses the generated defaults of the committed document', () => {
    for (const [name, given] of Object.entries(defaults)) {
      const props = schemas[name].properties ?? {};
      for (const [key, value] of Object.entries(given)) expect(value).toEqual(props[key].default);
    }
  });

  it('shows a default as a placeholder', () => {
    expect(defaultText('1000ms')).toBe('1s');
    expect(defaultText('60000ms')).toBe('60s');
    expect(defaultText('50ms')).toBe('50ms');
    expect(defaultText(100)).toBe('100');
    expect(defaultText([])).toBe('');
    expect(defaultText(null)).toBe('');
    expect(defaultText(undefined)).toBe('');
  });
});
