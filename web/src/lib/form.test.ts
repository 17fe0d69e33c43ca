import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  NET_FIELDS,
  OPTION_FIELDS,
  buildNet,
  buildOptions,
  emptyValues,
  formErrorsFromApi,
  knownFields,
  normalizeField,
} from './form';
import { KINDS } from './types';

describe('option fields', () => {
  it('expose every CLI option of each kind', () => {
    const keys = (k: keyof typeof OPTION_FIELDS) => OPTION_FIELDS[k].map((f) => f.key).sort();
    expect(keys('ping')).toEqual(['count', 'interval', 'rate', 'size', 'timeout', 'ttl', 'unprivileged']);
    expect(keys('trace')).toEqual(['first_hop', 'max_hops', 'port', 'protocol', 'queries', 'rate', 'resolve', 'timeout']);
    expect(keys('dns')).toEqual(['concurrency', 'rate', 'retries', 'server', 'tcp', 'timeout', 'types']);
    expect(keys('scan')).toEqual(['banner_timeout', 'banners', 'concurrency', 'method', 'ports', 'rate', 'retries', 'timeout', 'top']);
    expect(NET_FIELDS.map((f) => f.key)).toEqual(['netns', 'interface', 'source']);
  });
});

describe('buildOptions', () => {
  it('sends nothing for an untouched form', () => {
    for (const k of KINDS) expect(buildOptions(k, emptyValues(OPTION_FIELDS[k]))).toEqual({ options: {}, errors: {} });
    expect(buildNet(emptyValues(NET_FIELDS))).toEqual({ net: {}, errors: {} });
  });

  it('sends only what was set, numbers as numbers, durations as text', () => {
    const v = { ...emptyValues(OPTION_FIELDS.ping), count: ' 3 ', timeout: '500ms', ttl: '', unprivileged: true };
    expect(buildOptions('ping', v)).toEqual({ options: { count: 3, timeout: '500ms', unprivileged: true }, errors: {} });
  });

  it('sends a select only when it differs from the default', () => {
    const v = { ...emptyValues(OPTION_FIELDS.trace), protocol: 'tcp', port: '443' };
    expect(buildOptions('trace', v).options).toEqual({ protocol: 'tcp', port: 443 });
    expect(buildOptions('trace', emptyValues(OPTION_FIELDS.trace)).options).toEqual({});
  });

  it('sends DNS types as a list and scan ports as text', () => {
    expect(buildOptions('dns', { ...emptyValues(OPTION_FIELDS.dns), types: ['MX', 'TXT'], server: '198.18.0.53' }).options).toEqual({
      types: ['MX', 'TXT'],
      server: '198.18.0.53',
    });
    expect(buildOptions('scan', { ...emptyValues(OPTION_FIELDS.scan), ports: '22,80,8000-8100', banners: true }).options).toEqual({
      ports: '22,80,8000-8100',
      banners: true,
    });
  });

  it('names the field of a bad number or a duration without a unit', () => {
    const v = { ...emptyValues(OPTION_FIELDS.ping), count: 'three', interval: '1000', ttl: '300' };
    expect(buildOptions('ping', v)).toEqual({
      options: {},
      errors: {
        'options.count': 'a whole number',
        'options.interval': 'needs a unit: 1000ms, 1000s',
        'options.ttl': 'at most 255',
      },
    });
    expect(buildOptions('ping', { ...emptyValues(OPTION_FIELDS.ping), count: '0' }).errors).toEqual({ 'options.count': 'at least 1' });
  });

  it('builds the network options', () => {
    expect(buildNet({ netns: 'wsl-c', interface: ' ', source: '198.18.0.10' })).toEqual({
      net: { netns: 'wsl-c', source: '198.18.0.10' },
      errors: {},
    });
  });
});

describe('server errors to fields', () => {
  it('normalizes field names', () => {
    expect(normalizeField('targets')).toBe('targets');
    expect(normalizeField('targets_text')).toBe('targets');
    expect(normalizeField('targets[3]')).toBe('targets');
    expect(normalizeField('options.timeout')).toBe('options.timeout');
    expect(normalizeField('options.types[1]')).toBe('options.types');
    expect(normalizeField('net.netns')).toBe('net.netns');
    expect(normalizeField(null)).toBeNull();
    expect(normalizeField('')).toBeNull();
  });

  const known = knownFields('scan');

  it('puts a 400 next to the field it names', () => {
    expect(formErrorsFromApi(new ApiError(400, "invalid target '10.0.0.300'", 'targets'), known)).toEqual({
      fields: { targets: "invalid target '10.0.0.300'" },
      general: null,
    });
    expect(formErrorsFromApi(new ApiError(400, 'bad port list', 'options.ports'), known).fields).toEqual({
      'options.ports': 'bad port list',
    });
    expect(formErrorsFromApi(new ApiError(400, 'no such namespace', 'net.netns'), known).fields).toEqual({
      'net.netns': 'no such namespace',
    });
  });

  it('maps a bare option name to the option', () => {
    expect(formErrorsFromApi(new ApiError(400, 'bad', 'timeout'), known).fields).toEqual({ 'options.timeout': 'bad' });
  });

  it('shows errors without a known field above the button', () => {
    expect(formErrorsFromApi(new ApiError(429, 'too many runs in progress (limit 4)'), known)).toEqual({
      fields: {},
      general: 'too many runs in progress (limit 4)',
    });
    expect(formErrorsFromApi(new ApiError(400, 'unknown field', 'options.nope'), known)).toEqual({
      fields: {},
      general: 'unknown field (options.nope)',
    });
    expect(formErrorsFromApi(new Error('boom'), known)).toEqual({ fields: {}, general: 'boom' });
  });

  it('knows the fields each form renders', () => {
    expect(known.has('options.ports')).toBe(true);
    expect(known.has('options.count')).toBe(false);
    expect(known.has('net.source')).toBe(true);
    expect(known.has('targets')).toBe(true);
  });
});
