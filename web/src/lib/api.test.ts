// Tests of the REST client: error bodies, URLs and queries, re-runs, requests with the token.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  AUTH_MESSAGE,
  alertsQuery,
  deleteChannel,
  getAlert,
  listAlerts,
  listChannels,
  markAlertsRead,
  putChannel,
  testChannel,
  createRun,
  createSuite,
  deleteProfile,
  deleteRun,
  deleteSuite,
  errorFromResponse,
  exportUrl,
  pcapngUrl,
  formParams,
  getReceiver,
  getRun,
  getRunTraps,
  getTrap,
  getTrend,
  historyQuery,
  listRuns,
  listSeries,
  listTraps,
  onUnauthorized,
  optionParams,
  previewSchedule,
  putLayout,
  putProfile,
  putReceiver,
  replaceSuite,
  rerunNeedsSecrets,
  rerunRequest,
  runSuite,
  runsQuery,
  setSuiteEnabled,
  topologyUrl,
  reportUrl,
  bundleUrl,
  captureReportUrl,
  alertReportUrl,
  trendReportUrl,
  trapsQuery,
} from './api';
import { setToken } from './auth';
import type { RunInfo } from './types';

describe('errorFromResponse', () => {
  it('keeps the message and the field of a 400', () => {
    const e = errorFromResponse(400, JSON.stringify({ error: "invalid target '10.0.0.300': not a valid IPv4 address", field: 'targets' }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.message).toBe("invalid target '10.0.0.300': not a valid IPv4 address");
    expect(e.field).toBe('targets');
  });

  it('has no field for a 429', () => {
    const e = errorFromResponse(429, '{"error":"too many runs in progress (limit 4)"}');
    expect(e.message).toBe('too many runs in progress (limit 4)');
    expect(e.field).toBeNull();
  });

  it('says to sign in (or use the token link) for a 401, whatever the body', () => {
    const e = errorFromResponse(401, 'Unauthorized');
    expect(e.unauthorized).toBe(true);
    expect(e.message).toBe(AUTH_MESSAGE);
    expect(e.message).toMatch(/sign in.*\?token=/i);
  });

  it('falls back to the text or the status for a body that is not JSON', () => {
    expect(errorFromResponse(502, 'Bad Gateway\n').message).toBe('Bad Gateway');
    expect(errorFromResponse(500, '', 'Internal Server Error').message).toBe('HTTP 500 Internal Server Error');
    expect(errorFromResponse(500, '{}').message).toBe('HTTP 500');
  });
});

describe('runsQuery', () => {
  it('sends limit and offset, and kind/status only when chosen', () => {
    expect(runsQuery({})).toBe('api/runs?limit=50&offset=0');
    expect(runsQuery({ kind: 'ping', status: 'finished', limit: 20, offset: 40 })).toBe(
      'api/runs?limit=20&offset=40&kind=ping&status=finished',
    );
    expect(runsQuery({ kind: '', status: '' })).toBe('api/runs?limit=50&offset=0');
  });
});

describe('alertsQuery', () => {
  it("sends a suite's, a target's, the page before an id, only when given", () => {
    expect(alertsQuery()).toBe('api/alerts');
    expect(alertsQuery({ limit: 1 })).toBe('api/alerts?limit=1');
    expect(alertsQuery({ suite: 3, target: ' example.com A ', before: 90, limit: 50 })).toBe('api/alerts?suite=3&target=example.com+A&before=90&limit=50');
    expect(alertsQuery({ target: '  ' })).toBe('api/alerts');
  });
});

describe('trapsQuery', () => {
  it('sends the filter fields given, trimmed, the page before an id and the limit', () => {
    expect(trapsQuery()).toBe('api/traps');
    expect(trapsQuery({ source: ' ', oid: '', limit: 5 })).toBe('api/traps?limit=5');
    expect(trapsQuery({ source: '198.18.0.161', oid: 'link Down', device: 's1', since: '2026-05-28T08:00:00.000Z', until: '1780000000000', before: 90, limit: 100 })).toBe(
      'api/traps?source=198.18.0.161&oid=link+Down&device=s1&since=2026-05-28T08%3A00%3A00.000Z&until=1780000000000&before=90&limit=100',
    );
  });
});

describe('historyQuery', () => {
  it("asks for a target's history by kind and target, the target encoded", () => {
    expect(runsQuery({ batch: 12, limit: 16 })).toBe('api/runs?limit=16&offset=0&batch=12');
    expect(historyQuery(3, 'scan', '192.0.2.1')).toBe('api/suites/3/history?kind=scan&target=192.0.2.1');
    expect(historyQuery(3, 'dns', 'example.com A')).toBe('api/suites/3/history?kind=dns&target=example.com+A');
    expect(historyQuery(3, 'trace', '[2001:db8::1]')).toBe('api/suites/3/history?kind=trace&target=%5B2001%3Adb8%3A%3A1%5D');
  });
});

describe('rerunRequest', () => {
  it('repeats kind, targets, options and network options', () => {
    const run = {
      id: 7,
      kind: 'scan',
      status: 'finished',
      targets_text: '198.18.16.1\n# lab',
      options: { ports: '22,80', banners: true },
      net: { netns: 'wsl-c' },
    } as unknown as RunInfo;
    expect(rerunRequest(run)).toEqual({
      kind: 'scan',
      targets_text: '198.18.16.1\n# lab',
      options: { ports: '22,80', banners: true },
      net: { netns: 'wsl-c' },
    });
  });

  it("repeats a site's run from that site alone", () => {
    const run = { id: 8, kind: 'ping', targets_text: 'a', options: {}, net: {}, site: 'branch', batch: 7 } as unknown as RunInfo;
    expect(rerunRequest(run).sites).toEqual(['branch']);
    expect(rerunRequest({ ...run, site: null }).sites).toBeUndefined();
  });
});

describe('re-running an SNMP run', () => {
  const snmpRun = (options: Record<string, unknown>) =>
    ({
      id: 9,
      kind: 'snmp',
      status: 'finished',
      targets_text: '198.18.0.161',
      options,
      net: { netns: 'wsl-c', interface: null, family: 'any', resolvers: [] },
    }) as unknown as RunInfo;

  it('goes through the form when the run used its own credentials (never stored)', () => {
    expect(rerunNeedsSecrets(snmpRun({ op: 'walk', version: '2c' }))).toBe(true);
    expect(rerunNeedsSecrets(snmpRun({ op: 'walk', profiles: ['lab'] }))).toBe(false);
    expect(rerunNeedsSecrets({ ...snmpRun({}), kind: 'ping' })).toBe(false);
  });

  it('turns options into form parameters: lists joined, empty values left out', () => {
    expect(optionParams({ count: 3, types: ['A', 'MX'], none: [], ttl: null, x: '', on: false, nested: { a: 1 } })).toEqual({
      count: '3',
      types: 'A,MX',
      on: 'false',
    });
    expect(optionParams({ netns: 'wsl-c' }, 'net.')).toEqual({ 'net.netns': 'wsl-c' });
  });

  it('turns the run into form parameters', () => {
    const run = snmpRun({ op: 'walk', oids: ['system', 'ifTable'], version: '2c', user: null, retries: 2, rate: null, profiles: [] });
    expect(formParams(run)).toEqual({
      targets: '198.18.0.161',
      op: 'walk',
      oids: 'system,ifTable',
      version: '2c',
      retries: '2',
      'net.netns': 'wsl-c',
      'net.family': 'any',
    });
  });
});

describe('requests', () => {
  const calls: { url: string; init: RequestInit }[] = [];
  let reply: () => Response;

  beforeEach(() => {
    calls.length = 0;
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return reply();
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setToken(null);
  });

  const json = (status: number, body: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  it('posts a run as JSON with the bearer token', async () => {
    setToken('s3cret');
    reply = () => json(201, { id: 7, total: 5 });
    const r = await createRun({ kind: 'ping', targets_text: '10.0.0.1-5', options: { count: 3 }, net: {} });
    expect(r).toEqual({ id: 7, total: 5 });
    expect(calls[0].url).toBe('/api/runs');
    expect(calls[0].init.method).toBe('POST');
    const headers = calls[0].init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer s3cret');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      kind: 'ping',
      targets_text: '10.0.0.1-5',
      options: { count: 3 },
      net: {},
    });
  });

  it('sends no Authorization header without a token', async () => {
    reply = () => json(200, { runs: [], total: 0 });
    await listRuns({ kind: 'dns' });
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(calls[0].url).toBe('/api/runs?limit=50&offset=0&kind=dns');
  });

  it('throws ApiError with the field of a 400', async () => {
    reply = () => json(400, { error: 'bad duration "3000": add a unit', field: 'options.timeout' });
    const err = await createRun({ kind: 'ping', targets_text: 'x', options: {}, net: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.field).toBe('options.timeout');
  });

  it('tells listeners about a 401', async () => {
    reply = () => new Response('', { status: 401 });
    let told = 0;
    const off = onUnauthorized(() => told++);
    const err = await getRun(1).catch((e) => e);
    off();
    expect(told).toBe(1);
    expect(err.unauthorized).toBe(true);
  });

  it('reads DELETE: 202 cancelled, 204 deleted', async () => {
    reply = () => json(202, { status: 'cancelled' });
    expect(await deleteRun(3)).toBe('cancelled');
    expect(calls[0].init.method).toBe('DELETE');
    expect(calls[0].url).toBe('/api/runs/3');
    reply = () => new Response(null, { status: 204 });
    expect(await deleteRun(3)).toBe('deleted');
  });

  it('saves profiles and layouts with PUT, removes profiles with DELETE', async () => {
    reply = () => json(200, { name: 'core v3' });
    await putProfile('core v3', { version: '2c', community: 'wslpublic' });
    expect(calls[0].url).toBe('/api/creds/core%20v3');
    expect(calls[0].init.method).toBe('PUT');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ version: '2c', community: 'wslpublic' });
    reply = () => new Response(null, { status: 204 });
    await deleteProfile('lab');
    expect([calls[1].init.method, calls[1].url]).toEqual(['DELETE', '/api/creds/lab']);
    await putLayout({ positions: { s1: { x: 1, y: 2 } } });
    expect([calls[2].init.method, calls[2].url]).toEqual(['PUT', '/api/topology/layout']);
  });

  it('sends suites where the document says', async () => {
    reply = () => json(201, { id: 4 });
    const suite = { runs: [{ kind: 'ping' as const, targets: '198.18.16.1' }] };
    expect(await createSuite({ name: 'lab', ...suite })).toEqual({ id: 4 });
    expect([calls[0].init.method, calls[0].url]).toEqual(['POST', '/api/suites']);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ name: 'lab', ...suite });
    reply = () => json(200, {});
    await replaceSuite(4, suite);
    await setSuiteEnabled(4, false);
    await setSuiteEnabled(4, true);
    await runSuite(4);
    await previewSchedule({ cron: '*/5 * * * *', timezone: 'UTC' });
    reply = () => new Response(null, { status: 204 });
    await deleteSuite(4);
    expect(calls.slice(1).map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'PUT /api/suites/4',
      'POST /api/suites/4/disable',
      'POST /api/suites/4/enable',
      'POST /api/suites/4/run',
      'POST /api/suites/schedule',
      'DELETE /api/suites/4',
    ]);
    expect(JSON.parse(String(calls[5].init.body))).toEqual({ cron: '*/5 * * * *', timezone: 'UTC' });
  });

  it("asks for a suite's series and trends where the document says", async () => {
    const info = { id: 7, kind: 'ping', target: '198.18.0.1', last: 1_700_000_000_000, samples: 3 };
    reply = () => json(200, { series: [info] });
    expect(await listSeries(4)).toEqual([info]);
    const trend = { series: info, from: 1, to: 2, width: 300_000, buckets: [] };
    reply = () => json(200, trend);
    expect(await getTrend(4, 7, '1d')).toEqual(trend);
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/suites/4/series', 'GET /api/suites/4/trend?series=7&range=1d']);
  });

  it('reads alerts and marks them read where the document says', async () => {
    reply = () => json(200, { events: [], unread: 2, read: 5 });
    expect(await listAlerts({ suite: 3, limit: 20 })).toEqual({ events: [], unread: 2, read: 5 });
    reply = () => json(200, { unread: 0, read: 9 });
    expect(await markAlertsRead(9)).toEqual({ unread: 0, read: 9 });
    reply = () => json(200, { id: 9 });
    await getAlert(9);
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/alerts?suite=3&limit=20', 'POST /api/alerts/read', 'GET /api/alerts/9']);
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ up_to: 9 });
  });

  it('lists, saves, tests and removes channels where the document says', async () => {
    const view = { type: 'webhook', name: 'ops hook', shown: 'https://example.net/…', format: 'json', signed: false, created_at: 1, updated_at: 1 };
    reply = () => json(200, { channels: [view] });
    expect(await listChannels()).toEqual([view]);
    reply = () => json(201, view);
    await putChannel('ops hook', { type: 'webhook', url: 'https://example.net/x' });
    reply = () => json(200, { elapsed_ms: 12.5 });
    expect(await testChannel('ops hook')).toEqual({ elapsed_ms: 12.5 });
    reply = () => json(502, { error: 'ops hook: HTTP 500' });
    const err = await testChannel('ops hook').catch((e) => e);
    expect([err.status, err.message]).toEqual([502, 'ops hook: HTTP 500']);
    reply = () => new Response(null, { status: 204 });
    await deleteChannel('ops hook');
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET /api/channels',
      'PUT /api/channels/ops%20hook',
      'POST /api/channels/ops%20hook/test',
      'POST /api/channels/ops%20hook/test',
      'DELETE /api/channels/ops%20hook',
    ]);
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ type: 'webhook', url: 'https://example.net/x' });
  });

  it('reads traps and the receiver, and changes its settings, where the document says', async () => {
    reply = () => json(200, { traps: [], more: false });
    expect(await listTraps({ device: 's1', limit: 5 })).toEqual({ traps: [], more: false });
    await getRunTraps(40);
    reply = () => json(200, { id: 3 });
    await getTrap(3);
    reply = () => json(200, { settings: { listen: null, profiles: [] } });
    await getReceiver();
    await putReceiver({ listen: '0.0.0.0:1162', netns: null, profiles: ['lab'] });
    reply = () => json(409, { error: 'set by serve --traps' });
    const err = await putReceiver({ listen: null, profiles: [] }).catch((e) => e);
    expect([err.status, err.message]).toEqual([409, 'set by serve --traps']);
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET /api/traps?device=s1&limit=5',
      'GET /api/runs/40/traps',
      'GET /api/traps/3',
      'GET /api/traps/receiver',
      'PUT /api/traps/receiver',
      'PUT /api/traps/receiver',
    ]);
    expect(JSON.parse(String(calls[4].init.body))).toEqual({ listen: '0.0.0.0:1162', netns: null, profiles: ['lab'] });
  });

  it('reports a network failure as status 0', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await getRun(1).catch((e) => e);
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/cannot reach the server/);
  });
});

describe('exportUrl', () => {
  afterEach(() => setToken(null));
  it('links the export, with the token in the query when set', () => {
    expect(exportUrl(7, 'csv')).toBe('/api/runs/7/export?format=csv');
    expect(exportUrl(7, 'csv', true)).toBe('/api/runs/7/export?format=csv&anonymize=true');
    expect(pcapngUrl(3)).toBe('/api/captures/3/pcapng');
    expect(pcapngUrl(3, ' icmp ', true)).toBe('/api/captures/3/pcapng?filter=icmp&anonymize=true');
    setToken('a b');
    expect(exportUrl(7, 'json')).toBe('/api/runs/7/export?format=json&token=a%20b');
    expect(topologyUrl(7, 'dot')).toBe('/api/runs/7/topology?format=dot&token=a%20b');
    expect(reportUrl(7)).toBe('/api/runs/7/report?token=a%20b');
    expect(reportUrl(3, 7)).toBe('/api/runs/3/compare/7/report?token=a%20b');
    expect(reportUrl(7, undefined, true)).toBe('/api/runs/7/report?anonymize=true&token=a%20b');
    expect(bundleUrl(7)).toBe('/api/runs/7/bundle?token=a%20b');
    expect(captureReportUrl(2)).toBe('/api/captures/2/report?token=a%20b');
    expect(alertReportUrl(5)).toBe('/api/alerts/5/report?token=a%20b');
    expect(trendReportUrl(4, 9, '7d')).toBe('/api/suites/4/trend/report?series=9&range=7d&token=a%20b');
  });
});
