// Tests of the side-by-side view of a batch: cells per kind, the grid, the sites' totals, the
// request's `sites`.

import { describe, expect, it } from 'vitest';
import { LOCAL_SITE, filterRows, siteLabel, siteOf, sitesRequest, vantageCell, vantageGrid } from './vantage';
import { deadPing, dns, ping, scan, snmp, ssh, trace } from '../test/results';
import type { ProbeResult, RunDetail } from './types';

function run(id: number, site: string | null, results: ProbeResult[], over: Partial<RunDetail> = {}): RunDetail {
  return {
    id,
    kind: results[0]?.kind ?? 'ping',
    status: 'finished',
    created_at: 1_000,
    started_at: 2_000,
    finished_at: 3_000,
    targets_text: '',
    options: {},
    net: {},
    source: 'api',
    total: results.length,
    done: results.length,
    summary: null,
    error: null,
    site,
    batch: 40,
    results,
    ...over,
  };
}

describe('sitesRequest', () => {
  it('leaves a run from this server alone a plain run', () => {
    expect(sitesRequest([])).toBeUndefined();
    expect(sitesRequest([LOCAL_SITE])).toBeUndefined();
    expect(sitesRequest([' local ', 'local'])).toBeUndefined();
  });

  it('names every site ticked, this server included, once each', () => {
    expect(sitesRequest(['branch'])).toEqual(['branch']);
    expect(sitesRequest(['local', 'branch', 'branch', ' dc2 '])).toEqual(['local', 'branch', 'dc2']);
  });

  it('names sites for people', () => {
    expect(siteOf({ site: null })).toBe('local');
    expect(siteOf({})).toBe('local');
    expect(siteOf({ site: 'branch' })).toBe('branch');
    expect(siteLabel('local')).toBe('local (this server)');
    expect(siteLabel('branch')).toBe('branch');
  });
});

describe('vantageCell', () => {
  it('shows a ping by its average RTT, loss when there was some, no reply when dead', () => {
    const ok = vantageCell(ping('198.18.7.1', { rtt_ms: { min: 0.05, avg: 0.25, max: 0.5, stddev: 0.1 } }));
    expect(ok).toMatchObject({ tone: 'ok', text: '0.250 ms', reached: true, ms: 0.25 });
    expect(ok.title).toContain('1/1 replies');
    const lossy = vantageCell(ping('a', { sent: 4, received: 3, loss_pct: 25 }));
    expect(lossy).toMatchObject({ tone: 'warn', reached: true });
    expect(lossy.text).toBe('0.053 ms · 25% loss');
    const dead = vantageCell(deadPing('198.18.16.1'));
    expect(dead).toMatchObject({ tone: 'bad', text: 'no reply', reached: false, ms: null });
    expect(dead.title).toContain('no reply to 1 echo requests');
    expect(vantageCell(ping('b', { alive: false, error: 'no route to host', rtt_ms: null }))).toMatchObject({ text: 'no route to host', title: 'b: no route to host' });
  });

  it('shows a trace by its hops, or where it stopped', () => {
    expect(vantageCell(trace('198.18.3.1'))).toMatchObject({ tone: 'ok', text: '4 hops', reached: true });
    const lost = vantageCell(trace('198.18.3.9', { reached: false, hops: trace('x').hops.slice(0, 2) }));
    expect(lost).toMatchObject({ tone: 'bad', reached: false });
    expect(lost.text).toBe('not reached · last 198.18.2.6');
  });

  it('shows DNS by its rcode and answers, SNMP by its answer time, a scan by its open ports, ssh by its exit', () => {
    expect(vantageCell(dns('lab.test'))).toMatchObject({ tone: 'ok', text: 'NOERROR · 1 answer', reached: true, ms: 0.214 });
    expect(vantageCell(dns('nope.lab.test', { rcode: 'NXDOMAIN', answers: [] }))).toMatchObject({ tone: 'warn', text: 'NXDOMAIN', reached: true });
    expect(vantageCell(dns('x', { rcode: null, answers: [], error: 'timed out' }))).toMatchObject({ text: 'no answer', reached: false, ms: null });
    expect(vantageCell(scan('198.18.0.20'))).toMatchObject({ tone: 'ok', text: '22/ssh 80/http', reached: true });
    expect(vantageCell(scan('198.18.0.21', { open: [], closed: 0, filtered: 5 }))).toMatchObject({ tone: 'bad', text: 'filtered', reached: false });
    expect(vantageCell(scan('198.18.0.22', { open: [], closed: 5, filtered: 0 }))).toMatchObject({ text: 'none open', reached: true });
    const s = vantageCell(snmp('198.18.0.161'));
    expect(s.reached).toBe(true);
    expect(s.text).toMatch(/ ms$/);
    expect(vantageCell(snmp('198.18.0.9', { error: 'timed out', varbinds: [] }))).toMatchObject({ tone: 'bad', text: 'no answer', reached: false });
    expect(vantageCell(ssh('198.18.40.1'))).toMatchObject({ tone: 'ok', text: 'exit 0', reached: true });
  });
});

describe('vantageGrid', () => {
  const local = run(40, null, [ping('198.18.16.1', { rtt_ms: { min: 1, avg: 1, max: 1, stddev: 0 } }), ping('198.18.7.1', { rtt_ms: { min: 3, avg: 3, max: 3, stddev: 0 } })]);
  const branch = run(41, 'branch', [ping('198.18.7.1', { rtt_ms: { min: 2, avg: 2, max: 2, stddev: 0 } }), deadPing('198.18.16.1')]);

  it("puts each target on one row, a column per site, in the first site's order", () => {
    const g = vantageGrid([local, branch]);
    expect(g.sites.map((s) => s.site)).toEqual(['local', 'branch']);
    expect(g.rows.map((r) => r.target)).toEqual(['198.18.16.1', '198.18.7.1']);
    expect(g.rows[0].cells.map((c) => c?.reached)).toEqual([true, false]);
    expect(g.rows[1].cells.map((c) => c?.text)).toEqual(['3.000 ms', '2.000 ms']);
  });

  it('marks the targets the sites disagree on', () => {
    const g = vantageGrid([local, branch]);
    expect(g.rows.map((r) => r.differs)).toEqual([true, false]);
    expect(filterRows(g.rows, true, '').map((r) => r.target)).toEqual(['198.18.16.1']);
    expect(filterRows(g.rows, false, '7.1').map((r) => r.target)).toEqual(['198.18.7.1']);
  });

  it("totals each site: reached, the median RTT, how far its run is", () => {
    const g = vantageGrid([local, branch, run(42, 'dc2', [], { status: 'running', done: 0, total: 2 })]);
    expect(g.sites.map((s) => [s.site, s.run, s.reached, s.medianMs])).toEqual([
      ['local', 40, 2, 2],
      ['branch', 41, 1, 2],
      ['dc2', 42, 0, null],
    ]);
    expect(g.sites[2]).toMatchObject({ status: 'running', done: 0, total: 2 });
    // a site with no result yet has an empty cell, not a failure
    expect(g.rows[0].cells[2]).toBeNull();
    expect(g.rows[0].differs).toBe(true);
  });

  it('matches DNS answers by the question, not only the name', () => {
    const a = run(50, null, [dns('lab.test', { type: 'A' }), dns('lab.test', { type: 'MX' })]);
    const b = run(51, 'branch', [dns('lab.test', { type: 'MX', rcode: 'SERVFAIL', answers: [] })]);
    const g = vantageGrid([a, b]);
    expect(g.rows.map((r) => r.target)).toEqual(['lab.test A', 'lab.test MX']);
    expect(g.rows[1].cells.map((c) => c?.tone)).toEqual(['ok', 'bad']);
    expect(g.rows[0].cells[1]).toBeNull();
  });
});
