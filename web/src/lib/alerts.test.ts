// Tests of alerts' pure logic: presets (kinds, parameters, conditions), events in words and colours
// and where they come from (a suite's rule or a trap rule), evidence readers (paths, ports, latency
// and its chart, DNS, diff, interfaces, neighbours, a trap), merging the timeline, periods, and the
// editor's rules, windows and parents.

import { describe, expect, it } from 'vitest';
import {
  PRESET_KINDS,
  PRESET_PARAMS,
  alertPlaces,
  buildAlerting,
  buildRule,
  buildWindow,
  changePreset,
  deliveryText,
  diagnosticsBadge,
  deliveryTone,
  dnsEvidence,
  downResult,
  emptyRule,
  emptyWindow,
  eventOrigin,
  eventTitle,
  formatPeriod,
  hasEvidence,
  hasPending,
  interfacesDown,
  isStatePreset,
  kindLabel,
  kindTone,
  kindsText,
  readsText,
  latencyChart,
  latencyEvidence,
  latencyThreshold,
  lossEvidence,
  matchesFilter,
  mergeEvents,
  neighborEvidence,
  outputEvidence,
  parentsText,
  parseParents,
  parsePeriod,
  parseUnifiedDiff,
  pathRows,
  periodText,
  portLists,
  presetTitle,
  presetsFor,
  readableRuns,
  ruleDraftOf,
  ruleHabits,
  ruleParams,
  ruleReads,
  trapEvidence,
  windowDraftOf,
  type RuleDraft,
  type RunRef,
} from './alerts';
import { PRESETS, type AlertEvent, type Delivery, type Diagnostics, type ProbeKind } from './types';

function event(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    id: 1,
    suite_id: 3,
    suite: 'core',
    rule: 'down',
    preset: 'down',
    target: '198.18.0.1',
    kind: 'firing',
    at: 1_700_000_000_000,
    run_id: 40,
    summary: '198.18.0.1 is down: all 3 echoes lost',
    evidence: { result: 'all 3 echoes lost' },
    silenced: null,
    deliveries: [],
    ...over,
  };
}

function delivery(over: Partial<Delivery> = {}): Delivery {
  return { id: 1, event_id: 1, channel: 'ops', status: 'sent', attempts: 1, next_at: 0, last_error: null, sent_at: 1, ...over };
}

const TRAP = {
  id: 7,
  time: '2026-12-03T10:00:00.000Z',
  source: '198.18.0.161',
  port: 40000,
  version: '2c',
  pdu: 'trap',
  oid: '.1.3.6.1.6.3.1.1.5.3',
  name: 'IF-MIB::linkDown',
  uptime: 12345,
  varbinds: [
    { oid: '.1.3.6.1.2.1.2.2.1.1.3', name: 'IF-MIB::ifIndex.3', type: 'INTEGER', value: '3' },
    { oid: '.1.3.6.1.2.1.2.2.1.8.3', name: 'IF-MIB::ifOperStatus.3', type: 'INTEGER', value: 'down(2)' },
  ],
  device: { name: 's1.lab.test', addr: '198.18.0.161', by: 'address', run_id: 12 },
};

/** An event a trap rule raised, as the server records it. */
const trapEvent = (over: Partial<AlertEvent> = {}): AlertEvent =>
  event({
    suite_id: null,
    suite: null,
    trap_id: 7,
    rule: 'links',
    preset: 'trap',
    target: 's1.lab.test',
    kind: 'changed',
    run_id: null,
    summary: 'IF-MIB::linkDown from s1.lab.test (198.18.0.161): ifIndex.3=3 ifOperStatus.3=down(2)',
    evidence: { trap: TRAP },
    ...over,
  });

const runs = (...kinds: ProbeKind[]): RunRef[] => kinds.map((kind, i) => ({ key: 100 + i, kind }));
const rule = (over: Partial<RuleDraft> = {}): RuleDraft => ({ ...emptyRule(), ...over });

describe('presets', () => {
  it('read the kinds the server says', () => {
    expect(PRESET_KINDS.latency_up).toEqual(['ping', 'trace', 'dns']);
    expect(PRESET_KINDS.loss_up).toEqual(['ping', 'trace']);
    expect(PRESET_KINDS.down).toEqual(['ping', 'trace', 'dns', 'scan', 'snmp', 'ssh']);
    expect(PRESET_KINDS.port_closed).toEqual(['scan']);
    expect(PRESET_KINDS.port_opened).toEqual(['scan']);
    expect(PRESET_KINDS.dns_changed).toEqual(['dns']);
    expect(PRESET_KINDS.path_changed).toEqual(['trace']);
    for (const p of ['interface_down', 'neighbor_gone', 'neighbor_new'] as const) expect(PRESET_KINDS[p]).toEqual(['snmp']);
    expect(PRESET_KINDS.output_changed).toEqual(['ssh']);
    expect(Object.keys(PRESET_KINDS).sort()).toEqual([...PRESETS].sort());
  });

  it('take their own parameters; conditions may re-notify, changes may not', () => {
    expect(PRESET_PARAMS.latency_up).toEqual(['baseline', 'over_ms', 'over_pct']);
    expect(PRESET_PARAMS.loss_up).toEqual(['loss_pct']);
    expect(PRESET_PARAMS.output_changed).toEqual(['ignore']);
    expect(PRESETS.filter((p) => PRESET_PARAMS[p].length === 0)).toHaveLength(8);
    expect(PRESETS.filter(isStatePreset)).toEqual(['latency_up', 'loss_up', 'down', 'port_closed', 'interface_down', 'neighbor_gone']);
  });

  it("are offered for the kinds of a suite's runs", () => {
    expect(presetsFor(['ping'])).toEqual(['latency_up', 'loss_up', 'down']);
    expect(presetsFor(['scan', 'trace'])).toEqual(['latency_up', 'loss_up', 'down', 'port_closed', 'port_opened', 'path_changed']);
    expect(presetsFor(['snmp'])).toEqual(['down', 'interface_down', 'neighbor_gone', 'neighbor_new']);
    expect(presetsFor(['ssh'])).toEqual(['down', 'output_changed']);
    expect(presetsFor([])).toEqual([]);
    expect(kindsText('latency_up')).toBe('ping, trace or dns');
    expect(kindsText('path_changed')).toBe('trace');
    expect(kindsText('down')).toBe('any');
    expect(readsText('down')).toBe('runs of any kind');
    expect(readsText('loss_up')).toBe('ping or trace runs');
  });
});

describe('events', () => {
  it('read as notices begin, coloured by kind', () => {
    expect(presetTitle('neighbor_new')).toBe('new neighbour');
    expect(presetTitle('dns_changed')).toBe('DNS answer changed');
    expect(presetTitle('some_future')).toBe('some future');
    expect(presetTitle('trap')).toBe('SNMP trap');
    expect(eventTitle(trapEvent())).toBe('SNMP trap');
    expect(eventTitle({ preset: 'latency_up', kind: 'firing' })).toBe('latency up');
    expect(eventTitle({ preset: 'latency_up', kind: 'resolved' })).toBe('recovered: latency up');
    expect(['firing', 'renotify', 'resolved', 'changed'].map((k) => kindTone(k as AlertEvent['kind']))).toEqual(['bad', 'warn', 'ok', 'info']);
    expect(kindLabel('renotify')).toBe('still firing');
  });

  it('say what was collected when an event fired', () => {
    const d: Diagnostics = { status: 'ready', started_at: 1, finished_at: 2, runs: [7, 8], bytes: 2_500_000, sha256: 'ab', note: 'no capture was running' };
    expect(diagnosticsBadge(null)).toBeNull();
    const ready = diagnosticsBadge(d);
    expect([ready?.tone, ready?.label.startsWith('diagnostics 2.5')]).toEqual(['ok', true]);
    expect(ready?.title).toContain('runs #7, #8');
    expect(ready?.title).toContain('no capture was running');
    expect(diagnosticsBadge({ ...d, status: 'collecting' })?.tone).toBe('info');
    expect(diagnosticsBadge({ ...d, status: 'failed', note: 'run 7 had not ended' })?.title).toBe('could not be collected; run 7 had not ended');
    expect(diagnosticsBadge({ ...d, status: 'skipped', runs: [], note: '2 collections were under way already' })?.label).toBe('no diagnostics');
    expect(diagnosticsBadge({ ...d, status: 'pruned' })?.title).toContain('--diagnostics-keep');
  });

  it('tell how each delivery went', () => {
    expect(deliveryTone('sent')).toBe('ok');
    expect(deliveryTone('pending')).toBe('warn');
    expect(deliveryTone('failed')).toBe('bad');
    expect(deliveryText(delivery())).toBe('sent (1 attempt)');
    expect(deliveryText(delivery({ status: 'failed', attempts: 5, last_error: 'HTTP 503' }))).toBe('failed after 5 attempts: HTTP 503');
    expect(deliveryText(delivery({ status: 'pending', attempts: 0 }))).toBe('pending');
    expect(deliveryText(delivery({ status: 'pending', attempts: 2, last_error: 'timed out' }))).toBe('pending: 2 attempts so far, last: timed out');
    expect(hasPending([event(), event({ deliveries: [delivery({ status: 'pending' })] })])).toBe(true);
    expect(hasPending([event({ deliveries: [delivery()] })])).toBe(false);
  });

  it('merge into one timeline, newest first, the later copy winning', () => {
    const a = event({ id: 1 });
    const b = event({ id: 2, deliveries: [delivery({ status: 'pending' })] });
    const b2 = event({ id: 2, deliveries: [delivery({ status: 'sent' })] });
    const c = event({ id: 3 });
    const merged = mergeEvents([b, a], [c, b2]);
    expect(merged.map((e) => e.id)).toEqual([3, 2, 1]);
    expect(merged[1].deliveries[0].status).toBe('sent');
    expect(mergeEvents([], [])).toEqual([]);
  });

  it('match the filters', () => {
    const e = event({ suite_id: 3, target: '198.18.0.1' });
    expect(matchesFilter(e, { suite: null, target: '' })).toBe(true);
    expect(matchesFilter(e, { suite: 3, target: '' })).toBe(true);
    expect(matchesFilter(e, { suite: 4, target: '' })).toBe(false);
    expect(matchesFilter(e, { suite: 3, target: ' 198.18.0.1 ' })).toBe(true);
    expect(matchesFilter(e, { suite: null, target: '198.18.0.2' })).toBe(false);
    // a trap rule's event: with every suite's, never under one suite's
    const t = trapEvent();
    expect(matchesFilter(t, { suite: null, target: '' })).toBe(true);
    expect(matchesFilter(t, { suite: 3, target: '' })).toBe(false);
    expect(matchesFilter(t, { suite: null, target: 's1.lab.test' })).toBe(true);
  });

  it("come from a suite's rule or a trap rule", () => {
    expect(eventOrigin(event())).toEqual({ kind: 'suite', suite: 3, name: 'core' });
    expect(eventOrigin(event({ suite: null }))).toEqual({ kind: 'suite', suite: 3, name: 'suite #3' });
    expect(eventOrigin(trapEvent())).toEqual({ kind: 'trap', trap: 7 });
    // the history let the trap go: still a trap rule's, without a link
    expect(eventOrigin(trapEvent({ trap_id: null }))).toEqual({ kind: 'trap', trap: null });
    expect(eventOrigin(event({ suite_id: null, suite: null }))).toBeNull();
    // as an older server sends a suite's event: no trap_id at all
    const old: AlertEvent = JSON.parse(JSON.stringify(event()));
    delete old.trap_id;
    expect(eventOrigin(old)).toEqual({ kind: 'suite', suite: 3, name: 'core' });
  });
});

describe('evidence', () => {
  it('of a path change lines up the hops by TTL, the moved ones marked and the gaps as *', () => {
    const rows = pathRows({
      before: { '1': ['10.0.0.1'], '2': ['10.1.0.1', '10.1.0.2'], '4': ['198.18.0.1'] },
      after: { '1': ['10.0.0.1'], '2': ['10.9.0.1'], '3': ['10.2.0.1'], '4': ['198.18.0.1'] },
      moved: [2],
    });
    expect(rows).toEqual([
      { ttl: 1, before: ['10.0.0.1'], after: ['10.0.0.1'], moved: false },
      { ttl: 2, before: ['10.1.0.1', '10.1.0.2'], after: ['10.9.0.1'], moved: true },
      { ttl: 3, before: [], after: ['10.2.0.1'], moved: false },
      { ttl: 4, before: ['198.18.0.1'], after: ['198.18.0.1'], moved: false },
    ]);
    expect(pathRows({ before: { '2': ['a'] }, after: { '5': ['b'] }, moved: [] })?.map((r) => r.ttl)).toEqual([2, 3, 4, 5]);
    expect(pathRows({ before: {}, after: {} })).toEqual([]);
    expect(pathRows(null)).toBeNull();
    expect(pathRows({ result: 'x' })).toBeNull();
  });

  it('of ports lists what closed or opened beside what was expected and is open', () => {
    expect(portLists('port_closed', { closed: [443], expected: [22, 80, 443], open: [22, 80] })).toEqual([
      { key: 'closed', label: 'closed', ports: [443], tone: 'bad' },
      { key: 'expected', label: 'expected open', ports: [22, 80, 443], tone: '' },
      { key: 'open', label: 'open now', ports: [22, 80], tone: 'ok' },
    ]);
    const opened = portLists('port_opened', { opened: [8080], before: [22], open: [22, 8080] });
    expect(opened?.map((l) => [l.key, l.ports])).toEqual([
      ['opened', [8080]],
      ['before', [22]],
      ['open', [22, 8080]],
    ]);
    expect(portLists('port_closed', { opened: [1] })).toBeNull();
    expect(portLists('down', { closed: [1] })).toBeNull();
  });

  it('of latency gives the medians, oldest first, and the level it fires at', () => {
    const l = latencyEvidence({
      median_ms: 42.5,
      baseline_ms: 10,
      over_ms: 10,
      over_pct: 50,
      baseline_window: '1h',
      recent: [
        [2000, 11],
        [1000, 9.5],
        ['bad', 3],
      ],
    });
    expect(l).toEqual({ medianMs: 42.5, baselineMs: 10, overMs: 10, overPct: 50, window: '1h', recent: [[1000, 9.5], [2000, 11]] });
    expect(latencyThreshold(l!)).toBe(20);
    expect(latencyThreshold({ ...l!, baselineMs: 100 })).toBe(150);
    expect(latencyEvidence({ median_ms: 1 })).toBeNull();
  });

  it('of latency draws as a line to the run, the baseline and the threshold across', () => {
    const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);
    const l = latencyEvidence({
      median_ms: 40,
      baseline_ms: 10,
      over_ms: 10,
      over_pct: 50,
      recent: [
        [t0, 10],
        [t0 + 30 * 60_000, 10],
      ],
    })!;
    const c = latencyChart(l, t0 + 60 * 60_000, 200, 100);
    expect(c.yMax).toBe(50);
    expect(c.points).toEqual([
      { x: 0, y: 80 },
      { x: 100, y: 80 },
    ]);
    expect(c.current).toEqual({ x: 200, y: 20 });
    expect(c.line).toBe('M0,80L100,80L200,20');
    expect(c.baselineY).toBe(80);
    expect(c.thresholdY).toBe(60);
    expect(c.yTicks[0]).toMatchObject({ v: 0, pos: 100 });
    // no medians kept: the run alone, over the last minute
    const alone = latencyChart({ ...l, recent: [] }, t0, 100, 50);
    expect(alone.points).toEqual([]);
    expect(alone.current.x).toBe(100);
  });

  it('of loss, down, DNS, interfaces and neighbours', () => {
    expect(lossEvidence({ loss_pct: 40, limit_pct: 20, sent: 5 })).toEqual({ lossPct: 40, limitPct: 20, sent: 5 });
    expect(downResult({ result: 'not reached (last answer at hop 3)' })).toBe('not reached (last answer at hop 3)');
    expect(downResult({})).toBeNull();
    expect(
      dnsEvidence({ before: { rcode: 'NOERROR', answers: ['198.18.0.1', '198.18.0.2'] }, after: { rcode: 'NOERROR', answers: ['198.18.0.2', '198.18.0.3'] } }),
    ).toEqual({
      before: { rcode: 'NOERROR', answers: ['198.18.0.1', '198.18.0.2'] },
      after: { rcode: 'NOERROR', answers: ['198.18.0.2', '198.18.0.3'] },
      added: ['198.18.0.3'],
      removed: ['198.18.0.1'],
    });
    expect(dnsEvidence({ before: { rcode: 'NOERROR', answers: [] } })).toBeNull();
    expect(interfacesDown({ down: [{ name: 'ge-0/0/1', oper: 'down', admin: 'up' }, { name: 'lo9', oper: 'absent', admin: null }, 'x'] })).toEqual([
      { name: 'ge-0/0/1', oper: 'down', admin: 'up' },
      { name: 'lo9', oper: 'absent', admin: null },
    ]);
    expect(neighborEvidence('neighbor_gone', { gone: ['Gi0/1 → sw2 Gi0/24'], now: [] })).toEqual({
      changed: ['Gi0/1 → sw2 Gi0/24'],
      label: 'gone',
      now: [],
    });
    expect(neighborEvidence('neighbor_new', { new: ['a'], now: ['a', 'b'] })?.label).toBe('new');
    expect(neighborEvidence('neighbor_new', { gone: ['a'] })).toBeNull();
    expect(hasEvidence(null)).toBe(false);
    expect(hasEvidence({})).toBe(false);
    expect(hasEvidence({ a: 1 })).toBe(true);
  });

  it('of an output change parses its unified diff into numbered lines', () => {
    const diff = '--- before\n+++ after\n@@ -1,3 +1,3 @@\n hostname r1\n-ntp server 10.0.0.1\n+ntp server 10.0.0.2\n interface lo0\n@@ -9 +9,2 @@\n end\n+!\n\\ No newline at end of file\n';
    const d = parseUnifiedDiff(diff);
    expect(d.added).toBe(2);
    expect(d.removed).toBe(1);
    expect(d.hunks.map((h) => h.header)).toEqual(['@@ -1,3 +1,3 @@', '@@ -9,1 +9,2 @@']);
    expect(d.hunks[0].lines).toEqual([
      { kind: 'ctx', text: 'hostname r1', old: 1, new: 1 },
      { kind: 'del', text: 'ntp server 10.0.0.1', old: 2, new: null },
      { kind: 'add', text: 'ntp server 10.0.0.2', old: null, new: 2 },
      { kind: 'ctx', text: 'interface lo0', old: 3, new: 3 },
    ]);
    expect(d.hunks[1].lines.map((l) => [l.kind, l.old, l.new])).toEqual([
      ['ctx', 9, 9],
      ['add', null, 10],
    ]);
    const o = outputEvidence({ command: 'show run', diff, added: 2, removed: 1, truncated: true });
    expect(o).toMatchObject({ command: 'show run', added: 2, removed: 1, truncated: true });
    expect(o?.diff.hunks).toHaveLength(2);
    expect(outputEvidence({ command: 'x' })).toBeNull();
  });

  it("of a trap rule's event is the trap: its name, source, device and bindings", () => {
    expect(trapEvidence(trapEvent().evidence)).toEqual({
      id: 7,
      title: 'IF-MIB::linkDown',
      oid: '.1.3.6.1.6.3.1.1.5.3',
      source: '198.18.0.161',
      device: { name: 's1.lab.test', runId: 12 },
      varbinds: [
        { oid: '.1.3.6.1.2.1.2.2.1.1.3', name: 'IF-MIB::ifIndex.3', type: 'INTEGER', value: '3' },
        { oid: '.1.3.6.1.2.1.2.2.1.8.3', name: 'IF-MIB::ifOperStatus.3', type: 'INTEGER', value: 'down(2)' },
      ],
    });
    // an unnamed one from a source no device matched; bindings without an OID left out
    const bare = trapEvidence({ trap: { ...TRAP, id: undefined, name: null, device: null, varbinds: [{ value: 'x' }, { oid: '.1.3', value: 7 }] } });
    expect(bare).toEqual({
      id: null,
      title: '.1.3.6.1.6.3.1.1.5.3',
      oid: '.1.3.6.1.6.3.1.1.5.3',
      source: '198.18.0.161',
      device: null,
      varbinds: [{ oid: '.1.3', name: '', type: '', value: '' }],
    });
    expect(trapEvidence({ trap: { ...TRAP, device: { by: 'address' } } })?.device).toBeNull();
    expect(trapEvidence({ trap: { oid: '.1.3' } })).toBeNull();
    expect(trapEvidence({ result: 'down' })).toBeNull();
    expect(trapEvidence(null)).toBeNull();
  });
});

describe('periods', () => {
  it('read as the server reads them and write back in the largest units', () => {
    expect(parsePeriod('30m')).toEqual({ seconds: 1800 });
    expect(parsePeriod('1h30m')).toEqual({ seconds: 5400 });
    expect(parsePeriod('1h 30m')).toEqual({ seconds: 5400 });
    expect(parsePeriod('7d')).toEqual({ seconds: 604_800 });
    expect(parsePeriod('1w')).toEqual({ seconds: 604_800 });
    expect(parsePeriod('90')).toEqual({ seconds: 90 });
    expect(parsePeriod('')).toHaveProperty('error');
    expect(parsePeriod('5 minutes')).toHaveProperty('error');
    expect(parsePeriod('1h30')).toHaveProperty('error');
    expect(parsePeriod('401d')).toEqual({ error: "'401d' is longer than 400 days" });
    expect(formatPeriod(5400)).toBe('1h30m');
    expect(formatPeriod(0)).toBe('0s');
    expect(formatPeriod(691_200)).toBe('1w1d');
    expect(periodText(3600)).toBe('1h');
    expect(periodText('4h')).toBe('4h');
    expect(periodText(null)).toBe('');
  });
});

describe("the editor's rules", () => {
  const suiteRuns = runs('ping', 'trace', 'ssh');

  it('start at the first preset that reads a run of the suite', () => {
    expect(emptyRule(['scan']).preset).toBe('down');
    expect(emptyRule(['ping']).preset).toBe('latency_up');
    expect(emptyRule().recovery).toBe(true);
    expect(emptyRule().key).not.toBe(emptyRule().key);
    expect(emptyWindow().key).not.toBe(emptyWindow().key);
  });

  it('build the smallest rule: defaults left to the server', () => {
    expect(buildRule(rule({ preset: 'down' }), suiteRuns)).toEqual({ rule: { preset: 'down' }, errors: {} });
  });

  it("send only the preset's parameters, and re-notify and recovery only for conditions", () => {
    const all = {
      name: 'slow',
      after: '3',
      renotify: '4h',
      recovery: false,
      notify: ['ops', 'mail'],
      baseline: '30m',
      over_ms: '5',
      over_pct: '25.5',
      loss_pct: '10',
      ignore: '^! Last change\n\n^ntp clock',
      targets: ' 198.18.0.1 \n\n198.18.0.2',
    };
    expect(buildRule(rule({ preset: 'latency_up', ...all }), suiteRuns)).toEqual({
      rule: {
        preset: 'latency_up',
        name: 'slow',
        after: 3,
        renotify: '4h',
        recovery: false,
        notify: ['ops', 'mail'],
        baseline: '30m',
        over_ms: 5,
        over_pct: 25.5,
        targets: ['198.18.0.1', '198.18.0.2'],
      },
      errors: {},
    });
    expect(buildRule(rule({ preset: 'loss_up', ...all }), suiteRuns).rule).toMatchObject({ loss_pct: 10 });
    expect(buildRule(rule({ preset: 'loss_up', ...all }), suiteRuns).rule).not.toHaveProperty('over_ms');
    const changed = buildRule(rule({ preset: 'output_changed', ...all }), suiteRuns).rule;
    expect(changed).toEqual({
      preset: 'output_changed',
      name: 'slow',
      after: 3,
      notify: ['ops', 'mail'],
      ignore: ['^! Last change', '^ntp clock'],
      targets: ['198.18.0.1', '198.18.0.2'],
    });
    expect(changed).not.toHaveProperty('renotify');
    expect(changed).not.toHaveProperty('recovery');
  });

  it('check what the server checks, by field', () => {
    const errors = (over: Partial<RuleDraft>) => buildRule(rule({ preset: 'latency_up', ...over }), suiteRuns).errors;
    expect(errors({ name: 'a b' })).toEqual({ name: "1 to 64 letters, digits, '-', '_' or '.'" });
    expect(errors({ after: '0' })).toEqual({ after: '1 to 100 consecutive runs' });
    expect(errors({ after: '101' })).toHaveProperty('after');
    expect(errors({ after: '2.5' })).toHaveProperty('after');
    expect(errors({ renotify: '30s' })).toEqual({ renotify: 'at least 1m' });
    expect(errors({ renotify: 'soon' })).toHaveProperty('renotify');
    expect(errors({ baseline: '31d' })).toEqual({ baseline: '1m to 30d' });
    expect(errors({ over_ms: '-1' })).toEqual({ over_ms: '0 to 1000000' });
    expect(errors({ over_pct: 'x' })).toHaveProperty('over_pct');
    expect(buildRule(rule({ preset: 'loss_up', loss_pct: '101' }), suiteRuns).errors).toEqual({ loss_pct: '0 to 100' });
    const many = Array.from({ length: 33 }, (_, i) => `p${i}`).join('\n');
    expect(buildRule(rule({ preset: 'output_changed', ignore: many }), suiteRuns).errors).toEqual({ ignore: '32 patterns at most' });
    expect(buildRule(rule({ preset: 'port_closed' }), suiteRuns).errors).toEqual({ preset: 'port_closed reads scan runs and the suite has none' });
  });

  it("name runs by their place, and say when those it read are gone", () => {
    const r = buildRule(rule({ preset: 'latency_up', runs: [101] }), suiteRuns);
    expect(r.rule.runs).toEqual([1]);
    expect(buildRule(rule({ preset: 'latency_up', runs: [100, 101] }), suiteRuns).rule.runs).toEqual([0, 1]);
    // the ssh run cannot be read by latency_up: only the trace stays
    expect(buildRule(rule({ preset: 'latency_up', runs: [101, 102] }), suiteRuns).rule.runs).toEqual([1]);
    expect(buildRule(rule({ preset: 'latency_up', runs: [999] }), suiteRuns).errors).toHaveProperty('runs');
  });

  it('change preset, dropping the runs it cannot read', () => {
    const r = rule({ preset: 'down', runs: [100, 101, 102] });
    expect(changePreset(r, 'path_changed', suiteRuns).runs).toEqual([101]);
    expect(changePreset(r, 'path_changed', suiteRuns).preset).toBe('path_changed');
    expect(readableRuns('loss_up', suiteRuns).map((x) => x.key)).toEqual([100, 101]);
  });

  it('come back from a stored suite as they went', () => {
    const keys = suiteRuns.map((r) => r.key);
    const stored = {
      preset: 'latency_up' as const,
      name: 'slow',
      runs: [1],
      targets: ['198.18.0.1'],
      after: 2,
      renotify: '4h',
      recovery: false,
      notify: ['ops'],
      baseline: '30m',
      over_ms: 5,
      over_pct: 20,
    };
    const d = ruleDraftOf(stored, keys);
    expect(d).toMatchObject({ preset: 'latency_up', name: 'slow', after: '2', renotify: '4h', recovery: false, runs: [101], over_ms: '5', loss_pct: '' });
    expect(buildRule(d, suiteRuns)).toEqual({ rule: stored, errors: {} });
    expect(ruleDraftOf({ preset: 'down', after: 1, renotify: 5400 }, keys)).toMatchObject({ after: '', renotify: '1h30m', recovery: true });
    expect(ruleDraftOf({ preset: 'down', runs: [7] }, keys).runs).toEqual([]);
  });
});

describe("a suite's windows and parents", () => {
  it('build windows, a cron and a duration required', () => {
    expect(buildWindow({ key: 1, cron: ' 0 2 * * SUN ', timezone: 'Europe/Berlin', duration: '2h' })).toEqual({
      spec: { cron: '0 2 * * SUN', timezone: 'Europe/Berlin', duration: '2h' },
      errors: {},
    });
    expect(buildWindow({ key: 1, cron: '', timezone: '', duration: '' }).errors).toEqual({
      cron: 'when it opens: a cron pattern (0 2 * * SUN)',
      duration: 'how long it stays open (2h)',
    });
    expect(buildWindow({ key: 1, cron: '0 2 * * *', timezone: '', duration: '32d' }).errors).toEqual({ duration: 'more than 0s, at most 31d' });
    expect(windowDraftOf({ cron: '0 2 * * *', duration: 7200 })).toMatchObject({ cron: '0 2 * * *', timezone: '', duration: '2h' });
  });

  it('read parents as lines `child parent`, refusing loops', () => {
    expect(parseParents('198.18.0.10 198.18.0.1\n  # a comment\n198.18.0.11   198.18.0.1  # core\n')).toEqual({
      parents: { '198.18.0.10': '198.18.0.1', '198.18.0.11': '198.18.0.1' },
      error: null,
    });
    expect(parseParents('').parents).toEqual({});
    expect(parseParents('a').error).toMatch(/^line 1: a child and its parent/);
    expect(parseParents('a b c').error).toMatch(/^line 1/);
    expect(parseParents('a a').error).toBe('line 1: a cannot be its own parent');
    expect(parseParents('a b\na c').error).toBe('line 2: a already has a parent (b)');
    expect(parseParents('a b\nb c\nc a').error).toMatch(/loop back/);
    expect(parentsText({ 'h10': 'r1', h9: 'r1' })).toBe('h9 r1\nh10 r1');
    expect(parentsText(undefined)).toBe('');
  });

  it('build together, errors at their place in the suite', () => {
    const suiteRuns = runs('ping');
    const a = buildAlerting(
      [rule({ preset: 'down' }), rule({ preset: 'down', over_ms: '5' }), rule({ preset: 'latency_up', over_ms: 'x' })],
      [{ key: 1, cron: '0 2 * * *', timezone: '', duration: '' }],
      'a a',
      suiteRuns,
    );
    expect(a.errors).toEqual({
      'alerts[1].name': "two rules are named 'down': name them apart",
      'alerts[2].over_ms': '0 to 1000000',
      'maintenance[0].duration': 'how long it stays open (2h)',
      parents: 'line 1: a cannot be its own parent',
    });
    const ok = buildAlerting([rule({ preset: 'down', notify: ['ops'] })], [], 'h1 r1', suiteRuns);
    expect(ok).toEqual({ alerts: [{ preset: 'down', notify: ['ops'] }], maintenance: [], parents: { h1: 'r1' }, errors: {} });
    const places = alertPlaces([rule()], [emptyWindow()]);
    for (const p of ['alerts', 'maintenance', 'parents', 'alerts[0]', 'alerts[0].over_ms', 'alerts[0].notify', 'maintenance[0].timezone'])
      expect(places).toContain(p);
  });
});

describe('a stored rule in words', () => {
  it('says what it reads, its parameters with their defaults, and how it tells', () => {
    expect(ruleReads({ preset: 'latency_up' })).toBe('every ping, trace or dns run');
    expect(ruleReads({ preset: 'down' })).toBe('every run');
    expect(ruleReads({ preset: 'down', runs: [0, 2] })).toBe('runs 1, 3');
    expect(ruleParams({ preset: 'latency_up' })).toBe('baseline 1h, +10 ms and +50%');
    expect(ruleParams({ preset: 'latency_up', baseline: '30m', over_ms: 5, over_pct: 20 })).toBe('baseline 30m, +5 ms and +20%');
    expect(ruleParams({ preset: 'loss_up' })).toBe('at 20% loss');
    expect(ruleParams({ preset: 'output_changed', ignore: ['^!'] })).toBe('ignoring /^!/');
    expect(ruleParams({ preset: 'down' })).toBe('');
    expect(ruleHabits({ preset: 'down' })).toBe('at once, a recovery notice');
    expect(ruleHabits({ preset: 'down', after: 3, renotify: '4h', recovery: false })).toBe('after 3 runs in a row, again every 4h while it holds, no recovery notice');
    expect(ruleHabits({ preset: 'path_changed', after: 2 })).toBe('after 2 runs in a row');
  });
});
