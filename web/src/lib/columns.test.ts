import { describe, expect, it } from 'vitest';
import { COLUMNS, gridTemplate, hopCount, lastHop, minGridWidth, openPorts, rowFor } from './columns';
import { deadPing, dns, ping, scan, trace } from '../test/results';
import { KINDS } from './types';

const texts = (r: ReturnType<typeof rowFor>) => r.cells.map((c) => c.text);

describe('rowFor', () => {
  it('has one cell per column for every kind', () => {
    const samples = { ping: ping('a'), trace: trace('a'), dns: dns('a'), scan: scan('a') };
    for (const k of KINDS) expect(rowFor(samples[k], 0).cells).toHaveLength(COLUMNS[k].length);
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

describe('grid sizing', () => {
  it('joins column widths into a grid template', () => {
    expect(gridTemplate('dns').split(' ').length).toBeGreaterThanOrEqual(COLUMNS.dns.length);
  });
  it('adds up minimum widths and gaps', () => {
    expect(minGridWidth(['4rem', 'minmax(8rem, 1fr)', '20px'], 10, 5, 0)).toBe(40 + 80 + 20 + 10);
  });
});
