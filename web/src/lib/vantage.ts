// One question asked from several sites (a batch of runs, one per site): each target as each
// site saw it, side by side (which site reaches what, and how fast), and each site's totals.

import { dnsStatus, hopCount, lastHop, openPorts, rowFor, scanStatus, snmpRead, snmpStatus, type Tone } from './columns';
import { fmtMs, fmtPct } from './format';
import { exitText, sshStatus } from './ssh';
import type { ProbeResult, RunDetail } from './types';

/** A batch holds at most this many runs, one per site (the server's limit on `sites`). */
export const MAX_SITES_SHOWN = 16;

/** The site name of runs this server makes (what `sites` calls it). */
export const LOCAL_SITE = 'local';

/** A run's site as the dashboard names it: its agents' site, or `local` for this server. */
export const siteOf = (run: { site?: string | null }): string => run.site ?? LOCAL_SITE;

/** A site as a heading: `local` is this server. */
export const siteLabel = (site: string): string => (site === LOCAL_SITE ? 'local (this server)' : site);

/**
 * The `sites` of a run request from the sites ticked: absent when only this server is (a plain
 * run, as before sites existed), else every site ticked, `local` included when it is.
 */
export function sitesRequest(ticked: readonly string[]): string[] | undefined {
  const sites = [...new Set(ticked.map((s) => s.trim()).filter(Boolean))];
  if (sites.length === 0 || (sites.length === 1 && sites[0] === LOCAL_SITE)) return undefined;
  return sites;
}

/** How a target looked from one site. */
export interface VantageCell {
  tone: Exclude<Tone, ''>;
  /** The short figure shown (RTT, hops, open ports, rcode). */
  text: string;
  /** The longer line in the tooltip. */
  title: string;
  /** Whether the site reached the target at all (echo answered, trace reached, DNS or SNMP answered, a port answered, ssh ran). */
  reached: boolean;
  /** The figure to compare sites by, in ms where it is a time (ping's average RTT, DNS's and SNMP's answer time); null when none. */
  ms: number | null;
}

/** One result as a cell of the side-by-side view. */
export function vantageCell(r: ProbeResult): VantageCell {
  switch (r.kind) {
    case 'ping': {
      const avg = r.rtt_ms?.avg ?? null;
      const loss = r.loss_pct > 0 && r.alive ? ` · ${fmtPct(r.loss_pct)} loss` : '';
      const text = r.alive ? `${fmtMs(avg)} ms${loss}` : (r.error ?? 'no reply');
      const title = r.alive
        ? `${r.addr}: ${r.received}/${r.sent} replies, rtt min/avg/max ${fmtMs(r.rtt_ms?.min)}/${fmtMs(avg)}/${fmtMs(r.rtt_ms?.max)} ms`
        : `${r.addr || r.target}: ${r.error ?? `no reply to ${r.sent} echo requests`}`;
      return { tone: r.alive ? (r.loss_pct > 0 ? 'warn' : 'ok') : 'bad', text, title, reached: r.alive, ms: r.alive ? avg : null };
    }
    case 'trace': {
      const hops = hopCount(r);
      const last = lastHop(r);
      return {
        tone: r.reached ? 'ok' : 'bad',
        text: r.reached ? `${hops} hop${hops === 1 ? '' : 's'}` : `not reached${last ? ` · last ${last}` : ''}`,
        title: r.error ?? `${r.reached ? 'reached' : 'not reached'} in ${hops} hops${last ? `; last answer from ${last}` : ''}`,
        reached: r.reached,
        ms: null,
      };
    }
    case 'dns': {
      const tone = dnsStatus(r);
      const answered = !r.error && r.rcode != null;
      const n = r.answers.length;
      return {
        tone,
        text: answered ? `${r.rcode}${n ? ` · ${n} answer${n === 1 ? '' : 's'}` : ''}` : 'no answer',
        title: r.error ?? `${r.type} ${r.name}: ${r.answers.join(', ') || r.rcode} (${fmtMs(r.elapsed_ms)} ms from ${r.server ?? 'the resolver'})`,
        reached: answered,
        ms: answered ? r.elapsed_ms : null,
      };
    }
    case 'scan': {
      const ports = openPorts(r);
      const answered = r.open.length > 0 || r.closed > 0;
      return {
        tone: scanStatus(r),
        text: r.error ? 'error' : ports || (r.closed ? 'none open' : 'filtered'),
        title: r.error ?? `${r.open.length} open, ${r.closed} closed, ${r.filtered} filtered`,
        reached: answered,
        ms: null,
      };
    }
    case 'snmp': {
      const tone = snmpStatus(r);
      return {
        tone,
        text: r.error ? 'no answer' : `${fmtMs(r.elapsed_ms)} ms`,
        title: r.error ?? snmpRead(r).text,
        reached: !r.error,
        ms: r.error ? null : r.elapsed_ms,
      };
    }
    case 'ssh': {
      const tone = sshStatus(r);
      const exit = exitText(r);
      const text = r.error || !/^\d+$/.test(exit) ? exit : `exit ${exit}`;
      return { tone, text, title: r.error ?? r.command, reached: !r.error, ms: null };
    }
    default: {
      // a kind newer than this dashboard: ok unless it says what went wrong
      const row = rowFor(r, 0);
      const said = (r as { error?: unknown }).error;
      const error = typeof said === 'string' ? said : '';
      return { tone: row.status, text: error ? 'error' : 'ok', title: error || row.cells.map((c) => c.text).join(' '), reached: !error, ms: null };
    }
  }
}

/** A target and how each site (in the order of `VantageGrid.sites`) saw it; null: no result from that site yet. */
export interface VantageRow {
  target: string;
  cells: (VantageCell | null)[];
  /** The sites do not agree: one reached it and another did not. */
  differs: boolean;
}

/** A site's column: its run and its totals. */
export interface VantageSite {
  site: string;
  run: number;
  status: RunDetail['status'];
  done: number;
  total: number;
  reached: number;
  /** The median of the cells' `ms` (ping RTT, DNS and SNMP answer times); null when none. */
  medianMs: number | null;
}

export interface VantageGrid {
  sites: VantageSite[];
  rows: VantageRow[];
}

/** The key a result is matched across sites by: its target (and its question, for DNS). */
const keyOf = (r: ProbeResult): string => (r.kind === 'dns' ? `${r.name} ${r.type}` : r.target);

function median(values: number[]): number | null {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * The side-by-side grid of a batch's runs: a column per run (sites in the order given), a row
 * per target in the order the first site to see it gave (each site's own order otherwise).
 */
export function vantageGrid(runs: readonly RunDetail[]): VantageGrid {
  const order: string[] = [];
  const byKey = new Map<string, (VantageCell | null)[]>();
  runs.forEach((run, col) => {
    for (const r of run.results) {
      const key = keyOf(r);
      let cells = byKey.get(key);
      if (!cells) {
        cells = runs.map(() => null);
        byKey.set(key, cells);
        order.push(key);
      }
      cells[col] = vantageCell(r);
    }
  });
  const rows = order.map((target) => {
    const cells = byKey.get(target) as (VantageCell | null)[];
    const seen = cells.filter((c): c is VantageCell => c !== null);
    return { target, cells, differs: seen.some((c) => c.reached) && seen.some((c) => !c.reached) };
  });
  const sites = runs.map((run, col) => {
    const cells = rows.map((r) => r.cells[col]).filter((c): c is VantageCell => c !== null);
    return {
      site: siteOf(run),
      run: run.id,
      status: run.status,
      done: run.done,
      total: run.total,
      reached: cells.filter((c) => c.reached).length,
      medianMs: median(cells.flatMap((c) => (c.ms != null && Number.isFinite(c.ms) ? [c.ms] : []))),
    };
  });
  return { sites, rows };
}

/** The rows to show: all, or only those the sites disagree on; a text filter on the target. */
export function filterRows(rows: readonly VantageRow[], onlyDiffering: boolean, text: string): VantageRow[] {
  const needle = text.trim().toLowerCase();
  return rows.filter((r) => (!onlyDiffering || r.differs) && (!needle || r.target.toLowerCase().includes(needle)));
}
