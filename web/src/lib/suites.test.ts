// Tests of the suite editor's logic: the fields a suite's runs offer, the suite it saves, a stored
// suite back in the editor, server errors to the editor's places; fires' tones; runs in words.

import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { emptyRule, emptyWindow } from './alerts';
import { OPTION_FIELDS, emptyValues } from './form';
import {
  SUITE_OPTION_FIELDS,
  buildRun,
  buildSuite,
  changeKind,
  draftOf,
  editorPlaces,
  emptyRun,
  emptySuite,
  errorPlace,
  fireLabel,
  fireTone,
  nameError,
  runDraftOf,
  specKind,
  specTargets,
  suiteErrorsFromApi,
  type RunDraft,
  type SuiteDraft,
} from './suites';
import { KINDS, type ProbeKind, type Suite } from './types';

const keys = (k: ProbeKind) => SUITE_OPTION_FIELDS[k].map((f) => f.key);

/** A run of a kind with these option values (over the blank ones) and targets. */
function run(kind: ProbeKind, values: Record<string, string | boolean | string[]> = {}, over: Partial<RunDraft> = {}): RunDraft {
  const r = emptyRun(kind);
  return { ...r, targets: '198.18.16.1', values: { ...r.values, ...values }, ...over };
}

const suite = (over: Partial<SuiteDraft>): SuiteDraft => ({ ...emptySuite(), ...over });

describe("a suite's runs", () => {
  it('offer every option of the New-run form but its secrets', () => {
    for (const k of KINDS) {
      const secrets = OPTION_FIELDS[k].filter((f) => f.type === 'secret' || f.type === 'secret-text').map((f) => f.key);
      expect(keys(k)).toEqual(OPTION_FIELDS[k].map((f) => f.key).filter((key) => !secrets.includes(key)));
    }
    expect(keys('ping')).toEqual(OPTION_FIELDS.ping.map((f) => f.key));
    expect(keys('snmp')).toContain('profiles');
    expect(keys('snmp')).not.toContain('community');
    expect(keys('snmp')).not.toContain('auth_password');
    expect(keys('ssh')).toContain('profile');
    for (const secret of ['password', 'private_key', 'key_passphrase']) expect(keys('ssh')).not.toContain(secret);
  });

  it('start blank, at the defaults, with typed targets', () => {
    const r = emptyRun('dns');
    expect(r.kind).toBe('dns');
    expect(r.source).toBe('targets');
    expect(r.values).toEqual(emptyValues(SUITE_OPTION_FIELDS.dns));
    expect(emptyRun('dns').key).not.toBe(r.key);
  });
});

describe('the suite saved', () => {
  it('has the schedule, the description and each run with the options set', () => {
    const draft = suite({
      name: 'core',
      description: '  core routers  ',
      cron: ' */5 * * * * ',
      timezone: 'Europe/Berlin',
      spread: '30s',
      runs: [
        run('ping', { count: '3', interval: '200ms' }, { targets: '198.18.16.1-4\n# the lab' }),
        run('trace', { protocol: 'tcp', port: '443' }, { source: 'targets_file', targetsFile: ' /etc/wirescope/core.txt ', net: { netns: 'wsl-c', interface: '', source: '' } }),
        run('snmp', { op: 'interfaces', profiles: ['core-v3'] }, { source: 'topology_run', topologyRun: '#7' }),
      ],
    });
    const { suite: built, errors } = buildSuite(draft);
    expect(errors).toEqual({});
    expect(built).toEqual({
      description: 'core routers',
      schedule: { cron: '*/5 * * * *', timezone: 'Europe/Berlin', spread: '30s' },
      runs: [
        { kind: 'ping', options: { count: 3, interval: '200ms' }, targets: '198.18.16.1-4\n# the lab' },
        { kind: 'trace', options: { protocol: 'tcp', port: 443 }, targets_file: '/etc/wirescope/core.txt', net: { netns: 'wsl-c' } },
        { kind: 'snmp', options: { op: 'interfaces', profiles: ['core-v3'] }, topology_run: 7 },
      ],
    });
  });

  it('leaves out a schedule not given: the suite runs on demand', () => {
    expect(buildSuite(suite({ runs: [run('ping')] })).suite).toEqual({ runs: [{ kind: 'ping', options: {}, targets: '198.18.16.1' }] });
  });

  it('is not sent while a field is wrong, each error at its place', () => {
    const draft = suite({
      timezone: 'UTC',
      spread: '5',
      runs: [
        run('ping', { count: '0' }),
        run('ping', { interval: '5' }, { targets: '# only a comment' }),
        run('dns', {}, { source: 'topology_run', topologyRun: 'seven' }),
        run('scan', {}, { source: 'targets_file', targetsFile: ' ' }),
        run('ping', {}, { net: { netns: '', interface: '', source: '' } }),
      ],
    });
    const { suite: built, errors } = buildSuite(draft);
    expect(built).toBeNull();
    expect(errors).toEqual({
      'schedule.cron': expect.stringMatching(/a time zone or a spread needs a schedule/),
      'schedule.spread': 'needs a unit: 5ms, 5s',
      'runs[0].options.count': 'at least 1',
      'runs[1].options.interval': 'needs a unit: 5ms, 5s',
      'runs[1].targets': expect.stringMatching(/^no targets/),
      'runs[2].targets': expect.stringMatching(/topology run/),
      'runs[3].targets': expect.stringMatching(/targets file/),
    });
    expect(buildSuite(suite({ runs: [] })).errors).toEqual({ runs: 'a suite needs at least one run' });
  });

  it("has an ssh run log in with a profile, never asking for a secret it cannot keep", () => {
    const bare = buildRun(run('ssh', { command: 'uptime', user: 'ops' }));
    expect(bare.errors).toEqual({ 'options.profile': expect.stringMatching(/profile with an SSH login/) });
    const withProfile = buildRun(run('ssh', { command: 'uptime', profile: ['lab'] }));
    expect(withProfile.errors).toEqual({});
    expect(withProfile.spec.options).toEqual({ command: 'uptime', profile: 'lab' });
  });

  it("keeps the kind's checks across fields", () => {
    expect(buildRun(run('snmp', { op: 'get', profiles: ['lab'] })).errors).toEqual({ 'options.oids': 'at least one OID to get' });
    expect(buildRun(run('snmp', { op: 'walk', profiles: ['a', 'b'] })).errors).toEqual({
      'options.profiles': 'walk takes one profile (only topology tries several in turn)',
    });
  });

  it('checks the name of a new suite as the server does', () => {
    expect(nameError('core-5min')).toBeNull();
    expect(nameError(' lab.v2_a ')).toBeNull();
    expect(nameError('')).not.toBeNull();
    expect(nameError('core routers')).not.toBeNull();
    expect(nameError('x'.repeat(65))).not.toBeNull();
  });
});

describe('a stored suite in the editor', () => {
  const stored: Suite = {
    description: 'lab',
    schedule: { cron: '0 8 * * MON-FRI', timezone: 'UTC', spread: '10s' },
    runs: [
      { kind: 'ping', options: { count: 3, interval: '200ms', unprivileged: true }, targets: '198.18.16.1-4' },
      { kind: 'dns', options: { types: ['A', 'MX'], server: '198.18.0.53' }, targets_file: '/srv/names.txt', net: { netns: 'wsl-c' } },
      { kind: 'snmp', options: { op: 'walk', oids: ['system', 'ifTable'], profiles: ['lab'] }, topology_run: 12 },
      { kind: 'ssh', options: { command: 'show version', profile: 'lab', accept_new_host_keys: true }, targets: '198.18.40.1-3' },
    ],
  };

  it('reads back as the fields show it, and saves the same suite', () => {
    const draft = draftOf('lab', stored);
    expect(draft).toMatchObject({ name: 'lab', description: 'lab', cron: '0 8 * * MON-FRI', timezone: 'UTC', spread: '10s' });
    expect(draft.runs.map((r) => r.source)).toEqual(['targets', 'targets_file', 'topology_run', 'targets']);
    expect(draft.runs[0].values).toMatchObject({ count: '3', interval: '200ms', unprivileged: true });
    expect(draft.runs[2].values).toMatchObject({ op: 'walk', oids: 'system,ifTable', profiles: ['lab'] });
    expect(draft.runs[2].topologyRun).toBe('12');
    expect(draft.runs[3].values.profile).toEqual(['lab']);
    expect(buildSuite(draft)).toEqual({ suite: stored, errors: {} });
  });

  it('sends back what it has no field for, as the server lists it', () => {
    const listed: Suite = {
      runs: [
        {
          kind: 'trace',
          options: { max_hops: 5 },
          targets: '198.18.3.1',
          net: { netns: 'wsl-c', interface: null, source: null, family: 'v6', resolvers: [] },
        },
      ],
    };
    const draft = draftOf('lab', listed);
    expect(draft.runs[0].kept).toEqual({ options: {}, net: { family: 'v6', resolvers: [] } });
    expect(buildSuite(draft).suite?.runs[0].net).toEqual({ family: 'v6', resolvers: [], netns: 'wsl-c' });
    // another kind's options go with the kind; the network stays
    const dns = changeKind(draft.runs[0], 'dns');
    expect(dns).toMatchObject({ key: draft.runs[0].key, kind: 'dns', targets: '198.18.3.1', values: emptyValues(SUITE_OPTION_FIELDS.dns) });
    expect(buildRun(dns).spec).toEqual({ kind: 'dns', options: {}, targets: '198.18.3.1', net: { family: 'v6', resolvers: [], netns: 'wsl-c' } });
  });

  it('keeps the sites a run is made from, and leaves a run from this server alone without them', () => {
    const draft = draftOf('x', { runs: [{ kind: 'ping', targets: 'a', sites: ['local', 'branch'] }, { kind: 'ping', targets: 'b' }] });
    expect(draft.runs.map((r) => r.sites)).toEqual([['local', 'branch'], []]);
    const built = buildSuite(draft).suite;
    expect(built?.runs.map((r) => r.sites)).toEqual([['local', 'branch'], undefined]);
    draft.runs[0].sites = ['local'];
    expect(buildRun(draft.runs[0]).spec.sites).toBeUndefined();
    draft.runs[0].sites = ['branch'];
    expect(buildRun(changeKind(draft.runs[0], 'trace')).spec.sites).toEqual(['branch']);
  });

  it('leaves a run on demand without a schedule', () => {
    const draft = draftOf('x', { runs: [{ kind: 'ping', targets: 'a' }] });
    expect([draft.cron, draft.timezone, draft.spread, draft.description]).toEqual(['', '', '', '']);
    expect(runDraftOf({ kind: 'ping', targets: 'a' }).values).toEqual(emptyValues(SUITE_OPTION_FIELDS.ping));
  });
});

describe("a suite's alerting", () => {
  const stored: Suite = {
    runs: [
      { kind: 'ping', options: {}, targets: '198.18.0.1-9' },
      { kind: 'trace', options: {}, targets: '198.18.0.9' },
    ],
    alerts: [
      { preset: 'latency_up', name: 'slow', runs: [1], over_ms: 5, notify: ['ops'] },
      { preset: 'down', after: 3, renotify: '4h', recovery: false },
      { preset: 'path_changed', targets: ['198.18.0.9'] },
    ],
    maintenance: [{ cron: '0 2 * * SUN', timezone: 'UTC', duration: '2h' }],
    parents: { '198.18.0.2': '198.18.0.1', '198.18.0.3': '198.18.0.1' },
  };

  it('reads back into the editor and saves the same suite', () => {
    const draft = draftOf('core', stored);
    expect(draft.alerts.map((r) => r.preset)).toEqual(['latency_up', 'down', 'path_changed']);
    // a rule's runs follow the runs, not their places
    expect(draft.alerts[0].runs).toEqual([draft.runs[1].key]);
    expect(draft.parents).toBe('198.18.0.2 198.18.0.1\n198.18.0.3 198.18.0.1');
    expect(buildSuite(draft)).toEqual({ suite: stored, errors: {} });
  });

  it('follows its runs: a rule reading a removed run says so, the others read the new places', () => {
    const draft = draftOf('core', stored);
    draft.runs.splice(0, 1);
    const built = buildSuite(draft);
    expect(built.errors).toEqual({});
    expect(built.suite?.alerts?.[0].runs).toEqual([0]);
    // latency_up reads a dns run, not a scan
    draft.runs[0] = changeKind(draft.runs[0], 'dns');
    expect(buildSuite(draft).errors).toEqual({ 'alerts[2].preset': 'path_changed reads trace runs and the suite has none' });
    draft.runs[0] = changeKind(draft.runs[0], 'scan');
    expect(buildSuite(draft).errors).toEqual({
      'alerts[0].runs': 'the runs it read are gone or of another kind: pick runs again, or none for every one',
      'alerts[2].preset': 'path_changed reads trace runs and the suite has none',
    });
  });

  it('leaves out what is empty', () => {
    const built = buildSuite(suite({ runs: [run('ping')], alerts: [], maintenance: [], parents: '  ' }));
    expect(built.suite).not.toHaveProperty('alerts');
    expect(built.suite).not.toHaveProperty('maintenance');
    expect(built.suite).not.toHaveProperty('parents');
  });

  it("shows the server's errors at the rule's, window's or parents' field", () => {
    const draft = suite({ runs: [run('ping')], alerts: [emptyRule(['ping']), emptyRule(['ping'])], maintenance: [emptyWindow()] });
    const places = editorPlaces(draft, false);
    const err = (field: string, message = 'bad') => suiteErrorsFromApi(new ApiError(400, message, field), places);
    expect(err('alerts[1].over_ms', '0 to 1000000')).toEqual({ fields: { 'alerts[1].over_ms': '0 to 1000000' }, general: null });
    expect(err('alerts[0].notify[1]', "channel name 'a b'")).toEqual({ fields: { 'alerts[0].notify': "channel name 'a b'" }, general: null });
    expect(err('alerts[0].runs[0]', 'run 0 is a ping run')).toEqual({ fields: { 'alerts[0].runs': 'run 0 is a ping run' }, general: null });
    expect(err('alerts[0].ignore[2]')).toEqual({ fields: { 'alerts[0].ignore': 'bad' }, general: null });
    expect(err('alerts[1].unknown', 'odd')).toEqual({ fields: { 'alerts[1]': 'unknown: odd' }, general: null });
    expect(err('maintenance[0].timezone', 'unknown time zone')).toEqual({ fields: { 'maintenance[0].timezone': 'unknown time zone' }, general: null });
    expect(err('parents.core-sw', 'a target cannot be its own parent')).toEqual({
      fields: { parents: 'core-sw: a target cannot be its own parent' },
      general: null,
    });
    expect(err('parents.198.18.0.2', 'loop')).toEqual({ fields: { parents: '198.18.0.2: loop' }, general: null });
    expect(err('alerts', '50 rules at most')).toEqual({ fields: { alerts: '50 rules at most' }, general: null });
    expect(err('alerts[5].name')).toEqual({ fields: {}, general: 'bad (alerts[5].name)' });
  });
});

describe("a server error's place in the editor", () => {
  const draft = suite({ runs: [run('ping'), run('dns'), run('snmp', { op: 'get', profiles: ['lab'] })] });
  const places = editorPlaces(draft, true);
  const place = (field: string | null) => errorPlace(field, places);

  it('is the field it names', () => {
    expect(place('runs[0].options.count')).toBe('runs[0].options.count');
    expect(place('runs[1].kind')).toBe('runs[1].kind');
    expect(place('runs[0].targets')).toBe('runs[0].targets');
    expect(place('runs[1].net.netns')).toBe('runs[1].net.netns');
    expect(place('schedule.cron')).toBe('schedule.cron');
    expect(place('schedule.timezone')).toBe('schedule.timezone');
    expect(place('schedule.spread')).toBe('schedule.spread');
    expect(place('name')).toBe('name');
    expect(place('runs')).toBe('runs');
  });

  it("is a list for one of its items, the targets however they are given", () => {
    expect(place('runs[1].options.types[1]')).toBe('runs[1].options.types');
    expect(place('runs[2].options.oids.0')).toBe('runs[2].options.oids');
    expect(place('runs[0].targets_file')).toBe('runs[0].targets');
    expect(place('runs[0].topology_run')).toBe('runs[0].targets');
    expect(place('schedule')).toBe('schedule.cron');
  });

  it("is the run's own line for what has no field of its own", () => {
    expect(place('runs[2].options')).toBe('runs[2]');
    // shown only for a topology crawl
    expect(place('runs[2].options.depth')).toBe('runs[2]');
    expect(place('runs[0].net')).toBe('runs[0]');
    expect(place('runs[1]')).toBe('runs[1]');
  });

  it('is none for a run or field the editor does not have', () => {
    expect(place('runs[3].kind')).toBeNull();
    expect(place('suite')).toBeNull();
    expect(place(null)).toBeNull();
    expect(errorPlace('name', editorPlaces(draft, false))).toBeNull();
  });

  it('gets the message, with the part of the run on its own line', () => {
    const err = (field: string | null, message = 'bad', status = 400) => suiteErrorsFromApi(new ApiError(status, message, field), places);
    expect(err('runs[0].options.count', 'invalid type: string "x", expected u32')).toEqual({
      fields: { 'runs[0].options.count': 'invalid type: string "x", expected u32' },
      general: null,
    });
    expect(err('runs[2].options', 'a suite keeps no secrets')).toEqual({ fields: { 'runs[2]': 'a suite keeps no secrets' }, general: null });
    expect(err('runs[2].options.depth', 'at most 16')).toEqual({ fields: { 'runs[2]': 'options.depth: at most 16' }, general: null });
    expect(err('runs[0].net', 'unknown field')).toEqual({ fields: { 'runs[0]': 'net: unknown field' }, general: null });
    expect(err('name', 'a suite named core exists', 409)).toEqual({ fields: { name: 'a suite named core exists' }, general: null });
  });

  it('shows above the save button when it has no place, with the field it names', () => {
    const general = (e: unknown) => suiteErrorsFromApi(e, places);
    expect(general(new ApiError(400, 'bad', 'runs[7].kind'))).toEqual({ fields: {}, general: 'bad (runs[7].kind)' });
    expect(general(new ApiError(400, 'expected value at line 1', 'suite'))).toEqual({ fields: {}, general: 'expected value at line 1' });
    expect(general(new ApiError(409, 'no run could start'))).toEqual({ fields: {}, general: 'no run could start' });
    expect(general(new Error('offline'))).toEqual({ fields: {}, general: 'offline' });
  });

  it('follows what the editor shows', () => {
    const get = editorPlaces(suite({ runs: [run('snmp', { op: 'get' })] }), false);
    const crawl = editorPlaces(suite({ runs: [run('snmp', { op: 'topology' })] }), false);
    expect(get.has('runs[0].options.oids')).toBe(true);
    expect(get.has('runs[0].options.depth')).toBe(false);
    expect(crawl.has('runs[0].options.depth')).toBe(true);
    expect(get.has('name')).toBe(false);
    expect(get.has('runs[0].options.community')).toBe(false);
  });
});

describe('fires and runs in words', () => {
  it('colours a fire by its outcome', () => {
    expect(fireTone('started')).toBe('ok');
    expect(fireTone('caught_up')).toBe('info');
    expect(fireTone('skipped')).toBe('warn');
    expect(fireTone('failed')).toBe('bad');
    expect(fireLabel('caught_up')).toBe('caught up');
    expect(fireLabel('started')).toBe('started');
  });

  it("names a run's kind and targets", () => {
    expect(specKind({ kind: 'snmp', options: { op: 'walk' }, targets: 'a' })).toBe('snmp walk');
    expect(specKind({ kind: 'ping' })).toBe('ping');
    expect(specTargets({ kind: 'ping', targets: '# lab\n198.18.16.1-4\nh1.lab.test' })).toBe('198.18.16.1-4 h1.lab.test');
    expect(specTargets({ kind: 'ping', targets_file: '/srv/t.txt' })).toBe('file /srv/t.txt');
    expect(specTargets({ kind: 'snmp', topology_run: 7 })).toBe('the devices of run #7');
  });
});
