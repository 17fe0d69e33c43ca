// The API's shapes (see the server's contract): runs, results, live messages, comparisons.

export type Kind = 'ping' | 'trace' | 'dns' | 'scan';
export const KINDS: readonly Kind[] = ['ping', 'trace', 'dns', 'scan'];

export type RunStatus = 'queued' | 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';
export const STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'finished',
  'cancelled',
  'interrupted',
  'failed',
];

/** True while a run can still produce results (and be cancelled). */
export function isActive(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}

export interface RttStats {
  min: number;
  avg: number;
  max: number;
  stddev: number;
}

export interface PingResult {
  kind: 'ping';
  target: string;
  addr: string | null;
  alive: boolean;
  sent: number;
  received: number;
  loss_pct: number;
  rtt_ms: RttStats | null;
  rtts_ms: (number | null)[];
  error: string | null;
}

export interface Hop {
  ttl: number;
  addr: string | null;
  name?: string | null;
  addrs: string[];
  rtt_ms: (number | null)[];
  loss_pct: number;
}

export interface TraceResult {
  kind: 'trace';
  target: string;
  addr: string | null;
  protocol: string;
  reached: boolean;
  hops: Hop[];
  error: string | null;
}

export interface DnsRecord {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

export interface DnsResult {
  kind: 'dns';
  target: string;
  addr: string | null;
  name: string;
  type: string;
  rcode: string | null;
  answers: string[];
  records: DnsRecord[];
  elapsed_ms: number;
  server: string | null;
  transport: string | null;
  error: string | null;
}

export interface ScanResult {
  kind: 'scan';
  target: string;
  addr: string | null;
  open: number[];
  closed: number;
  filtered: number;
  banners: Record<string, string>;
  services: Record<string, string>;
  elapsed_ms: number;
  method: string;
  error: string | null;
}

export type ProbeResult = PingResult | TraceResult | DnsResult | ScanResult;

/** The closing line of a run: fixed fields plus per-kind counts (alive/dead, reached/unreached, ...). */
export interface Summary {
  kind: 'summary';
  probe: Kind;
  targets: number;
  completed: number;
  elapsed_ms: number;
  cancelled: boolean;
  [count: string]: unknown;
}

export type Options = Record<string, unknown>;
export type NetOptions = Record<string, unknown>;

export interface RunInfo {
  id: number;
  kind: Kind;
  status: RunStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  targets_text: string;
  options: Options;
  net: NetOptions;
  total: number;
  done: number;
  summary: Summary | null;
  error: string | null;
}

export interface RunDetail extends RunInfo {
  results: ProbeResult[];
}

export interface RunList {
  runs: RunInfo[];
  total: number;
}

export interface NewRun {
  kind: Kind;
  targets_text?: string;
  targets?: string[];
  options: Options;
  net: NetOptions;
}

export type ChangeType =
  | 'became_dead'
  | 'became_alive'
  | 'rtt_changed'
  | 'ports_opened'
  | 'ports_closed'
  | 'answers_changed'
  | 'rcode_changed'
  | 'path_changed'
  | 'reached_changed'
  | 'added'
  | 'removed';

export interface Change {
  target: string;
  change: ChangeType | string;
  before: string | null;
  after: string | null;
  detail: string | null;
}

export interface Comparison {
  a: number;
  b: number;
  kind: Kind;
  changes: Change[];
  unchanged: number;
}

export type ServerMessage =
  | { type: 'result'; run: number; seq: number; result: ProbeResult }
  | { type: 'progress'; run: number; done: number; total: number }
  | { type: 'status'; run: number; status: RunStatus; summary?: Summary | null; error?: string | null }
  | { type: 'error'; run?: number; error: string };
