// Tests of result rows: cells, sort keys, status tones and search text per kind.

import { describe, expect, it } from 'vitest';
import {
  GENERIC_COLUMNS,
  columnsFor,
  gridTemplate,
  hopCount,
  lastHop,
  minGridWidth,
  openPorts,
  rowFor,
  snmpDevice as deviceName,
  snmpRead,
  snmpStatus,
  varbindName,
} from './columns';
import { deadPing, dns, ping, scan, snmp, snmpDevice, ssh, trace } from '../test/results';
import type { ProbeKind, ProbeResult } from './types';

const texts = (r: ReturnType<typeof rowFor>) => r.cells.map((c) => c.text);

describe('rowFor', () => {
  it('has one cell per column for every kind', () => {
    for (const r of [ping('a'), trace('a'), dns('a'), scan('a'), snmp('a'), ssh('a')]) expect(rowFor(r, 0).cells).toHaveLength(columnsFor(r.kind).length);
  });

  it('shows a result of a kind without columns of its own by its plain fields', () => {
    const result = { kind: 'whois', target: 'example.net', addr: null, registrar: 'R', days_left: 42, dnssec: false, contacts: ['a'], error: null };
    const r = rowFor(result as unknown as ProbeResult, 1);
    expect(columnsFor('whois' as ProbeKind)).toBe(GENERIC_COLUMNS);
    expect(texts(r)).toEqual(['example.net', '', 'registrar=R  days_left=42  dnssec=false', '']);
    expect(r.status).toBe('ok');
    const failed = rowFor({ kind: 'whois', target: 'x.test', error: 'no whois server' } as unknown as ProbeResult, 2);
    expect(failed.status).toBe('bad');
    expect(failed.cells[3]).toMatchObject({ text: 'no whois server', tone: 'bad' });
    expect(failed.hay).toContain('no whois server');
  });

  it('maps an alive ping', () => {
    const r = rowFor(ping('198.18.16.1', { rtt_ms: { min: 0.045, avg: 0.07, max: 0.082, stddev: 0.017 } }), 3);
    expect(r.seq).toBe(3);
    expect(r.status).toBe('ok');
    expect(texts(r)).toEqual(['198.18.16.1', '198.18.16.1', 'alive', '1', '1', '0%', '0.045', '0.070', '0.082', '0.017']);
    expect(r.cells[2].tone).toBe('ok');
    expect(r.cells[6].sort).toBe(0.045);
  });

  it('maps a dead ping with empty, null-sorted RTTs', () => {
    const r = rowFor(deadPing('198.18.128.1'), 0);
    expect(r.status).toBe('bad');
    expect(r.cells[2]).toMatchObject({ text: 'dead', tone: 'bad' });
    expect(r.cells[5].text).toBe('100%');
    expect(r.cells.slice(6).map((c) => [c.text, c.sort])).toEqual([
      ['', null],
      ['', null],
      ['', null],
      ['', null],
    ]);
  });

  it('maps a trace: reached, hop count, last hop with its name', () => {
    const r = rowFor(trace('d.lab.test'), 0);
    expect(texts(r)).toEqual(['d.lab.test', '198.18.3.1', 'yes', '4', 'd.lab.test (198.18.3.1)', '']);
    expect(r.status).toBe('ok');
    expect(r.hay).toContain('198.18.2.2'); // an ECMP alternative is searchable
  });

  it('maps an unreached trace to its last answering hop', () => {
    const t = trace('x', {
      reached: false,
      hops: [
        { ttl: 1, addr: '198.18.0.1', addrs: ['198.18.0.1'], rtt_ms: [0.1], loss_pct: 0 },
        { ttl: 2, addr: null, addrs: [], rtt_ms: [null], loss_pct: 100 },
      ],
      error: 'host unreachable (from 198.18.0.1)',
    });
    expect(lastHop(t)).toBe('198.18.0.1');
    expect(hopCount(t)).toBe(2);
    const r = rowFor(t, 0);
    expect(r.status).toBe('bad');
    expect(r.cells[5]).toMatchObject({ text: 'host unreachable (from 198.18.0.1)', tone: 'bad' });
  });

  it('colours DNS rcodes: NOERROR ok, NXDOMAIN warn, SERVFAIL and errors bad', () => {
    expect(rowFor(dns('lab.test'), 0).status).toBe('ok');
    const nx = rowFor(dns('nope.lab.test', { rcode: 'NXDOMAIN', answers: [], records: [] }), 0);
    expect(nx.status).toBe('warn');
    expect(nx.cells[2]).toMatchObject({ text: 'NXDOMAIN', tone: 'warn' });
    expect(rowFor(dns('x', { rcode: 'SERVFAIL' }), 0).status).toBe('bad');
    const timeout = rowFor(dns('x', { rcode: null, answers: [], records: [], error: 'timed out' }), 0);
    expect(timeout.status).toBe('bad');
    expect(texts(timeout)).toEqual(['x', 'MX', 'error', '0.214', 'timed out']);
  });

  it('maps DNS answers', () => {
    const r = rowFor(dns('lab.test', { answers: ['10 a.', '20 b.'] }), 0);
    expect(texts(r)).toEqual(['lab.test', 'MX', 'NOERROR', '0.214', '10 a.  20 b.']);
  });

  it('maps a scan: open ports with services, sorted by how many', () => {
    const s = scan('198.18.16.1', { open: [22, 80, 8080] });
    expect(openPorts(s)).toBe('22/ssh 80/http 8080');
    const r = rowFor(s, 0);
    expect(texts(r)).toEqual(['198.18.16.1', '198.18.16.1', '22/ssh 80/http 8080', '3', '1', '']);
    expect(r.cells[2].sort).toBe(3);
    expect(r.status).toBe('ok');
    expect(r.hay).toContain('openssh_9.2p1');
    expect(rowFor(scan('h', { open: [], closed: 5, filtered: 0 }), 0).status).toBe('warn');
    expect(rowFor(scan('h', { open: [], closed: 0, filtered: 9 }), 0).status).toBe('bad');
  });

  it('builds lower-cased search text from target, address and cells', () => {
    const r = rowFor(ping('Host1.LAB.test', { addr: '198.18.0.20' }), 0);
    expect(r.hay).toContain('host1.lab.test');
    expect(r.hay).toContain('198.18.0.20');
    expect(r.hay).toContain('alive');
  });
});

describe('snmp rows', () => {
  it('maps a get: answered, what was read, the sysName, values', () => {
    const r = rowFor(snmp('198.18.0.161'), 0);
    expect(texts(r)).toEqual([
      '198.18.0.161',
      '198.18.0.161',
      'answered',
      '2 variables',
      's1.lab.test',
      '2.427',
      'sysName.0=s1.lab.test  sysDescr.0=wirescope-lab-switch-s1',
    ]);
    expect(r.status).toBe('ok');
    expect(r.cells[3].sort).toBe(2);
  });

  it('counts neighbours, ARP entries and interfaces, and names the crawled device', () => {
    const d = snmpDevice();
    expect(snmpRead(d)).toEqual({ text: '2 neighbours', items: 2 });
    expect(deviceName(d)).toBe('s1.lab.test');
    const r = rowFor(d, 0);
    expect(r.cells[6].text).toBe('swp1→s2:swp1  swp2→s3:swp2');
    expect(r.hay).toContain('02:57:53:00:03:01'); // a neighbour's chassis id is searchable
    expect(r.hay).toContain('wirescope-lab-switch-s2');

    const arp = snmp('h', {
      varbinds: [],
      arp: [{ ip: '198.18.0.10', mac: '72:c7:5a:d9:86:66', vendor: '(locally administered)', interface: 'eth0', type: 'dynamic' }],
    });
    expect(snmpRead(arp).text).toBe('1 ARP entry');
    expect(rowFor(arp, 0).hay).toContain('72:c7:5a:d9:86:66');

    const fdb = snmp('as1', {
      varbinds: [],
      fdb: [
        { mac: '02:57:53:00:40:11', vendor: null, vlan: 20, port: 1, if_index: 5, interface: 'ge1', status: 'learned' },
        { mac: '02:57:53:00:0b:01', vendor: null, vlan: null, port: 4, if_index: 8, interface: 'uplink', status: 'learned' },
      ],
    });
    expect(snmpRead(fdb)).toEqual({ text: '2 FDB entries', items: 2 });
    expect(rowFor(fdb, 0).cells[6].text).toBe('02:57:53:00:40:11@ge1.20  02:57:53:00:0b:01@uplink');
    expect(rowFor(fdb, 0).hay).toContain('learned');
    // A device that answered no rows says why instead of "nothing read".
    expect(snmpRead(snmp('x', { varbinds: [], note: 'no neighbour rows: LLDP may be off' })).text).toBe('no neighbour rows: LLDP may be off');

    const ifs = snmp('h', {
      varbinds: [],
      interfaces: [1, 2, 3].map((index) => ({
        index,
        name: `swp${index}`,
        descr: `swp${index}`,
        alias: index === 1 ? 'uplink to core' : '',
        admin: 'up',
        oper: index === 3 ? 'down' : 'up',
        speed_mbps: 10000,
        mtu: 1500,
        mac: null,
        in_octets: 1,
        out_octets: 2,
        in_errors: 0,
        out_errors: 0,
        in_discards: 0,
        out_discards: 0,
      })),
    });
    expect(snmpRead(ifs)).toEqual({ text: '3 interfaces', items: 3 });
    expect(rowFor(ifs, 0).cells[6].text).toBe('swp1 up  swp2 up  swp3 down');
    expect(rowFor(ifs, 0).hay).toContain('uplink to core');
  });

  it('shows a failed agent with its error and no count', () => {
    const r = rowFor(snmp('198.18.0.200', { varbinds: [], error: 'no response after 3 attempts in 3.0 s' }), 0);
    expect(r.status).toBe('bad');
    expect(texts(r).slice(2, 5)).toEqual(['failed', '', '']);
    expect(r.cells[3].sort).toBeNull();
    expect(r.cells[6]).toMatchObject({ text: 'no response after 3 attempts in 3.0 s', tone: 'bad' });
  });

  it('marks OIDs without a value as partial, and an empty answer as nothing read', () => {
    const partial = snmp('h', { varbinds: [{ oid: '.1.3.6.1.2.1.1.99.0', name: null, type: 'noSuchObject', value: 'No Such Object available on this agent at this OID' }] });
    expect(snmpStatus(partial)).toBe('warn');
    expect(rowFor(partial, 0).cells[2]).toMatchObject({ text: 'partial', tone: 'warn' });
    expect(varbindName(partial.varbinds[0])).toBe('.1.3.6.1.2.1.1.99.0');
    expect(snmpRead(snmp('h', { varbinds: [] })).text).toBe('nothing read');
  });
});

describe('grid sizing', () => {
  it('joins column widths into a grid template', () => {
    expect(gridTemplate('dns').split(' ').length).toBeGreaterThanOrEqual(columnsFor('dns').length);
  });
  it('adds up minimum widths and gaps', () => {
    expect(minGridWidth(['4rem', 'minmax(8rem, 1fr)', '20px'], 10, 5, 0)).toBe(40 + 80 + 20 + 10);
  });
});
