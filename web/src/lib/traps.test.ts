// Tests of traps' pure logic: a trap in words (version, bindings, uptime, follow-up runs), the
// filter (times, query, matching as the server does), merging live traps and older pages, a run's
// traps by result row, a map device's traps, the receiver's counts and settings form, and the trap
// rules' editor (a rule in its form and back, the server's checks, a 400 at its rule's field).

import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  COUNTS,
  MAX_SHOWN,
  MAX_TRAP_RULES,
  appendOlder,
  bindingSummary,
  bindingText,
  buildTrapRule,
  buildTrapRules,
  countTone,
  emptyTrapFilter,
  emptyTrapRule,
  filterQuery,
  filterTime,
  fmtUptime,
  followUps,
  indexTraps,
  isDeviceTrap,
  isFiltered,
  localInput,
  matchesTrap,
  mergeTraps,
  oidPatternError,
  oidUnder,
  receiverBody,
  receiverChanged,
  receiverDraftOf,
  receiverErrorsFromApi,
  resultTrapFilter,
  ruleHasError,
  shortName,
  sourcePatternError,
  timeParam,
  trapFilterOf,
  trapRuleDraftOf,
  trapRuleErrorsFromApi,
  trapRuleSummary,
  trapRulesChanged,
  trapTitle,
  trapsOfResult,
  versionWord,
  type TrapFilter,
  type TrapRuleDraft,
} from './traps';
import { dns, ping, snmp } from '../test/results';
import type { Trap, TrapRule } from './types';

const LINK_DOWN = '.1.3.6.1.6.3.1.1.5.3';

function trap(id: number, over: Partial<Trap> = {}): Trap {
  return {
    id,
    time: new Date(Date.UTC(2026, 4, 28, 20, 0, id)).toISOString(),
    source: '198.18.0.161',
    port: 40000,
    version: '2c',
    pdu: 'trap',
    credential: 'any',
    oid: LINK_DOWN,
    name: 'IF-MIB::linkDown',
    uptime: 12345,
    varbinds: [
      { oid: '.1.3.6.1.2.1.2.2.1.1.3', name: 'IF-MIB::ifIndex.3', type: 'INTEGER', value: '3' },
      { oid: '.1.3.6.1.2.1.2.2.1.8.3', name: 'IF-MIB::ifOperStatus.3', type: 'INTEGER', value: 'down(2)' },
    ],
    device: { name: 's1', addr: '198.18.0.161', by: 'address', run_id: 12 },
    ...over,
  };
}

const filter = (over: Partial<TrapFilter> = {}): TrapFilter => ({ ...emptyTrapFilter(), ...over });

describe('a trap in words', () => {
  it('writes the version as the CLI does', () => {
    expect(versionWord({ version: '1' })).toBe('v1');
    expect(versionWord({ version: '2c', user: null })).toBe('v2c');
    expect(versionWord({ version: '3', user: 'wsl-sha-aes' })).toBe('v3 wsl-sha-aes');
    expect(versionWord({ version: '3', user: null })).toBe('v3');
    // a user on a community version is not shown; a `v` already there is not doubled
    expect(versionWord({ version: '2c', user: 'x' })).toBe('v2c');
    expect(versionWord({ version: 'v3', user: 'u' })).toBe('v3 u');
  });

  it('names a trap by its name, else its OID', () => {
    expect(trapTitle(trap(1))).toBe('IF-MIB::linkDown');
    expect(trapTitle(trap(1, { name: null, oid: '.1.3.6.1.4.1.99999.0.1' }))).toBe('.1.3.6.1.4.1.99999.0.1');
    expect(trapTitle(trap(1, { name: '' }))).toBe(LINK_DOWN);
    expect(shortName('IF-MIB::ifIndex.3')).toBe('ifIndex.3');
    expect(shortName('ifIndex.3')).toBe('ifIndex.3');
  });

  it('sums the bindings up on one line, short names or OIDs', () => {
    expect(bindingSummary(trap(1).varbinds)).toBe('ifIndex.3=3 ifOperStatus.3=down(2)');
    expect(bindingSummary([])).toBe('');
    expect(bindingText({ oid: '.1.3.6.1.4.1.99999.1', name: null, type: 'STRING', value: 'x' })).toBe('.1.3.6.1.4.1.99999.1=x');
    expect(bindingText({ oid: '.1', name: 'SNMPv2-MIB::sysDescr.0', type: 'STRING', value: '' })).toBe('sysDescr.0=');
    // on one line, long values cut
    expect(bindingText({ oid: '.1', name: 'X::d', type: 'STRING', value: 'line one\r\n  line two\n' })).toBe('d=line one line two');
    expect(bindingText({ oid: '.1', name: 'X::d', type: 'STRING', value: 'abcdefghij' }, 5)).toBe('d=abcd…');
    expect(bindingText({ oid: '.1', name: 'X::d', type: 'STRING', value: 'abcde' }, 5)).toBe('d=abcde');
  });

  it('labels the follow-up runs by their place: interfaces, neighbours, ping of neighbours', () => {
    expect(followUps(trap(1))).toEqual([]);
    expect(followUps(trap(1, { follow_up: [] }))).toEqual([]);
    const runs = followUps(trap(1, { follow_up: [40, 41, 42] }));
    expect(runs.map((f) => [f.run, f.label])).toEqual([
      [40, 'interfaces'],
      [41, 'neighbours'],
      [42, 'ping of neighbours'],
    ]);
    expect(runs[0].title).toBe("run #40: the device's interfaces polled");
    expect(runs[2].title).toBe('run #42: its neighbours pinged');
    // no neighbour with an address: no ping; one the dashboard does not know yet: numbered
    expect(followUps(trap(1, { follow_up: [40, 41] })).map((f) => f.label)).toEqual(['interfaces', 'neighbours']);
    expect(followUps(trap(1, { follow_up: [1, 2, 3, 4] }))[3]).toEqual({ run: 4, label: 'follow-up 4', title: 'run #4: a run a trap rule started for it' });
  });

  it("writes the sender's uptime from hundredths of a second", () => {
    expect(fmtUptime(0)).toBe('0:00:00.00');
    expect(fmtUptime(12345)).toBe('0:02:03.45');
    expect(fmtUptime(((26 * 60 + 3) * 60 + 4) * 100 + 5)).toBe('1d 2:03:04.05');
    expect(fmtUptime(8_640_000 * 400 - 1)).toBe('399d 23:59:59.99');
    expect(fmtUptime(360_000)).toBe('1:00:00.00');
    expect(fmtUptime(-1)).toBe('');
    expect(fmtUptime(null)).toBe('');
    expect(fmtUptime(Number.NaN)).toBe('');
  });
});

describe('the filter', () => {
  it('comes from the address, trimmed, other parameters ignored', () => {
    expect(trapFilterOf({})).toEqual(emptyTrapFilter());
    expect(trapFilterOf({ source: ' 198.18.0.161 ', oid: 'linkDown', page: '2' })).toEqual(filter({ source: '198.18.0.161', oid: 'linkDown' }));
    expect(isFiltered(emptyTrapFilter())).toBe(false);
    expect(isFiltered(filter({ oid: ' ' }))).toBe(false);
    expect(isFiltered(filter({ until: '1' }))).toBe(true);
  });

  it('reads times typed as local, RFC 3339 or milliseconds', () => {
    expect(filterTime('2026-05-28T10:00')).toBe(new Date(2026, 4, 28, 10, 0).getTime());
    expect(filterTime('2026-05-28T10:00:05')).toBe(new Date(2026, 4, 28, 10, 0, 5).getTime());
    expect(filterTime('2026-05-28T10:00:05.5')).toBe(new Date(2026, 4, 28, 10, 0, 5, 500).getTime());
    expect(filterTime(' 2026-05-28T10:00:05.123 ')).toBe(new Date(2026, 4, 28, 10, 0, 5, 123).getTime());
    expect(filterTime('2026-05-28T10:00:00Z')).toBe(Date.UTC(2026, 4, 28, 10));
    expect(filterTime('2026-05-28T12:00:00+02:00')).toBe(Date.UTC(2026, 4, 28, 10));
    expect(filterTime('1780000000000')).toBe(1780000000000);
    // no day, no hour, no time at all
    expect(filterTime('2026-02-30T10:00')).toBeNull();
    expect(filterTime('2026-05-28T24:00')).toBeNull();
    expect(filterTime('2026-05-28')).toBeNull();
    expect(filterTime('yesterday')).toBeNull();
    expect(filterTime('')).toBeNull();
  });

  it('sends local times as RFC 3339, other times as typed', () => {
    expect(timeParam('2026-05-28T10:00')).toBe(new Date(2026, 4, 28, 10, 0).toISOString());
    expect(timeParam('2026-05-28T10:00:05.250')).toBe(new Date(2026, 4, 28, 10, 0, 5, 250).toISOString());
    expect(timeParam('2026-05-28T10:00:00Z')).toBe('2026-05-28T10:00:00Z');
    expect(timeParam(' 1780000000000 ')).toBe('1780000000000');
    expect(timeParam('2026-02-30T10:00')).toBe('2026-02-30T10:00');
    expect(timeParam('soon')).toBe('soon');
    expect(timeParam('  ')).toBe('');
  });

  it('shows any time as a datetime-local value', () => {
    expect(localInput('2026-05-28T10:00')).toBe('2026-05-28T10:00');
    expect(localInput(new Date(2026, 4, 28, 10, 7).toISOString())).toBe('2026-05-28T10:07');
    expect(localInput(String(new Date(2026, 0, 2, 3, 4, 5).getTime()))).toBe('2026-01-02T03:04:05');
    expect(localInput(String(new Date(2026, 0, 2, 3, 4, 5, 60).getTime()))).toBe('2026-01-02T03:04:05.060');
    expect(localInput('soon')).toBe('');
    expect(localInput('')).toBe('');
  });

  it("becomes the API's query: empty fields left out, local times as RFC 3339", () => {
    expect(filterQuery(emptyTrapFilter())).toEqual({});
    expect(filterQuery(filter({ source: ' 198.18.0.161 ', oid: ' ', device: 's1', since: '2026-05-28T10:00', until: '1780000000000' }))).toEqual({
      source: '198.18.0.161',
      device: 's1',
      since: new Date(2026, 4, 28, 10, 0).toISOString(),
      until: '1780000000000',
    });
  });

  it('matches OID prefixes at a dot boundary', () => {
    expect(oidUnder(LINK_DOWN, '.1.3.6.1.6.3.1.1.5')).toBe(true);
    expect(oidUnder(LINK_DOWN, '.1.3.6.1.6.3.1.1.5.')).toBe(true);
    expect(oidUnder(LINK_DOWN, LINK_DOWN)).toBe(true);
    expect(oidUnder('.1.3.6.1.6.3.1.1.50', '.1.3.6.1.6.3.1.1.5')).toBe(false);
    expect(oidUnder('.1.3.6.1.6.3.1.1.5', LINK_DOWN)).toBe(false);
    expect(oidUnder(LINK_DOWN, '.')).toBe(true);
  });

  it('shows the traps the server would list', () => {
    const t = trap(5);
    expect(matchesTrap(t, emptyTrapFilter())).toBe(true);
    expect(matchesTrap(t, filter({ source: '198.18.0.161' }))).toBe(true);
    expect(matchesTrap(t, filter({ source: '198.18.0.16' }))).toBe(false);
    expect(matchesTrap(t, filter({ device: 's1' }))).toBe(true);
    expect(matchesTrap(t, filter({ device: 'S1' }))).toBe(false);
    expect(matchesTrap(trap(5, { device: null }), filter({ device: 's1' }))).toBe(false);
    expect(matchesTrap(t, filter({ oid: '.1.3.6.1.6.3.1.1.5' }))).toBe(true);
    expect(matchesTrap(trap(5, { oid: '.1.3.6.1.6.3.1.1.50' }), filter({ oid: '.1.3.6.1.6.3.1.1.5' }))).toBe(false);
    // without a leading dot: part of the name, any case (an unnamed trap never matches)
    expect(matchesTrap(t, filter({ oid: 'linkdown' }))).toBe(true);
    expect(matchesTrap(t, filter({ oid: 'IF-MIB::link' }))).toBe(true);
    expect(matchesTrap(t, filter({ oid: 'linkUp' }))).toBe(false);
    expect(matchesTrap(t, filter({ oid: '1.3.6' }))).toBe(false);
    expect(matchesTrap(trap(5, { name: null }), filter({ oid: 'link' }))).toBe(false);
  });

  it('shows a time window: since included, until excluded', () => {
    const at = Date.UTC(2026, 4, 28, 20, 0, 5);
    const t = trap(5);
    expect(matchesTrap(t, filter({ since: String(at) }))).toBe(true);
    expect(matchesTrap(t, filter({ since: String(at + 1) }))).toBe(false);
    expect(matchesTrap(t, filter({ until: String(at) }))).toBe(false);
    expect(matchesTrap(t, filter({ until: String(at + 1) }))).toBe(true);
    expect(matchesTrap(t, filter({ since: new Date(at - 60_000).toISOString(), until: new Date(at + 60_000).toISOString() }))).toBe(true);
    const local = new Date(at);
    const minute = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}T${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`;
    expect(matchesTrap(t, filter({ since: minute }))).toBe(true);
    expect(matchesTrap(t, filter({ until: minute }))).toBe(false);
    // a time that is none shows nothing, as the server lists nothing
    expect(matchesTrap(t, filter({ since: 'soon' }))).toBe(false);
    expect(matchesTrap(trap(5, { time: 'garbled' }), filter({ since: String(at) }))).toBe(false);
  });
});

describe('lists', () => {
  it('puts live traps that match at the top, newest first, each once', () => {
    const shown = [trap(4), trap(2)];
    const r = mergeTraps(shown, [trap(3), trap(4), trap(6), trap(6), trap(5, { source: '198.18.0.9' })], filter({ source: '198.18.0.161' }));
    expect(r.traps.map((t) => t.id)).toEqual([6, 4, 3, 2]);
    expect([r.added, r.dropped]).toEqual([2, 0]);
    const none = mergeTraps(shown, [trap(4), trap(9, { id: null }), trap(10, { id: undefined })], emptyTrapFilter());
    expect(none.traps.map((t) => t.id)).toEqual([4, 2]);
    expect(none.added).toBe(0);
    expect(mergeTraps([], [], emptyTrapFilter())).toEqual({ traps: [], added: 0, dropped: 0 });
  });

  it('keeps at most the cap, the oldest pushed out', () => {
    const r = mergeTraps([trap(3), trap(2), trap(1)], [trap(4), trap(5)], emptyTrapFilter(), 3);
    expect(r.traps.map((t) => t.id)).toEqual([5, 4, 3]);
    expect(r.dropped).toBe(2);
    const full = Array.from({ length: MAX_SHOWN }, (_, i) => trap(MAX_SHOWN - i));
    const more = mergeTraps(full, [trap(MAX_SHOWN + 1)], emptyTrapFilter());
    expect(more.traps).toHaveLength(MAX_SHOWN);
    expect([more.traps[0].id, more.traps[MAX_SHOWN - 1].id, more.dropped]).toEqual([MAX_SHOWN + 1, 2, 1]);
  });

  it('appends an older page, each trap once', () => {
    expect(appendOlder([trap(9), trap(8)], [trap(8), trap(7)]).map((t) => t.id)).toEqual([9, 8, 7]);
    expect(appendOlder([], [trap(1)]).map((t) => t.id)).toEqual([1]);
  });

  it("tells a map device's traps: by its name or from its address", () => {
    expect(isDeviceTrap(trap(1), 's1', null)).toBe(true);
    expect(isDeviceTrap(trap(1, { device: null }), 's1', '198.18.0.161')).toBe(true);
    expect(isDeviceTrap(trap(1, { device: null }), 's1', null)).toBe(false);
    expect(isDeviceTrap(trap(1, { device: { name: 's2', by: 'sysName' } }), 's1', '198.18.0.1')).toBe(false);
    expect(isDeviceTrap(trap(1, { source: '198.18.0.1', device: null }), 's1', '')).toBe(false);
  });
});

describe("a run's traps by row", () => {
  const traps = [
    trap(9, { source: '198.18.0.162', device: { name: 's2', addr: '198.18.0.162', by: 'address' } }),
    trap(8, { source: '198.18.0.7', device: { name: 's1.lab.test', by: 'agent address' } }),
    trap(7, { device: null }),
    trap(6),
    trap(5, { source: '198.18.0.99', device: { name: 'web1', by: 'suite target' } }),
  ];
  const index = indexTraps(traps);

  it('finds a row by its address, its target and its SNMP sysName, each trap once, newest first', () => {
    expect(index.count).toBe(5);
    const s1 = snmp('198.18.0.161', { device: { name: 's1.lab.test', credential: 'lab', depth: 0 } });
    expect(trapsOfResult(index, s1).map((t) => t.id)).toEqual([8, 7, 6]);
    // the address alone; a device name alone
    expect(trapsOfResult(index, ping('198.18.0.161')).map((t) => t.id)).toEqual([7, 6]);
    expect(trapsOfResult(index, ping('web1', { addr: '198.18.0.80' })).map((t) => t.id)).toEqual([5]);
    // by address and by the same device's name: once
    expect(trapsOfResult(index, ping('s2', { addr: '198.18.0.162' })).map((t) => t.id)).toEqual([9]);
    expect(trapsOfResult(index, ping('198.18.0.200'))).toEqual([]);
    expect(trapsOfResult(index, ping('198.18.0.200', { addr: null }))).toEqual([]);
  });

  it("does not take a DNS result's server for its address", () => {
    expect(trapsOfResult(index, dns('example.com', { addr: '198.18.0.161' }))).toEqual([]);
    expect(trapsOfResult(index, dns('web1')).map((t) => t.id)).toEqual([5]);
  });

  it('finds nothing in an empty index', () => {
    expect(trapsOfResult(indexTraps([]), ping('198.18.0.161'))).toEqual([]);
  });

  it("links a row's badge to the traps from its address, else of its device", () => {
    expect(resultTrapFilter(ping('198.18.0.161'))).toEqual({ source: '198.18.0.161' });
    expect(resultTrapFilter(ping('web1', { addr: null }))).toEqual({ device: 'web1' });
    expect(resultTrapFilter(snmp('s1', { addr: null, device: { name: 's1.lab.test', credential: 'lab', depth: 0 } }))).toEqual({ device: 's1.lab.test' });
    expect(resultTrapFilter(dns('web1'))).toEqual({ device: 'web1' });
  });
});

describe('the receiver', () => {
  it('colours refusals and losses when there are any', () => {
    expect(COUNTS.map((c) => c.name)).toEqual(['received', 'informs_acked', 'unknown_community', 'unknown_user', 'bad_auth', 'malformed', 'dropped']);
    const [received, , unknown] = COUNTS;
    expect(countTone(received, 5)).toBe('');
    expect(countTone(unknown, 0)).toBe('');
    expect(countTone(unknown, 2)).toBe('warn');
  });

  it('edits the settings: empty fields sent as null, changes seen', () => {
    const settings = { listen: '0.0.0.0:162', netns: null, profiles: ['lab'] };
    const d = receiverDraftOf(settings);
    expect(d).toEqual({ listen: '0.0.0.0:162', netns: '', profiles: ['lab'] });
    expect(receiverDraftOf({})).toEqual({ listen: '', netns: '', profiles: [] });
    expect(receiverChanged(d, settings)).toBe(false);
    expect(receiverChanged({ ...d, listen: ' 0.0.0.0:162 ' }, settings)).toBe(false);
    expect(receiverChanged({ ...d, profiles: ['lab', 'core'] }, settings)).toBe(true);
    expect(receiverChanged({ ...d, netns: 'wsl-c' }, settings)).toBe(true);
    expect(receiverBody({ listen: ' ', netns: ' wsl-c ', profiles: ['a', 'b'] })).toEqual({ listen: null, netns: 'wsl-c', profiles: ['a', 'b'] });
    // the draft is a copy
    d.profiles.push('x');
    expect(settings.profiles).toEqual(['lab']);
  });

  it("places a failed save's error at the field it names", () => {
    expect(receiverErrorsFromApi(new ApiError(400, 'not ADDR:PORT', 'listen'))).toEqual({ fields: { listen: 'not ADDR:PORT' }, general: null });
    expect(receiverErrorsFromApi(new ApiError(400, 'no such profile: x', 'profiles'))).toEqual({ fields: { profiles: 'no such profile: x' }, general: null });
    expect(receiverErrorsFromApi(new ApiError(409, 'set by serve --traps'))).toEqual({ fields: {}, general: 'set by serve --traps' });
    expect(receiverErrorsFromApi(new ApiError(400, 'bind failed', 'start'))).toEqual({ fields: {}, general: 'bind failed (start)' });
    expect(receiverErrorsFromApi(new Error('boom'))).toEqual({ fields: {}, general: 'boom' });
  });
});

describe('trap rules', () => {
  const draft = (over: Partial<TrapRuleDraft> = {}): TrapRuleDraft => ({ ...emptyTrapRule(), name: 'links', oid: 'IF-MIB::link*', ...over });

  it('check notification patterns as the server does', () => {
    for (const ok of ['*', '.1.3.6.1.6.3.1.1.5.3', '1.3.6.1.6.3.1.1.5', 'linkDown', 'IF-MIB::link*', 'cisco*Config*']) expect(oidPatternError(ok)).toBeNull();
    expect(oidPatternError(' ')).toMatch(/dotted OID, a name/);
    expect(oidPatternError('.1.3.x')).toBe("'.1.3.x' is not a dotted OID");
    expect(oidPatternError('1..3')).toBe("'1..3' is not a dotted OID");
    expect(oidPatternError('.1.3.12345678901')).toBe("'.1.3.12345678901' is not a dotted OID");
    expect(oidPatternError('link Down')).toBe("'link Down': a name has no spaces");
    expect(oidPatternError('x'.repeat(257))).toBe('at most 256 characters');
  });

  it('check source patterns: an address, a prefix, a device name', () => {
    for (const ok of ['', '198.18.0.161', '198.18.0.0/24', '2001:db8::/32', 's1*', 's1.lab.test', '0.0.0.0/0']) expect(sourcePatternError(ok)).toBeNull();
    expect(sourcePatternError('198.18.0.0/33')).toBe("'198.18.0.0/33': the prefix length is 0 to 32");
    expect(sourcePatternError('2001:db8::/129')).toBe("'2001:db8::/129': the prefix length is 0 to 128");
    expect(sourcePatternError('lab/24')).toBe("'lab/24': 'lab' is not an address");
    expect(sourcePatternError('300.1.1.1/8')).toBe("'300.1.1.1/8': '300.1.1.1' is not an address");
    expect(sourcePatternError('core switch')).toBe("'core switch': a device name has no spaces");
  });

  it('build the rule the server takes: blanks left out, trimmed', () => {
    expect(buildTrapRule(draft({ name: ' links ', oid: ' IF-MIB::link* ' }))).toEqual({
      rule: { name: 'links', oid: 'IF-MIB::link*', channels: [], follow_up: false, enabled: true },
      errors: {},
    });
    const full = draft({ source: ' s1* ', channels: ['ops'], follow_up: true, profile: ' e2e-lab ', hold: ' 1h30m ', enabled: false });
    expect(buildTrapRule(full)).toEqual({
      rule: { name: 'links', oid: 'IF-MIB::link*', source: 's1*', channels: ['ops'], follow_up: true, profile: 'e2e-lab', hold: '1h30m', enabled: false },
      errors: {},
    });
    // the rule's channels are a copy
    const built = buildTrapRule(full).rule;
    built.channels?.push('x');
    expect(full.channels).toEqual(['ops']);
  });

  it("refuse what the server would, at the rule's field", () => {
    const errors = (over: Partial<TrapRuleDraft>) => buildTrapRule(draft(over)).errors;
    expect(errors({ name: '' })).toEqual({ name: "a name: 1 to 64 letters, digits, '-', '_' or '.'" });
    expect(errors({ name: 'two words' })).toHaveProperty('name');
    expect(errors({ oid: '.1.3.x' })).toEqual({ oid: "'.1.3.x' is not a dotted OID" });
    expect(errors({ source: 'a b' })).toEqual({ source: "'a b': a device name has no spaces" });
    expect(errors({ follow_up: true })).toEqual({ profile: 'a follow-up polls the device: pick the SNMP credential profile to poll it with' });
    expect(errors({ profile: 'bad name' })).toHaveProperty('profile');
    expect(errors({ hold: '8d' })).toEqual({ hold: 'at most 7d' });
    expect(errors({ hold: '7d' })).toEqual({});
    expect(errors({ hold: '0s' })).toEqual({});
    expect(errors({ hold: 'soon' })).toEqual({ hold: "'soon' is not a period (use e.g. 30m, 4h, 1h30m, 7d)" });
  });

  it('build the list: errors by place, names told apart, at most 100', () => {
    const r = buildTrapRules([draft(), draft({ oid: '' }), draft({ name: 'other', hold: 'x' })]);
    expect(r.rules.map((x) => x.name)).toEqual(['links', 'links', 'other']);
    expect(Object.keys(r.errors).sort()).toEqual(['rules[1].name', 'rules[1].oid', 'rules[2].hold']);
    expect(r.errors['rules[1].name']).toBe("two rules are named 'links': name them apart");
    expect(ruleHasError(r.errors, 1)).toBe(true);
    expect(ruleHasError(r.errors, 0)).toBe(false);
    // rules[1] is no prefix of rules[10]'s
    expect(ruleHasError({ 'rules[10].oid': 'x' }, 1)).toBe(false);
    const many = Array.from({ length: MAX_TRAP_RULES + 1 }, (_, i) => draft({ name: `r${i}` }));
    expect(buildTrapRules(many).errors).toEqual({ rules: '100 rules at most' });
    expect(buildTrapRules([])).toEqual({ rules: [], errors: {} });
  });

  it('come back from the server as they went, changes seen', () => {
    const stored: TrapRule[] = [
      { name: 'links', oid: 'IF-MIB::link*', source: 's1*', channels: ['ops'], follow_up: true, profile: 'lab', hold: '10m', enabled: true },
      // as an older server or a hand-written setting may have it: defaults left out, a hold in seconds
      { name: 'all', oid: '*', hold: 300 },
    ];
    const drafts = stored.map(trapRuleDraftOf);
    expect(drafts[1]).toMatchObject({ name: 'all', oid: '*', source: '', channels: [], follow_up: false, profile: '', hold: '5m', enabled: true });
    expect(buildTrapRules(drafts).rules[0]).toEqual(stored[0]);
    expect(trapRulesChanged(drafts, stored)).toBe(false);
    drafts[0].channels.push('noc');
    expect(trapRulesChanged(drafts, stored)).toBe(true);
    expect(stored[0].channels).toEqual(['ops']);
    expect(trapRulesChanged(drafts.slice(1), stored)).toBe(true);
    expect(trapRulesChanged([], [])).toBe(false);
  });

  it('read on one line', () => {
    expect(trapRuleSummary(draft())).toBe('IF-MIB::link* from any source · dashboard only · hold 5m');
    expect(trapRuleSummary(draft({ source: 's1*', channels: ['ops', 'noc'], follow_up: true, profile: 'lab', hold: '1h' }))).toBe(
      'IF-MIB::link* from s1* · tells ops, noc · checks the device with lab · hold 1h',
    );
    expect(trapRuleSummary(draft({ oid: '', follow_up: true }))).toBe('(no notification) from any source · dashboard only · checks the device with (no profile) · hold 5m');
  });

  it("place a failed save's error at its rule's field", () => {
    const at = (field: string | null, count = 2) => trapRuleErrorsFromApi(new ApiError(400, 'bad', field), count);
    expect(at('rules[1].oid')).toEqual({ fields: { 'rules[1].oid': 'bad' }, general: null });
    expect(at('rules[0].channels[2]')).toEqual({ fields: { 'rules[0].channels': 'bad' }, general: null });
    expect(at('rules[0].follow_up')).toEqual({ fields: { 'rules[0].follow_up': 'bad' }, general: null });
    expect(at('rules')).toEqual({ fields: { rules: 'bad' }, general: null });
    // a rule the editor no longer has, a field it does not show: with the form
    expect(at('rules[5].oid')).toEqual({ fields: {}, general: 'bad (rules[5].oid)' });
    expect(at('rules[0].color')).toEqual({ fields: {}, general: 'bad (rules[0].color)' });
    expect(at(null)).toEqual({ fields: {}, general: 'bad' });
    expect(trapRuleErrorsFromApi(new Error('offline'), 1)).toEqual({ fields: {}, general: 'offline' });
  });
});
