// Tests of formatting, the router, the theme and comparisons.

import { describe, expect, it } from 'vitest';
import { changeCounts, changeLabel, changeTone, filterChanges } from './compare';
import {
  countTone,
  epochMs,
  fmtBps,
  fmtBytes,
  fmtDuration,
  fmtMs,
  fmtOptions,
  fmtPct,
  fmtRelative,
  fmtSpeed,
  fmtSummary,
  fmtTime,
  fmtTimeMs,
  kindLabel,
  progressText,
  runOrigin,
  summaryCounts,
  targetsPreview,
} from './format';
import { href, parseRoute } from './router';
import { resolveTheme, storedTheme } from './theme';
import { summary } from '../test/results';
import type { Change, ChangeType } from './types';

describe('router', () => {
  it('parses every view', () => {
    expect(parseRoute('')).toEqual({ name: 'new', kind: null, params: {} });
    expect(parseRoute('#/')).toEqual({ name: 'new', kind: null, params: {} });
    expect(parseRoute('#/new')).toEqual({ name: 'new', kind: null, params: {} });
    expect(parseRoute('#/new/dns')).toEqual({ name: 'new', kind: 'dns', params: {} });
    expect(parseRoute('#/new/snmp?targets=198.18.0.162&op=interfaces')).toEqual({
      name: 'new',
      kind: 'snmp',
      params: { targets: '198.18.0.162', op: 'interfaces' },
    });
    expect(parseRoute('#/runs/42')).toEqual({ name: 'run', id: 42 });
    expect(parseRoute('#/runs/42/map')).toEqual({ name: 'map', id: 42 });
    expect(parseRoute('#/creds')).toEqual({ name: 'creds' });
    expect(parseRoute('#/setup/0a1b2c')).toEqual({ name: 'setup', code: '0a1b2c' });
    expect(parseRoute('#/setup').name).toBe('notfound');
    expect(parseRoute(href.users())).toEqual({ name: 'users' });
    expect(parseRoute(href.audit())).toEqual({ name: 'audit' });
    expect(parseRoute(href.agents())).toEqual({ name: 'agents' });
    expect(parseRoute(href.host())).toEqual({ name: 'host' });
    expect(parseRoute('#/host/x').name).toBe('notfound');
    expect(parseRoute(href.vantage(12))).toEqual({ name: 'vantage', batch: 12 });
    expect(parseRoute('#/vantage/x').name).toBe('notfound');
    expect(parseRoute('#/agents/1').name).toBe('notfound');
    expect(parseRoute('#/history')).toEqual({ name: 'history' });
    expect(parseRoute('#/history?x=1')).toEqual({ name: 'history' });
    expect(parseRoute('#/compare/3/9')).toEqual({ name: 'compare', a: 3, b: 9 });
    expect(parseRoute('#/suites')).toEqual({ name: 'suites' });
    expect(parseRoute('#/suites/new')).toEqual({ name: 'newSuite' });
    expect(parseRoute('#/suites/4')).toEqual({ name: 'suite', id: 4 });
    expect(parseRoute('#/suites/4/edit')).toEqual({ name: 'editSuite', id: 4 });
    expect(parseRoute('#/suites/4/series/17?range=30d')).toEqual({ name: 'series', suite: 4, series: 17, range: '30d' });
    expect(parseRoute('#/suites/4/series/17?range=1d&x=1')).toEqual({ name: 'series', suite: 4, series: 17, range: '1d' });
    // no range, or one the server does not have: the 3 h view
    expect(parseRoute('#/suites/4/series/17')).toEqual({ name: 'series', suite: 4, series: 17, range: '3h' });
    expect(parseRoute('#/suites/4/series/17?range=2y')).toEqual({ name: 'series', suite: 4, series: 17, range: '3h' });
  });
  it('refuses malformed paths', () => {
    expect(parseRoute('#/runs/abc').name).toBe('notfound');
    expect(parseRoute('#/compare/1').name).toBe('notfound');
    expect(parseRoute('#/nope').name).toBe('notfound');
    expect(parseRoute('#/runs/4/nope').name).toBe('notfound');
    expect(parseRoute('#/suites/core').name).toBe('notfound');
    expect(parseRoute('#/suites/new/edit').name).toBe('notfound');
    expect(parseRoute('#/suites/4/run').name).toBe('notfound');
    expect(parseRoute('#/suites/4/series').name).toBe('notfound');
    expect(parseRoute('#/suites/4/series/x').name).toBe('notfound');
    expect(parseRoute('#/suites/4/trend/17').name).toBe('notfound');
    expect(parseRoute('#/suites/4/series/17/more').name).toBe('notfound');
  });
  it("parses a target's history page", () => {
    expect(parseRoute('#/suites/4/target?kind=scan&target=192.0.2.1')).toEqual({ name: 'target', suite: 4, kind: 'scan', target: '192.0.2.1' });
    expect(parseRoute('#/suites/4/target?target=example.com+A&kind=dns')).toEqual({ name: 'target', suite: 4, kind: 'dns', target: 'example.com A' });
    expect(parseRoute('#/suites/4/target?kind=trace&target=%20r1.lab%20')).toEqual({ name: 'target', suite: 4, kind: 'trace', target: 'r1.lab' });
    expect(parseRoute('#/suites/4/target?kind=ping&target=192.0.2.1').name).toBe('notfound');
    expect(parseRoute('#/suites/4/target?kind=scan').name).toBe('notfound');
    expect(parseRoute('#/suites/4/target?kind=scan&target=%20').name).toBe('notfound');
    expect(parseRoute('#/suites/4/target').name).toBe('notfound');
    expect(parseRoute('#/suites/x/target?kind=scan&target=a').name).toBe('notfound');
    expect(parseRoute('#/suites/4/target/more?kind=scan&target=a').name).toBe('notfound');
    expect(href.target(4, 'scan', '192.0.2.1')).toBe('#/suites/4/target?kind=scan&target=192.0.2.1');
    expect(href.target(4, 'dns', 'example.com A')).toBe('#/suites/4/target?kind=dns&target=example.com+A');
    expect(parseRoute(href.target(4, 'scan', '[2001:db8::1]'))).toEqual({ name: 'target', suite: 4, kind: 'scan', target: '[2001:db8::1]' });
  });
  it('parses the alerts views', () => {
    expect(parseRoute('#/alerts')).toEqual({ name: 'alerts', filter: { suite: null, target: '' } });
    expect(parseRoute('#/alerts?suite=4&target=198.18.0.1')).toEqual({ name: 'alerts', filter: { suite: 4, target: '198.18.0.1' } });
    expect(parseRoute('#/alerts?suite=core')).toEqual({ name: 'alerts', filter: { suite: null, target: '' } });
    expect(parseRoute('#/alerts/12')).toEqual({ name: 'alert', id: 12 });
    expect(parseRoute('#/channels')).toEqual({ name: 'channels' });
    expect(parseRoute('#/alerts/x').name).toBe('notfound');
    expect(parseRoute('#/alerts/12/more').name).toBe('notfound');
    expect(parseRoute('#/channels/ops').name).toBe('notfound');
    expect(href.alerts()).toBe('#/alerts');
    expect(href.alerts({ suite: 4 })).toBe('#/alerts?suite=4');
    expect(href.alerts({ suite: null, target: ' example.com A ' })).toBe('#/alerts?target=example.com+A');
    expect(parseRoute(href.alerts({ suite: 4, target: 'example.com A' }))).toEqual({ name: 'alerts', filter: { suite: 4, target: 'example.com A' } });
    expect(parseRoute(href.alert(12))).toEqual({ name: 'alert', id: 12 });
    expect(parseRoute(href.channels())).toEqual({ name: 'channels' });
  });
  it('parses the traps views, their filter kept in the address', () => {
    const none = { source: '', oid: '', device: '', since: '', until: '' };
    expect(parseRoute('#/traps')).toEqual({ name: 'traps', filter: none });
    expect(parseRoute('#/traps?source=198.18.0.161&x=1')).toEqual({ name: 'traps', filter: { ...none, source: '198.18.0.161' } });
    expect(parseRoute('#/traps?oid=%20linkDown%20&device=s1&since=2026-05-28T10%3A00&until=1780000000000')).toEqual({
      name: 'traps',
      filter: { ...none, oid: 'linkDown', device: 's1', since: '2026-05-28T10:00', until: '1780000000000' },
    });
    expect(parseRoute('#/traps/12')).toEqual({ name: 'trap', id: 12 });
    expect(parseRoute('#/traps/x').name).toBe('notfound');
    expect(parseRoute('#/traps/12/more').name).toBe('notfound');
    expect(href.traps()).toBe('#/traps');
    expect(href.traps({ source: ' 198.18.0.161 ' })).toBe('#/traps?source=198.18.0.161');
    expect(href.traps({ ...none, oid: '.1.3.6.1.6.3.1.1.5', device: 'core sw' })).toBe('#/traps?oid=.1.3.6.1.6.3.1.1.5&device=core+sw');
    const filter = { source: '2001:db8::1', oid: 'IF-MIB::link', device: 's1', since: '2026-05-28T10:00', until: '2026-05-28T11:30:15' };
    expect(parseRoute(href.traps(filter))).toEqual({ name: 'traps', filter });
    expect(parseRoute(href.trap(7))).toEqual({ name: 'trap', id: 7 });
  });
  it('builds links that parse back', () => {
    expect(parseRoute(href.run(5))).toEqual({ name: 'run', id: 5 });
    expect(parseRoute(href.compare(1, 2))).toEqual({ name: 'compare', a: 1, b: 2 });
    expect(parseRoute(href.map(7))).toEqual({ name: 'map', id: 7 });
    expect(parseRoute(href.creds())).toEqual({ name: 'creds' });
    expect(parseRoute(href.suites())).toEqual({ name: 'suites' });
    expect(parseRoute(href.newSuite())).toEqual({ name: 'newSuite' });
    expect(parseRoute(href.suite(3))).toEqual({ name: 'suite', id: 3 });
    expect(parseRoute(href.editSuite(3))).toEqual({ name: 'editSuite', id: 3 });
    expect(href.series(3, 9)).toBe('#/suites/3/series/9?range=3h');
    expect(href.series(3, 9, '7d')).toBe('#/suites/3/series/9?range=7d');
    expect(parseRoute(href.series(3, 9, '1d'))).toEqual({ name: 'series', suite: 3, series: 9, range: '1d' });
    expect(href.new('snmp')).toBe('#/new/snmp');
    const withParams = href.new('snmp', { targets: 's2 lab', profiles: 'a,b' });
    expect(parseRoute(withParams)).toEqual({ name: 'new', kind: 'snmp', params: { targets: 's2 lab', profiles: 'a,b' } });
  });
});

describe('format', () => {
  it('formats milliseconds and percentages', () => {
    expect(fmtMs(0.053)).toBe('0.053');
    expect(fmtMs(null)).toBe('');
    expect(fmtPct(0)).toBe('0%');
    expect(fmtPct(33.33333)).toBe('33.3%');
    expect(fmtPct(100)).toBe('100%');
  });
  it('reads times given as epoch milliseconds or RFC 3339', () => {
    expect(epochMs(1732190000123)).toBe(1732190000123);
    expect(epochMs('2024-11-21T12:00:00Z')).toBe(Date.UTC(2024, 10, 21, 12));
    expect(epochMs('2024-11-21T13:00:00.5+01:00')).toBe(Date.UTC(2024, 10, 21, 12, 0, 0, 500));
    expect(epochMs('yesterday')).toBeNull();
    expect(epochMs(null)).toBeNull();
    expect(epochMs(Number.NaN)).toBeNull();
  });
  it('formats local times, to the second or the millisecond', () => {
    const at = new Date(2024, 10, 21, 9, 5, 3, 7).getTime();
    expect(fmtTime(at)).toBe('2024-11-21 09:05:03');
    expect(fmtTimeMs(at)).toBe('2024-11-21 09:05:03.007');
    expect(fmtTimeMs(at + 993)).toBe('2024-11-21 09:05:04.000');
    expect(fmtTimeMs(null)).toBe('');
    expect(fmtTimeMs(Number.NaN)).toBe('');
  });
  it('formats durations for people', () => {
    expect(fmtDuration(0.418)).toBe('0.4 ms');
    expect(fmtDuration(49)).toBe('49 ms');
    expect(fmtDuration(2010)).toBe('2.01 s');
    expect(fmtDuration(65_000)).toBe('1m 05s');
    expect(fmtDuration(3_720_000)).toBe('1h 02m');
    expect(fmtDuration(null)).toBe('');
  });
  it('tells how far a time is from now', () => {
    const now = Date.UTC(2024, 10, 21, 12);
    expect(fmtRelative(now + 400, now)).toBe('now');
    expect(fmtRelative(now - 999, now)).toBe('now');
    expect(fmtRelative(now + 1000, now)).toBe('in 1 s');
    expect(fmtRelative(now + 59_900, now)).toBe('in 59 s');
    expect(fmtRelative(now + 3 * 60_000 + 40_000, now)).toBe('in 3 min');
    expect(fmtRelative(now - 12_000, now)).toBe('12 s ago');
    expect(fmtRelative(now - (2 * 60 + 5) * 60_000, now)).toBe('2 h 5 min ago');
    expect(fmtRelative(now + 3_600_000, now)).toBe('in 1 h');
    expect(fmtRelative(now + (3 * 24 + 4) * 3_600_000, now)).toBe('in 3 d 4 h');
    expect(fmtRelative(now + 2 * 24 * 3_600_000, now)).toBe('in 2 d');
  });
  it('writes the summary as the CLI does', () => {
    const s = summary('ping', { targets: 7, completed: 7, elapsed_ms: 706, cancelled: false }, { alive: 6, dead: 1 });
    expect(summaryCounts(s)).toEqual([
      ['alive', 6],
      ['dead', 1],
    ]);
    expect(fmtSummary(s)).toBe('7 targets: 6 alive, 1 dead in 706 ms');
    const d = summary('dns', { targets: 3, completed: 2, elapsed_ms: 1, cancelled: true }, { answered: 2, nxdomain: 0, failed: 0 });
    expect(fmtSummary(d)).toBe('3 questions (2 completed): 2 answered, 0 nxdomain, 0 failed in 1.0 ms, cancelled');
  });
  it('writes an SNMP summary: agents, or seeds and devices for a crawl', () => {
    const get = summary('snmp', { targets: 2, completed: 2, elapsed_ms: 302.5, cancelled: false }, { answered: 1, failed: 1, varbinds: 2 });
    expect(fmtSummary(get)).toBe('2 agents: 1 answered, 1 failed, 2 varbinds in 303 ms');
    const crawl = summary('snmp', { targets: 1, completed: 3, elapsed_ms: 40, cancelled: false }, { answered: 3, failed: 0, varbinds: 0 });
    expect(fmtSummary(crawl)).toBe('1 seed, 3 devices: 3 answered, 0 failed, 0 varbinds in 40 ms');
    const one = summary('snmp', { targets: 1, completed: 1, elapsed_ms: 302.5, cancelled: false }, { answered: 1, failed: 0, varbinds: 2 });
    expect(fmtSummary(one)).toMatch(/^1 agent: /);
    expect(countTone('answered', 3)).toBe('ok');
    expect(countTone('failed', 1)).toBe('bad');
  });
  it('shows a crawl\'s progress as devices, never as more than done', () => {
    expect(progressText({ kind: 'ping', options: {}, done: 12, total: 400 })).toBe('12/400');
    expect(progressText({ kind: 'snmp', options: { op: 'walk' }, done: 1, total: 1 })).toBe('1/1');
    expect(progressText({ kind: 'snmp', options: { op: 'topology' }, done: 3, total: 1 })).toBe('3 devices');
    expect(progressText({ kind: 'snmp', options: { op: 'topology' }, done: 1, total: 1 })).toBe('1 device');
  });
  it('names SNMP runs by their operation', () => {
    expect(kindLabel({ kind: 'snmp', options: { op: 'walk' } })).toBe('snmp walk');
    expect(kindLabel({ kind: 'ping', options: { count: 3 } })).toBe('ping');
  });
  it('says who started a run when not the dashboard: the CLI, a suite, a trap rule', () => {
    expect(runOrigin({ source: 'api' })).toBeNull();
    expect(runOrigin({ source: 'cli' })).toEqual({ label: 'cli', title: 'started by the CLI' });
    expect(runOrigin({ source: 'suite', suite_id: 4 })).toEqual({ label: 'suite', title: 'started by suite #4' });
    expect(runOrigin({ source: 'suite', suite_id: null })?.title).toBe('started by a suite');
    expect(runOrigin({ source: 'alert' })?.label).toBe('alert');
    expect(runOrigin({ source: 'trap' })).toEqual({ label: 'trap', title: 'started by a trap rule: its follow-up check of the device that sent the trap' });
  });
  it('formats octets, bit rates and interface speeds', () => {
    expect(fmtBytes(0)).toBe('0 B');
    expect(fmtBytes(27173)).toBe('27.2 kB');
    expect(fmtBytes(129555)).toBe('130 kB');
    expect(fmtBytes(1_234_567_890)).toBe('1.23 GB');
    expect(fmtBytes(null)).toBe('');
    expect(fmtBps(16897)).toBe('16.9 kb/s');
    expect(fmtBps(999)).toBe('999 b/s');
    expect(fmtSpeed(10)).toBe('10M');
    expect(fmtSpeed(10000)).toBe('10G');
    expect(fmtSpeed(2500)).toBe('2.5G');
    expect(fmtSpeed(0)).toBe('');
  });
  it('colours summary counts', () => {
    expect(countTone('alive', 3)).toBe('ok');
    expect(countTone('dead', 1)).toBe('bad');
    expect(countTone('dead', 0)).toBe('');
    expect(countTone('nxdomain', 2)).toBe('warn');
    expect(countTone('hosts up', 2)).toBe('ok');
  });
  it('previews targets and options', () => {
    expect(targetsPreview('# lab\n198.18.16.1-4\nh1.lab.test # web\n')).toBe('198.18.16.1-4 h1.lab.test');
    expect(targetsPreview('x'.repeat(100), 10)).toBe('xxxxxxxxx…');
    expect(fmtOptions({ count: 3, timeout: '500ms', types: ['A', 'MX'], ttl: null, x: [] })).toBe('count=3 timeout=500ms types=A,MX');
    expect(fmtOptions({ shell: true, config: { action: 'push', lines: ['a', 'b'], save: false } })).toBe('shell=true config=push(2 lines)');
    expect(fmtOptions({ config: { action: 'backup' } })).toBe('config=backup');
  });
});

describe('compare', () => {
  const changes: Change[] = [
    { target: '10.0.0.1', change: 'became_dead', before: 'alive 0.31 ms', after: 'dead', detail: '' },
    { target: '10.0.0.2', change: 'rtt_changed', before: 'alive 0.3 ms', after: 'alive 9 ms', detail: '+8.7 ms' },
    { target: '10.0.0.3', change: 'became_dead', before: 'alive', after: 'dead', detail: '' },
  ];
  it('colours and names change types', () => {
    expect(changeTone('became_dead')).toBe('bad');
    expect(changeTone('became_alive')).toBe('ok');
    expect(changeTone('ports_opened')).toBe('ok');
    expect(changeTone('path_changed')).toBe('warn');
    expect(changeTone('exit_changed')).toBe('warn');
    expect(changeTone('output_changed')).toBe('warn');
    // a new kind's change type before it has a tone of its own
    expect(changeTone('whois_changed' as ChangeType)).toBe('warn');
    expect(changeLabel('answers_changed')).toBe('answers changed');
  });
  it('counts and filters changes', () => {
    expect(changeCounts(changes)).toEqual([
      ['became_dead', 2],
      ['rtt_changed', 1],
    ]);
    expect(filterChanges(changes, 'became_dead', '').map((c) => c.target)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(filterChanges(changes, '', '9 MS').map((c) => c.target)).toEqual(['10.0.0.2']);
  });
});

describe('theme', () => {
  it('follows the system until chosen', () => {
    expect(resolveTheme(null, true)).toBe('dark');
    expect(resolveTheme(null, false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
  });
  it('reads only a valid stored theme', () => {
    expect(storedTheme({ getItem: () => 'dark' })).toBe('dark');
    expect(storedTheme({ getItem: () => 'purple' })).toBeNull();
    expect(storedTheme(null)).toBeNull();
  });
});
