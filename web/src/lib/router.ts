// A tiny hash router: #/new[/KIND][?targets=…&op=…], #/runs/ID, #/runs/ID/map, #/runs/ID/diff,
// #/history, #/compare/A/B, #/suites, #/suites/new, #/suites/ID, #/suites/ID/edit,
// #/suites/ID/series/SID[?range=3h|1d|7d|30d], #/suites/ID/target?kind=scan|trace|dns&target=T, #/creds,
// #/traffic, #/captures/ID, #/terminal[?target=…&netns=…], #/watch/ID, #/recordings, #/recordings/ID,
// #/hostkeys[?host=…], #/alerts[?suite=ID&target=…], #/alerts/ID, #/channels,
// #/traps[?source=…&oid=…&device=…&since=…&until=…], #/traps/ID, #/agents, #/vantage/BATCH, #/host,
// #/configs[?target=…&version=…].

import { trapFilterOf, type TrapFilter } from './traps';
import { DEFAULT_RANGE } from './trend';
import { TREND_RANGES, historyKind, type HistoryKind, type TrendRange } from './types';

export type Route =
  | { name: 'new'; kind: string | null; params: Record<string, string> }
  | { name: 'run'; id: number }
  | { name: 'map'; id: number }
  | { name: 'diff'; id: number }
  | { name: 'history' }
  | { name: 'compare'; a: number; b: number }
  | { name: 'suites' }
  | { name: 'suite'; id: number }
  | { name: 'newSuite' }
  | { name: 'editSuite'; id: number }
  | { name: 'series'; suite: number; series: number; range: TrendRange }
  | { name: 'target'; suite: number; kind: HistoryKind; target: string }
  | { name: 'creds' }
  | { name: 'traffic' }
  | { name: 'capture'; id: number }
  | { name: 'terminal'; params: Record<string, string> }
  | { name: 'watch'; id: number }
  | { name: 'recordings' }
  | { name: 'recording'; id: number }
  | { name: 'configs'; target: string; version: number | null }
  | { name: 'hostkeys'; params: Record<string, string> }
  | { name: 'alerts'; filter: AlertFilter }
  | { name: 'alert'; id: number }
  | { name: 'channels' }
  | { name: 'traps'; filter: TrapFilter }
  | { name: 'trap'; id: number }
  | { name: 'setup'; code: string }
  | { name: 'users' }
  | { name: 'audit' }
  | { name: 'agents' }
  | { name: 'host' }
  | { name: 'vantage'; batch: number }
  | { name: 'notfound'; path: string };

/** The alerts timeline's filters: a suite's events, a target's. */
export interface AlertFilter {
  suite: number | null;
  target: string;
}

const id = (s: string | undefined): number | null => (s && /^\d+$/.test(s) ? Number(s) : null);

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = () => Object.fromEntries(new URLSearchParams(query));
  if (parts.length === 0) return { name: 'new', kind: null, params: {} };
  const [head, x, y, z] = parts;
  if (head === 'new' && parts.length <= 2) return { name: 'new', kind: x ?? null, params: params() };
  if (head === 'runs' && parts.length === 2 && id(x) !== null) return { name: 'run', id: id(x) as number };
  if (head === 'runs' && parts.length === 3 && id(x) !== null && y === 'map') return { name: 'map', id: id(x) as number };
  if (head === 'runs' && parts.length === 3 && id(x) !== null && y === 'diff') return { name: 'diff', id: id(x) as number };
  if (head === 'history' && parts.length === 1) return { name: 'history' };
  if (head === 'compare' && parts.length === 3 && id(x) !== null && id(y) !== null)
    return { name: 'compare', a: id(x) as number, b: id(y) as number };
  if (head === 'suites' && parts.length === 1) return { name: 'suites' };
  if (head === 'suites' && parts.length === 2 && x === 'new') return { name: 'newSuite' };
  if (head === 'suites' && parts.length === 2 && id(x) !== null) return { name: 'suite', id: id(x) as number };
  if (head === 'suites' && parts.length === 3 && id(x) !== null && y === 'edit') return { name: 'editSuite', id: id(x) as number };
  if (head === 'suites' && parts.length === 4 && id(x) !== null && y === 'series' && id(z) !== null) {
    const range = TREND_RANGES.find((r) => r === params().range) ?? DEFAULT_RANGE;
    return { name: 'series', suite: id(x) as number, series: id(z) as number, range };
  }
  if (head === 'suites' && parts.length === 3 && id(x) !== null && y === 'target') {
    const p = params();
    const kind = historyKind(p.kind ?? '');
    const target = (p.target ?? '').trim();
    if (kind && target) return { name: 'target', suite: id(x) as number, kind, target };
  }
  if (head === 'setup' && parts.length === 2 && x) return { name: 'setup', code: x };
  if (head === 'users' && parts.length === 1) return { name: 'users' };
  if (head === 'audit' && parts.length === 1) return { name: 'audit' };
  if (head === 'agents' && parts.length === 1) return { name: 'agents' };
  if (head === 'host' && parts.length === 1) return { name: 'host' };
  if (head === 'vantage' && parts.length === 2 && id(x) !== null) return { name: 'vantage', batch: id(x) as number };
  if (head === 'creds' && parts.length === 1) return { name: 'creds' };
  if (head === 'traffic' && parts.length === 1) return { name: 'traffic' };
  if (head === 'captures' && parts.length === 2 && id(x) !== null) return { name: 'capture', id: id(x) as number };
  if (head === 'terminal' && parts.length === 1) return { name: 'terminal', params: params() };
  if (head === 'watch' && parts.length === 2 && id(x) !== null) return { name: 'watch', id: id(x) as number };
  if (head === 'recordings' && parts.length === 1) return { name: 'recordings' };
  if (head === 'configs' && parts.length === 1) {
    const p = params();
    return { name: 'configs', target: (p.target ?? '').trim(), version: id(p.version) };
  }
  if (head === 'recordings' && parts.length === 2 && id(x) !== null) return { name: 'recording', id: id(x) as number };
  if (head === 'hostkeys' && parts.length === 1) return { name: 'hostkeys', params: params() };
  if (head === 'alerts' && parts.length === 1) {
    const p = params();
    return { name: 'alerts', filter: { suite: id(p.suite), target: (p.target ?? '').trim() } };
  }
  if (head === 'alerts' && parts.length === 2 && id(x) !== null) return { name: 'alert', id: id(x) as number };
  if (head === 'channels' && parts.length === 1) return { name: 'channels' };
  if (head === 'traps' && parts.length === 1) return { name: 'traps', filter: trapFilterOf(params()) };
  if (head === 'traps' && parts.length === 2 && id(x) !== null) return { name: 'trap', id: id(x) as number };
  return { name: 'notfound', path };
}

const query = (params?: Record<string, string>) => {
  const set = Object.fromEntries(Object.entries(params ?? {}).filter(([, v]) => v !== ''));
  return Object.keys(set).length ? `?${new URLSearchParams(set).toString()}` : '';
};

export const href = {
  new: (kind?: string, params?: Record<string, string>) => `${kind ? `#/new/${kind}` : '#/new'}${query(params)}`,
  run: (id: number) => `#/runs/${id}`,
  map: (id: number) => `#/runs/${id}/map`,
  diff: (id: number) => `#/runs/${id}/diff`,
  history: () => '#/history',
  compare: (a: number, b: number) => `#/compare/${a}/${b}`,
  suites: () => '#/suites',
  suite: (id: number) => `#/suites/${id}`,
  newSuite: () => '#/suites/new',
  editSuite: (id: number) => `#/suites/${id}/edit`,
  /** A suite's series over a range (the 3 h view by default). */
  series: (suite: number, series: number, range: TrendRange = DEFAULT_RANGE) => `#/suites/${suite}/series/${series}${query({ range })}`,
  /** A target's history in a suite (its open ports, paths or DNS answers), for targets without a trend. */
  target: (suite: number, kind: HistoryKind, target: string) => `#/suites/${suite}/target${query({ kind, target: target.trim() })}`,
  creds: () => '#/creds',
  users: () => '#/users',
  audit: () => '#/audit',
  agents: () => '#/agents',
  host: () => '#/host',
  /** The runs of one batch side by side: each target as each site sees it. */
  vantage: (batch: number) => `#/vantage/${batch}`,
  traffic: () => '#/traffic',
  capture: (id: number) => `#/captures/${id}`,
  /** The terminal view, its connect form filled from `params` (target, port, user, profile, jump, netns). */
  terminal: (params?: Record<string, string>) => `#/terminal${query(params)}`,
  /** Watching the shared terminal of recording `id`, read-only. */
  watch: (id: number) => `#/watch/${id}`,
  recordings: () => '#/recordings',
  /** Kept configurations: every device, or one device's versions (one of them open). */
  configs: (target?: string, version?: number) =>
    `#/configs${query({ target: target?.trim() ?? '', version: version != null ? String(version) : '' })}`,
  recording: (id: number) => `#/recordings/${id}`,
  hostkeys: (host?: string) => `#/hostkeys${query(host ? { host } : undefined)}`,
  /** The alerts timeline, of a suite or a target when given. */
  alerts: (filter?: Partial<AlertFilter>) =>
    `#/alerts${query({ suite: filter?.suite != null ? String(filter.suite) : '', target: filter?.target?.trim() ?? '' })}`,
  alert: (id: number) => `#/alerts/${id}`,
  channels: () => '#/channels',
  /** The received traps, filtered when given (empty fields left out). */
  traps: (filter?: Partial<TrapFilter>) =>
    `#/traps${query(Object.fromEntries(Object.entries(filter ?? {}).map(([k, v]) => [k, (v ?? '').trim()])))}`,
  trap: (id: number) => `#/traps/${id}`,
};

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}
