import { describe, expect, it } from 'vitest';
import { changeCounts, changeLabel, changeTone, filterChanges } from './compare';
import { countTone, fmtDuration, fmtMs, fmtOptions, fmtPct, fmtSummary, summaryCounts, targetsPreview } from './format';
import { href, parseRoute } from './router';
import { resolveTheme, storedTheme } from './theme';
import type { Change, Summary } from './types';

describe('router', () => {
  it('parses every view', () => {
    expect(parseRoute('')).toEqual({ name: 'new', kind: null });
    expect(parseRoute('#/')).toEqual({ name: 'new', kind: null });
    expect(parseRoute('#/new')).toEqual({ name: 'new', kind: null });
    expect(parseRoute('#/new/dns')).toEqual({ name: 'new', kind: 'dns' });
    expect(parseRoute('#/runs/42')).toEqual({ name: 'run', id: 42 });
    expect(parseRoute('#/history')).toEqual({ name: 'history' });
    expect(parseRoute('#/history?x=1')).toEqual({ name: 'history' });
    expect(parseRoute('#/compare/3/9')).toEqual({ name: 'compare', a: 3, b: 9 });
  });
  it('refuses malformed paths', () => {
    expect(parseRoute('#/runs/abc').name).toBe('notfound');
    expect(parseRoute('#/compare/1').name).toBe('notfound');
    expect(parseRoute('#/nope').name).toBe('notfound');
  });
  it('builds links that parse back', () => {
    expect(parseRoute(href.run(5))).toEqual({ name: 'run', id: 5 });
    expect(parseRoute(href.compare(1, 2))).toEqual({ name: 'compare', a: 1, b: 2 });
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
  it('formats durations for people', () => {
    expect(fmtDuration(0.418)).toBe('0.4 ms');
    expect(fmtDuration(49)).toBe('49 ms');
    expect(fmtDuration(2010)).toBe('2.01 s');
    expect(fmtDuration(65_000)).toBe('1m 05s');
    expect(fmtDuration(3_720_000)).toBe('1h 02m');
    expect(fmtDuration(null)).toBe('');
  });
  it('writes the summary as the CLI does', () => {
    const s: Summary = { kind: 'summary', probe: 'ping', targets: 7, completed: 7, elapsed_ms: 706, cancelled: false, alive: 6, dead: 1 };
    expect(summaryCounts(s)).toEqual([
      ['alive', 6],
      ['dead', 1],
    ]);
    expect(fmtSummary(s)).toBe('7 targets: 6 alive, 1 dead in 706 ms');
    const d: Summary = { kind: 'summary', probe: 'dns', targets: 3, completed: 2, elapsed_ms: 1, cancelled: true, answered: 2, nxdomain: 0, failed: 0 };
    expect(fmtSummary(d)).toBe('3 questions (2 completed): 2 answered, 0 nxdomain, 0 failed in 1.0 ms, cancelled');
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
  });
});

describe('compare', () => {
  const changes: Change[] = [
    { target: '10.0.0.1', change: 'became_dead', before: 'alive 0.31 ms', after: 'dead', detail: null },
    { target: '10.0.0.2', change: 'rtt_changed', before: 'alive 0.3 ms', after: 'alive 9 ms', detail: '+8.7 ms' },
    { target: '10.0.0.3', change: 'became_dead', before: 'alive', after: 'dead', detail: null },
  ];
  it('colours and names change types', () => {
    expect(changeTone('became_dead')).toBe('bad');
    expect(changeTone('became_alive')).toBe('ok');
    expect(changeTone('ports_opened')).toBe('ok');
    expect(changeTone('path_changed')).toBe('warn');
    expect(changeTone('something_new')).toBe('');
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
