// The API's shapes (see the server's contract): runs, results, live messages, comparisons,
// topology maps, credential profiles, SSH recordings and known host keys.

export type Kind = 'ping' | 'trace' | 'dns' | 'scan' | 'snmp' | 'ssh';
export const KINDS: readonly Kind[] = ['ping', 'trace', 'dns', 'scan', 'snmp', 'ssh'];

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

/** An SNMP topology crawl: more results than targets (one per device), and a map. */
export function isTopologyRun(run: Pick<RunInfo, 'kind' | 'options'>): boolean {
  return run.kind === 'snmp' && run.options?.op === 'topology';
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

export type SnmpOp = 'get' | 'walk' | 'neighbors' | 'arp' | 'interfaces' | 'topology';
export const SNMP_OPS: readonly SnmpOp[] = ['get', 'walk', 'neighbors', 'arp', 'interfaces', 'topology'];

export interface Varbind {
  oid: string;
  /** "SNMPv2-MIB::sysName.0", or null when the OID has no known name. */
  name: string | null;
  /** "STRING", "INTEGER", "Timeticks", ... or noSuchObject / noSuchInstance / endOfMibView. */
  type: string;
  value: string;
}

export interface Neighbor {
  protocol: string;
  local_port: string | null;
  remote_name: string | null;
  remote_port: string | null;
  remote_port_desc: string | null;
  chassis_id: string | null;
  mgmt_addr: string | null;
  platform: string | null;
  capabilities: string | null;
}

export interface ArpEntry {
  ip: string;
  mac: string | null;
  vendor: string | null;
  interface: string | null;
  type: string | null;
}

export interface SnmpInterface {
  index: number;
  name: string | null;
  descr: string | null;
  alias: string | null;
  admin: string | null;
  oper: string | null;
  speed_mbps: number | null;
  mtu: number | null;
  mac: string | null;
  in_octets: number | null;
  out_octets: number | null;
  in_errors: number | null;
  out_errors: number | null;
  in_discards: number | null;
  out_discards: number | null;
  /** Bit rates: only when the run polled twice (`rate`). */
  in_bps?: number | null;
  out_bps?: number | null;
}

/** What a topology crawl learnt about the device it polled. */
export interface SnmpDevice {
  name: string | null;
  descr: string | null;
  object_id: string | null;
  chassis_id: string | null;
  lldp_name: string | null;
  /** The profile that answered ("options": the run's own credentials). */
  credential: string | null;
  depth: number | null;
}

/** One agent (one device of a topology crawl); the optional parts are absent when empty. */
export interface SnmpResult {
  kind: 'snmp';
  target: string;
  addr: string | null;
  varbinds: Varbind[];
  neighbors?: Neighbor[];
  arp?: ArpEntry[];
  interfaces?: SnmpInterface[];
  device?: SnmpDevice;
  elapsed_ms: number;
  error: string | null;
}

/** Why an SSH command did not run or finish. */
export type SshErrorKind =
  | 'connect'
  | 'timeout'
  | 'host_key_unknown'
  | 'host_key_changed'
  | 'host_key_revoked'
  | 'host_key'
  | 'auth'
  | 'key'
  | 'protocol';

/** A host key as a connection saw it; `added`: this connection recorded it (first contact accepted). */
export interface HostKeyInfo {
  algorithm: string;
  fingerprint: string;
  added: boolean;
}

/** One device of an ssh run: its command's exit and output, or why it never ran. */
export interface SshResult {
  kind: 'ssh';
  target: string;
  /** null through a jump host (the jump host resolves the target). */
  addr: string | null;
  port: number;
  user: string;
  command: string;
  /** null when the command never ran (or reported no status). */
  exit_status: number | null;
  exit_signal?: string | null;
  stdout: string;
  stderr: string;
  /** Output past the run's max_output was dropped. */
  truncated: boolean;
  elapsed_ms: number;
  /** The login method that worked. */
  auth: 'publickey' | 'password' | 'keyboard-interactive' | null;
  host_key: HostKeyInfo | null;
  error: string | null;
  error_kind: SshErrorKind | null;
}

export type ProbeResult = PingResult | TraceResult | DnsResult | ScanResult | SnmpResult | SshResult;

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

export interface TopologyNode {
  id: string;
  label: string;
  addr: string | null;
  /** false: seen as a neighbour but not read (depth limit, no address, no answer). */
  polled: boolean;
  descr: string | null;
  object_id: string | null;
  chassis_id: string | null;
  platform: string | null;
  capabilities: string | null;
  credential: string | null;
  depth: number | null;
  error: string | null;
}

export interface TopologyLink {
  source: string;
  source_port: string;
  target: string;
  target_port: string | null;
  protocol: string;
  /** Both devices reported the link (else only the source did). */
  both_ends: boolean;
}

export interface Topology {
  nodes: TopologyNode[];
  links: TopologyLink[];
  components: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface MapLayout {
  positions: Record<string, Point>;
}

export type SnmpVersion = '1' | '2c' | '3';
export type Secret = 'set' | 'not set';

/** A credential profile as listed: settings and which secrets are set, never the secrets. */
export interface Profile {
  name: string;
  snmp: {
    version: SnmpVersion;
    user: string | null;
    level: string | null;
    auth_protocol: string | null;
    priv_protocol: string | null;
  };
  community: Secret;
  auth_password: Secret;
  priv_password: Secret;
  /** The profile's SSH login, when it has one. */
  ssh?: { user: string; password: Secret; private_key: Secret; key_passphrase: Secret } | null;
}

export interface ProfileList {
  /** Where the secrets are kept, in words ("the encrypted file …"). */
  store: string;
  profiles: Profile[];
}

/** PUT /api/creds/NAME: settings, and the secrets to set or replace (left out: kept). */
export interface ProfileBody {
  version: SnmpVersion;
  user?: string;
  level?: string;
  auth_protocol?: string;
  priv_protocol?: string;
  community?: string;
  auth_password?: string;
  priv_password?: string;
  ssh_user?: string;
  ssh_password?: string;
  ssh_private_key?: string;
  ssh_key_passphrase?: string;
}

/** A stored terminal session (GET /api/ssh/recordings). */
export interface Recording {
  id: number;
  target: string;
  port: number;
  user: string;
  netns: string | null;
  /** Milliseconds since the epoch (an RFC 3339 text is read too: see epochMs). */
  started_at: number | string;
  /** null while the session is open (or when the server died during it). */
  ended_at: number | string | null;
  duration_ms: number | null;
  bytes: number;
  cols: number;
  rows: number;
  truncated: boolean;
  /** exit, remote, client, idle or server. */
  end_reason: string | null;
}

export interface RecordingList {
  recordings: Recording[];
  total: number;
}

/** One line of the server's known_hosts file. */
export interface KnownHostEntry {
  /** The line's host patterns as written: "198.18.0.122", "[h]:2222,h2", or a hashed "|1|…". */
  hosts: string;
  algorithm: string;
  fingerprint: string;
  /** "revoked" or "cert-authority" for a marked line. */
  marker?: string | null;
  line: number;
}

export interface KnownHosts {
  file: string;
  entries: KnownHostEntry[];
}

export type ServerMessage =
  | { type: 'result'; run: number; seq: number; result: ProbeResult }
  | { type: 'progress'; run: number; done: number; total: number }
  | { type: 'status'; run: number; status: RunStatus; summary?: Summary | null; error?: string | null }
  | { type: 'error'; run?: number; error: string };
