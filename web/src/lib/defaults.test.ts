// The run form against the server's OpenAPI document: every option of every kind has a field (or
// is hidden on purpose), in the document's order, of its type, with its bounds, default and
// choices, and every field is an option of its kind.

import { describe, expect, it } from 'vitest';
import doc from '../../../crates/wirescope-server/openapi.json';
import { defaults } from './defaults.gen';
import { KIND_FORMS, NET_FIELDS, OPTION_FIELDS, defaultText, emptyValues, type FieldDef, type FieldType } from './form';
import { kinds } from './options.gen';
import { KINDS, type ProbeKind } from './types';

interface Property {
  type?: string | string[];
  default?: unknown;
  enum?: string[];
  $ref?: string;
  oneOf?: Property[];
  items?: Property;
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
}
interface Schema {
  properties?: Record<string, Property>;
  enum?: string[];
}
const schemas = doc.components.schemas as unknown as Record<string, Schema>;

/** A kind's options schema: ping -> PingOptions. */
const SCHEMA = (kind: ProbeKind) => `${kind[0].toUpperCase()}${kind.slice(1)}Options`;
const propsOf = (kind: ProbeKind) => schemas[SCHEMA(kind)].properties ?? {};
/** The options of a kind its form hides on purpose. */
const hidden = (kind: ProbeKind) => Object.entries(KIND_FORMS[kind]?.fields ?? {}).flatMap(([key, o]) => (o?.hidden ? [key] : []));

/** The property's own type, through `oneOf [T, null]` and `["T", "null"]`. */
function typeOf(p: Property): Property {
  const q = p.oneOf?.find((b) => b.type !== 'null') ?? p;
  return { ...q, type: Array.isArray(q.type) ? q.type.find((t) => t !== 'null') : q.type };
}

/** The field types an option of the document may have: its own, or the input the form picks it with. */
function fieldTypes(p: Property): FieldType[] {
  const t = typeOf(p);
  if (t.$ref === '#/components/schemas/Duration') return ['duration'];
  if (t.$ref === '#/components/schemas/ConfigTask') return ['config'];
  if (enumOf(p)) return ['select'];
  if (t.type === 'integer') return ['int'];
  if (t.type === 'number') return ['number'];
  if (t.type === 'boolean') return ['bool'];
  if (t.type === 'array') return ['list', 'intlist', 'types', 'profiles'];
  if (p.writeOnly) return ['secret', 'secret-text'];
  return ['text', 'profile'];
}

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
  it('knows the kinds of the document, in its order', () => {
    expect(kinds).toEqual(schemas.ProbeKind.enum);
    expect(KINDS).toEqual(kinds);
  });

  it.each(KINDS)("shows the document's defaults of %s's options", (kind) => {
    const props = propsOf(kind);
    for (const f of OPTION_FIELDS[kind] as FieldDef[]) {
      const p = props[f.key];
      if (!p) continue;
      expect({ option: f.key, default: f.default }).toEqual({ option: f.key, default: p.default });
    }
  });

  it.each(KINDS)('has a field for every option of %s (or hides it), and no field that is not an option', (kind) => {
    const props = propsOf(kind);
    const keys = OPTION_FIELDS[kind].map((f) => f.key);
    expect(Object.keys(props).filter((k) => !keys.includes(k) && !hidden(kind).includes(k))).toEqual([]);
    expect(keys.filter((k) => !(k in props))).toEqual([]);
    expect(hidden(kind).filter((k) => keys.includes(k))).toEqual([]);
    expect(NET_FIELDS.filter((f) => !(f.key in (schemas.NetOptions.properties ?? {})))).toEqual([]);
  });

  it.each(KINDS)("overrides only options of %s's document", (kind) => {
    expect(Object.keys(KIND_FORMS[kind]?.fields ?? {}).filter((k) => !(k in propsOf(kind)))).toEqual([]);
  });

  it.each(KINDS)("keeps the document's order of %s's options under each heading", (kind) => {
    const order = Object.keys(propsOf(kind));
    const pinned = Object.entries(KIND_FORMS[kind]?.fields ?? {}).flatMap(([key, o]) => (o?.first ? [key] : []));
    const byGroup = new Map<string, string[]>();
    for (const f of OPTION_FIELDS[kind]) byGroup.set(f.group ?? '', [...(byGroup.get(f.group ?? '') ?? []), f.key]);
    for (const keys of byGroup.values()) {
      const rest = keys.filter((k) => !pinned.includes(k));
      expect(rest).toEqual([...rest].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    }
  });

  it.each(KINDS)("gives %s's fields the document's types and bounds", (kind) => {
    const props = propsOf(kind);
    for (const f of OPTION_FIELDS[kind]) {
      const p = props[f.key];
      expect({ option: f.key, type: fieldTypes(p).includes(f.type) }).toEqual({ option: f.key, type: true });
      const t = typeOf(p);
      expect({ option: f.key, min: f.min, max: f.max }).toEqual({ option: f.key, min: p.minimum ?? t.minimum, max: p.maximum ?? t.maximum });
    }
  });

  it.each(KINDS)("offers exactly the document's choices in %s's selects, starting at the default", (kind) => {
    const props = propsOf(kind);
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
