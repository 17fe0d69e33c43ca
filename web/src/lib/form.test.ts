// Tests of the New-run form: fields shown, options and network options built, errors to fields.

import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  KIND_FORMS,
  NET_FIELDS,
  OPTION_FIELDS,
  OTHER_GROUP,
  buildFields,
  buildNet,
  buildOptions,
  emptyValues,
  fieldGroups,
  formErrorsFromApi,
  knownFields,
  normalizeField,
  optionFieldsOf,
  prefill,
  splitList,
  visibleFields,
  withoutSecrets,
  type FormValues,
} from './form';
import type { OptionSpec } from './options.gen';
import { KINDS } from './types';

describe('option fields', () => {
  it('expose every CLI option of each kind', () => {
    const keys = (k: keyof typeof OPTION_FIELDS) => OPTION_FIELDS[k].map((f) => f.key).sort();
    expect(keys('ping')).toEqual(['count', 'interval', 'rate', 'size', 'timeout', 'ttl', 'unprivileged']);
    expect(keys('trace')).toEqual([
      'first_hop',
      'flows',
      'max_hops',
      'port',
      'protocol',
      'queries',
      'rate',
      'resolve',
      'timeout',
      'wait_here',
      'wait_min',
      'wait_near',
    ]);
    expect(keys('dns')).toEqual(['concurrency', 'rate', 'retries', 'server', 'tcp', 'timeout', 'types']);
    expect(keys('scan')).toEqual(['banner_timeout', 'banners', 'concurrency', 'method', 'ports', 'rate', 'retries', 'timeout', 'top']);
    expect(NET_FIELDS.map((f) => f.key)).toEqual(['netns', 'interface', 'source']);
    expect(keys('snmp')).toEqual(
      [
        'auth_password',
        'auth_protocol',
        'community',
        'concurrency',
        'depth',
        'level',
        'max_repetitions',
        'oids',
        'op',
        'port',
        'priv_password',
        'priv_protocol',
        'profiles',
        'rate',
        'retries',
        'timeout',
        'user',
        'version',
        'vlan_contexts',
      ].sort(),
    );
  });
});

describe('the snmp form', () => {
  const snmp = (over: FormValues = {}): FormValues => ({ ...emptyValues(OPTION_FIELDS.snmp), ...over });
  const shown = (v: FormValues) => visibleFields(OPTION_FIELDS.snmp, v).map((f) => f.key);

  it('shows the fields of the operation and of the credentials in use', () => {
    expect(shown(snmp())).toEqual([
      'op',
      'oids',
      'profiles',
      'version',
      'community',
      'port',
      'timeout',
      'retries',
      'max_repetitions',
      'concurrency',
    ]);
    expect(shown(snmp({ op: 'topology' }))).toContain('depth');
    expect(shown(snmp({ op: 'topology' }))).not.toContain('oids');
    expect(shown(snmp({ op: 'interfaces' }))).toContain('rate');
    expect(shown(snmp({ op: 'fdb' }))).toContain('vlan_contexts');
    expect(shown(snmp({ op: 'arp' }))).not.toContain('vlan_contexts');
    expect(shown(snmp({ op: 'locate' }))).toContain('depth');
    // VLANs as numbers; a word is refused with the field named.
    const fdb = buildOptions('snmp', snmp({ op: 'fdb', vlan_contexts: '20, 30' }));
    expect(fdb.options.vlan_contexts).toEqual([20, 30]);
    expect(buildOptions('snmp', snmp({ op: 'fdb', vlan_contexts: '20 x' })).errors).toEqual({ 'options.vlan_contexts': "'x' is not a whole number" });
    // v3: user and level; the protocols and passwords the level needs
    const v3 = shown(snmp({ version: '3' }));
    expect(v3).toEqual(expect.arrayContaining(['user', 'level', 'auth_protocol', 'auth_password', 'priv_protocol', 'priv_password']));
    expect(v3).not.toContain('community');
    expect(shown(snmp({ version: '3', level: 'authNoPriv' }))).not.toContain('priv_password');
    expect(shown(snmp({ version: '3', level: 'noAuthNoPriv' }))).not.toContain('auth_password');
    // a profile replaces the run's own credentials, except in a crawl (tried after the profiles)
    expect(shown(snmp({ profiles: ['lab'] }))).not.toContain('community');
    expect(shown(snmp({ op: 'topology', profiles: ['lab', 'core-v3'] }))).toContain('community');
  });

  it('groups the fields under their headings', () => {
    expect(fieldGroups(OPTION_FIELDS.snmp, snmp()).map((g) => g.group)).toEqual(['what to read', 'credentials', 'timing']);
    expect(fieldGroups(OPTION_FIELDS.ping, emptyValues(OPTION_FIELDS.ping)).map((g) => g.group)).toEqual([null]);
  });

  it('splits OIDs on spaces and commas', () => {
    expect(splitList(' sysName.0, IF-MIB::ifTable\n1.3.6.1.2.1.1 ,, ')).toEqual(['sysName.0', 'IF-MIB::ifTable', '1.3.6.1.2.1.1']);
    expect(buildOptions('snmp', snmp({ oids: 'sysName.0 sysDescr.0' }))).toEqual({
      options: { oids: ['sysName.0', 'sysDescr.0'] },
      errors: {},
    });
    expect(buildOptions('snmp', snmp({ op: 'walk', oids: 'system' })).options).toEqual({ op: 'walk', oids: ['system'] });
    expect(buildOptions('snmp', snmp({ op: 'walk' }))).toEqual({ options: { op: 'walk' }, errors: {} });
  });

  it('needs an OID to get', () => {
    expect(buildOptions('snmp', snmp()).errors).toEqual({ 'options.oids': 'at least one OID to get' });
    expect(buildOptions('snmp', snmp({ oids: ' , ' })).errors).toEqual({ 'options.oids': 'at least one OID to get' });
  });

  it('sends the profiles picked instead of the credentials, in order for a crawl', () => {
    const one = snmp({ oids: 'sysName.0', profiles: ['lab'], community: 'typed-before' });
    expect(buildOptions('snmp', one)).toEqual({ options: { oids: ['sysName.0'], profiles: ['lab'] }, errors: {} });
    const crawl = snmp({ op: 'topology', depth: '1', profiles: ['core-v3', 'lab'] });
    expect(buildOptions('snmp', crawl)).toEqual({
      options: { op: 'topology', depth: 1, profiles: ['core-v3', 'lab'] },
      errors: {},
    });
    expect(buildOptions('snmp', snmp({ op: 'neighbors', profiles: ['a', 'b'] })).errors).toEqual({
      'options.profiles': 'neighbors takes one profile (only topology tries several in turn)',
    });
    expect(buildOptions('snmp', snmp({ op: 'topology', depth: '17' })).errors).toEqual({ 'options.depth': 'at most 16' });
  });

  it('sends the run\'s own v1/v2c/v3 credentials as typed', () => {
    expect(buildOptions('snmp', snmp({ op: 'arp', community: ' wslpublic' })).options).toEqual({ op: 'arp', community: ' wslpublic' });
    const v3 = snmp({
      op: 'interfaces',
      rate: '5s',
      version: '3',
      user: 'wsl-sha-aes',
      auth_password: 'wsl-auth-sha-aes',
      priv_protocol: 'AES-256',
      priv_password: 'wsl-priv-sha-aes',
      community: 'hidden for v3',
    });
    expect(buildOptions('snmp', v3)).toEqual({
      options: {
        op: 'interfaces',
        rate: '5s',
        version: '3',
        user: 'wsl-sha-aes',
        level: 'authPriv',
        // preselected, and sent: the document gives the protocols no default
        auth_protocol: 'SHA',
        auth_password: 'wsl-auth-sha-aes',
        priv_protocol: 'AES-256',
        priv_password: 'wsl-priv-sha-aes',
      },
      errors: {},
    });
  });

  it('needs a v3 user unless a profile gives the credentials', () => {
    expect(buildOptions('snmp', snmp({ op: 'arp', version: '3', level: 'noAuthNoPriv' })).errors).toEqual({
      'options.user': 'SNMPv3 needs a user (or pick a profile)',
    });
    expect(buildOptions('snmp', snmp({ op: 'topology', version: '3', profiles: ['lab'] })).errors).toEqual({});
  });

  it('keeps no secret once the form is left', () => {
    const v = snmp({ oids: 'sysName.0', community: 'c', auth_password: 'a', priv_password: 'p', user: 'u' });
    const kept = withoutSecrets(OPTION_FIELDS.snmp, v);
    expect([kept.community, kept.auth_password, kept.priv_password]).toEqual(['', '', '']);
    expect([kept.oids, kept.user]).toEqual(['sysName.0', 'u']);
    expect(v.community).toBe('c');
  });

  it('fills the form from the address, never secrets or bad choices', () => {
    const v = prefill(OPTION_FIELDS.snmp, snmp(), {
      targets: '198.18.0.162',
      op: 'interfaces',
      rate: '5s',
      profiles: 'lab,core-v3',
      community: 'from-a-link',
      version: '4',
      nope: 'x',
    });
    expect(v).toMatchObject({ op: 'interfaces', rate: '5s', profiles: ['lab', 'core-v3'], community: '', version: '2c' });
    expect(v).not.toHaveProperty('nope');
    expect(prefill(OPTION_FIELDS.ping, emptyValues(OPTION_FIELDS.ping), { count: '3', unprivileged: 'true' })).toMatchObject({
      count: '3',
      unprivileged: true,
    });
  });

  it('knows which fields are on screen for server errors', () => {
    const v = snmp({ profiles: ['lab'] });
    expect(knownFields('snmp', v).has('options.profiles')).toBe(true);
    expect(knownFields('snmp', v).has('options.community')).toBe(false);
    expect(formErrorsFromApi(new ApiError(400, "no profile named 'nope'", 'options.profiles'), knownFields('snmp', v)).fields).toEqual({
      'options.profiles': "no profile named 'nope'",
    });
    expect(formErrorsFromApi(new ApiError(400, 'SNMPv3 needs a user (-u)', 'options'), knownFields('snmp', v)).general).toBe(
      'SNMPv3 needs a user (-u)',
    );
  });
});

describe('buildOptions', () => {
  it('sends nothing for an untouched form', () => {
    for (const k of KINDS.filter((k) => !KIND_FORMS[k]?.check))
      expect(buildOptions(k, emptyValues(OPTION_FIELDS[k]))).toEqual({ options: {}, errors: {} });
    // an SNMP get has nothing to ask without an OID
    expect(buildOptions('snmp', emptyValues(OPTION_FIELDS.snmp))).toEqual({ options: {}, errors: { 'options.oids': 'at least one OID to get' } });
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
    // the server's bound (its validate), as the document gives it
    expect(buildOptions('ping', { ...emptyValues(OPTION_FIELDS.ping), size: '65001' }).errors).toEqual({ 'options.size': 'at most 65000' });
  });

  it("turns SSH's configuration field into a backup or a push, in place of the command", () => {
    const base = { ...emptyValues(OPTION_FIELDS.ssh), user: 'ops', password: 'pw', shell: true };
    const backup = buildOptions('ssh', { ...base, config: ['backup', '', '', ''] });
    expect(backup).toEqual({ options: { user: 'ops', password: 'pw', shell: true, config: { action: 'backup' } }, errors: {} });
    // the command is neither shown nor asked for beside a configuration task
    expect(visibleFields(OPTION_FIELDS.ssh, { ...base, config: ['backup', '', '', ''] }).some((f) => f.key === 'command')).toBe(false);
    const push = buildOptions('ssh', { ...base, config: ['push', 'interface Gi0/1  \n description up\n\n', '1', ''] });
    expect(push.options.config).toEqual({ action: 'push', lines: ['interface Gi0/1', ' description up'], save: true, dry_run: false });
    expect(buildOptions('ssh', { ...base, config: ['push', ' \n', '', '1'] }).errors).toEqual({
      'options.config': 'the configuration lines to type, one per line',
    });
    // without the shell there is no configuration task, and a command is needed again
    expect(buildOptions('ssh', { ...base, shell: false, config: ['backup', '', '', ''] }).errors).toEqual({
      'options.command': 'a command to run on every device',
    });
    expect(prefill(OPTION_FIELDS.ssh, base, { config: 'backup' }).config).toEqual(['backup', '', '', '']);
  });

  it('builds the network options', () => {
    expect(buildNet({ netns: 'wsl-c', interface: ' ', source: '198.18.0.10' })).toEqual({
      net: { netns: 'wsl-c', source: '198.18.0.10' },
      errors: {},
    });
  });
});

describe('a kind without a form of its own', () => {
  const specs: OptionSpec[] = [
    { key: 'count', type: 'int', default: 3, min: 1, max: 10, description: 'Queries per `target`.' },
    { key: 'wait_time', type: 'duration', default: '1000ms' },
    { key: 'ratio', type: 'number', min: 0 },
    { key: 'mode', type: 'select', choices: ['fast', 'slow'], default: 'fast' },
    { key: 'family', type: 'select', choices: ['v4', 'v6'], default: null, nullable: true },
    { key: 'server', type: 'text', default: null, nullable: true },
    { key: 'verify', type: 'bool', default: true },
    { key: 'names', type: 'list', default: [] },
    { key: 'token', type: 'secret', default: null, nullable: true },
  ];
  const fields = optionFieldsOf(specs);

  it("gets every option as a field of the document's type, bounds and default, in its order", () => {
    expect(fields.map((f) => [f.key, f.label, f.type])).toEqual([
      ['count', 'count', 'int'],
      ['wait_time', 'wait time', 'duration'],
      ['ratio', 'ratio', 'number'],
      ['mode', 'mode', 'select'],
      ['family', 'family', 'select'],
      ['server', 'server', 'text'],
      ['verify', 'verify', 'bool'],
      ['names', 'names', 'list'],
      ['token', 'token', 'secret'],
    ]);
    expect(fields[0]).toEqual({ key: 'count', label: 'count', type: 'int', default: 3, min: 1, max: 10, title: 'Queries per target.' });
    expect(fields[4].choices).toEqual(['v4', 'v6']);
    expect(fieldGroups(fields, emptyValues(fields)).map((g) => g.group)).toEqual([null]);
  });

  it('sends only what differs from the defaults, a blank select nothing', () => {
    const empty = emptyValues(fields);
    expect(empty).toMatchObject({ mode: 'fast', family: '', verify: true, names: '', token: '' });
    expect(buildFields(fields, empty, 'options')).toEqual({ value: {}, errors: {} });
    const typed = { ...empty, count: '11', ratio: '0.5', family: 'v6', verify: false, names: 'a, b', token: 's' };
    expect(buildFields(fields, typed, 'options')).toEqual({
      value: { ratio: 0.5, family: 'v6', verify: false, names: ['a', 'b'], token: 's' },
      errors: { 'options.count': 'at most 10' },
    });
    expect(withoutSecrets(fields, typed).token).toBe('');
  });

  it('places the fields under the headings a form gives, leaving out the hidden', () => {
    const placed = optionFieldsOf(specs, {
      groups: ['main', 'timing'],
      fields: { wait_time: { group: 'timing' }, count: { group: 'main' }, token: { group: 'main', first: true }, server: { hidden: true } },
    });
    expect(placed.map((f) => `${f.group}:${f.key}`)).toEqual([
      'main:token',
      'main:count',
      'timing:wait_time',
      ...['ratio', 'mode', 'family', 'verify', 'names'].map((k) => `${OTHER_GROUP}:${k}`),
    ]);
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
