// The REST client: one fetch wrapper that adds the token and turns error bodies into ApiError.

import { token, withToken } from './auth';
import { options, type OptionSpec } from './options.gen';
import {
  runOptions,
  type AgentList,
  type HostView,
  type AgentMade,
  type AlertEvent,
  type AlertList,
  type AlertQuery,
  type Cancelling,
  type ChannelList,
  type ChannelSpec,
  type ChannelView,
  type CaptureFile,
  type CaptureFiles,
  type Located,
  type CaptureList,
  type TrafficHistory,
  type CaptureState,
  type Comparison,
  type CreateRun,
  type Created,
  type ErrorBody,
  type HistoryKind,
  type Interfaces,
  type KnownHosts,
  type MapLayout,
  type Me,
  type Role,
  type User,
  type ApiToken,
  type TokenMade,
  type AuditEntry,
  type PacketDetail,
  type PacketList,
  type PacketRow,
  type ProbeKind,
  type ProfileInfo,
  type ProfileList,
  type PutProfile,
  type ReceiverSettings,
  type ReceiverStatus,
  type LiveTerminal,
  type SsoInfo,
  type Recording,
  type RecordingPage,
  type ConfigDevices,
  type ConfigVersions,
  type ConfigText,
  type NewSuite,
  type Removed,
  type RunDetail,
  type RunInfo,
  type RunPage,
  type RunStatus,
  type ScheduleSpec,
  type SchedulePreview,
  type SeriesInfo,
  type SeriesList,
  type StartCapture,
  type Started,
  type Stopping,
  type Suite,
  type SuiteCreated,
  type SuiteDetail,
  type SuiteFired,
  type SuiteList,
  type SuiteView,
  type TargetHistory,
  type TestSent,
  type Topology,
  type Trap,
  type TrapList,
  type TrapQuery,
  type TrapRule,
  type TrapRules,
  type Trend,
  type TrendRange,
  type Unread,
  type Uploaded,
} from './types';

/** An HTTP error with the server's message and, for 400, the field it names ("options.timeout"). */
export class ApiError extends Error {
  readonly status: number;
  readonly field: string | null;
  constructor(status: number, message: string, field: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export const AUTH_MESSAGE =
  'Sign in, or open the dashboard with the URL that `wirescope serve` printed (…/?token=…).';

/** An error body as the document has it: `{"error", "field"?}`. */
function isErrorBody(v: unknown): v is ErrorBody {
  return !!v && typeof v === 'object' && typeof (v as { error?: unknown }).error === 'string';
}

/** Builds the ApiError for a failed response from its status and (possibly non-JSON) body. */
export function errorFromResponse(status: number, body: string, statusText = ''): ApiError {
  if (status === 401) return new ApiError(401, AUTH_MESSAGE);
  let message = '';
  let field: string | null = null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isErrorBody(parsed)) {
      message = parsed.error;
      field = parsed.field || null;
    }
  } catch {
    message = body.trim().slice(0, 300);
  }
  if (!message) message = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return new ApiError(status, message, field);
}

/** Resolves an API path against the page, so the dashboard works at the root or under a prefix. */
export function apiUrl(path: string): string {
  const rel = path.replace(/^\/+/, '');
  if (typeof document === 'undefined') return `/${rel}`;
  return new URL(rel, document.baseURI).toString();
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
/** Called whenever any request answers 401 (the app shows the token banner). */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** Sends a request with the token; a failed response becomes an ApiError (listeners hear a 401). */
async function send(method: string, path: string, accept: string, body?: unknown, raw?: Blob | ArrayBuffer): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (raw !== undefined) headers['Content-Type'] = 'application/octet-stream';
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers,
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    const err = errorFromResponse(res.status, text, res.statusText);
    if (err.unauthorized) unauthorizedListeners.forEach((fn) => fn());
    throw err;
  }
  return res;
}

async function request<T>(method: string, path: string, body?: unknown, raw?: Blob | ArrayBuffer): Promise<T> {
  const res = await send(method, path, 'application/json', body, raw);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Who the dashboard is signed in as (401 when nobody: the sign-in page shows). */
export function whoAmI(): Promise<Me> {
  return request('GET', 'api/me');
}

/** Whether the server offers single sign-on, and the button's words (anyone may ask). */
export function ssoInfo(): Promise<SsoInfo> {
  return request('GET', 'api/oidc');
}

/** POSTs a sign-in body; on failure the server's own words (wrong name or password, too many tries). */
async function signInTo(path: string, body: unknown): Promise<Me> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    let message = res.statusText || `HTTP ${res.status}`;
    let field: string | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isErrorBody(parsed)) {
        message = parsed.error;
        field = parsed.field || null;
      }
    } catch {
      // not JSON: the status line says it
    }
    throw new ApiError(res.status, message, field);
  }
  return JSON.parse(text) as Me;
}

/** Signs in: the server sets the session cookie. */
export function signIn(name: string, password: string): Promise<Me> {
  return signInTo('api/login', { name, password });
}

/** Creates the first admin with the code `serve` printed, and signs them in. */
export function setupAdmin(code: string, name: string, password: string): Promise<Me> {
  return signInTo('api/setup', { code, name, password });
}

/** The users (admin). */
export function listUsers(): Promise<User[]> {
  return request('GET', 'api/users');
}

export function addUser(name: string, role: Role, password: string): Promise<User> {
  return request('POST', 'api/users', { name, role, password });
}

/** Changes a user's role and/or password (a new password ends their sessions). */
export function changeUser(name: string, change: { role?: Role; password?: string }): Promise<User> {
  return request('PUT', `api/users/${encodeURIComponent(name)}`, change);
}

export async function deleteUser(name: string): Promise<void> {
  await request('DELETE', `api/users/${encodeURIComponent(name)}`);
}

export function endUserSessions(name: string): Promise<{ ended: number }> {
  return request('DELETE', `api/users/${encodeURIComponent(name)}/sessions`);
}

/** The caller's API tokens (never their secrets). */
export function listTokens(): Promise<ApiToken[]> {
  return request('GET', 'api/tokens');
}

/** Makes an API token; its secret is in this answer only. */
export function addToken(name: string, role: Role, expiresIn: string): Promise<TokenMade> {
  return request('POST', 'api/tokens', { name, role, expires_in: expiresIn });
}

export async function revokeToken(id: number): Promise<void> {
  await request('DELETE', `api/tokens/${id}`);
}

/** The remote agents (online or not) and the sites a run can be made from. */
/**
 * The server's machine (or with `agent`, a remote agent's) and its samples taken after `since`
 * (ms), all kept without it.
 */
export function getHost(since?: number, agent?: string | null): Promise<HostView> {
  const q = new URLSearchParams();
  if (since !== undefined) q.set('since', String(since));
  if (agent) q.set('agent', agent);
  const query = q.toString();
  return request('GET', query ? `api/host?${query}` : 'api/host');
}

export function listAgents(): Promise<AgentList> {
  return request('GET', 'api/agents');
}

/** Adds an agent of a site; its token is in this answer only. */
export function addAgent(name: string, site: string): Promise<AgentMade> {
  return request('POST', 'api/agents', { name, site });
}

/** Revokes an agent's token: it is refused from then on, its connection cut. */
export async function revokeAgent(name: string): Promise<void> {
  await request('DELETE', `api/agents/${encodeURIComponent(name)}`);
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  limit?: number;
}

function auditPath(q: AuditQuery, format?: 'csv'): string {
  const p = new URLSearchParams();
  if (q.actor) p.set('actor', q.actor);
  if (q.action) p.set('action', q.action);
  p.set('limit', String(q.limit ?? 500));
  if (format) p.set('format', format);
  return `api/audit?${p.toString()}`;
}

/** The audit trail, newest first (admin). */
export function listAudit(q: AuditQuery): Promise<AuditEntry[]> {
  return request('GET', auditPath(q));
}

/** The download link of the audit rows `q` selects, as CSV. */
export function auditCsvUrl(q: AuditQuery): string {
  return withToken(apiUrl(auditPath(q, 'csv')));
}

/** Signs out: the session ends and its cookie is cleared. */
export async function signOut(): Promise<void> {
  await request('POST', 'api/logout');
}

export function createRun(run: CreateRun): Promise<Created> {
  return request('POST', 'api/runs', run);
}

export interface ListQuery {
  kind?: ProbeKind | '';
  status?: RunStatus | '';
  /** The runs of one batch (a run asked from several sites). */
  batch?: number;
  limit?: number;
  offset?: number;
}

export function runsQuery(q: ListQuery): string {
  const p = new URLSearchParams();
  p.set('limit', String(q.limit ?? 50));
  p.set('offset', String(q.offset ?? 0));
  if (q.kind) p.set('kind', q.kind);
  if (q.status) p.set('status', q.status);
  if (q.batch != null) p.set('batch', String(q.batch));
  return `api/runs?${p.toString()}`;
}

export function listRuns(q: ListQuery): Promise<RunPage> {
  return request('GET', runsQuery(q));
}

export function getRun(id: number): Promise<RunDetail> {
  return request('GET', `api/runs/${id}`);
}

/** Cancels a queued/running run ("cancelled"), or deletes a finished one ("deleted"). */
export async function deleteRun(id: number): Promise<'cancelled' | 'deleted'> {
  const r = await request<Cancelling | undefined>('DELETE', `api/runs/${id}`);
  return r?.status === 'cancelled' ? 'cancelled' : 'deleted';
}

/** Cancels a queued/running run; a run that has already ended answers 409 and is left alone. */
export async function cancelRun(id: number): Promise<void> {
  await request('POST', `api/runs/${id}/cancel`);
}

export function compareRuns(a: number, b: number): Promise<Comparison> {
  return request('GET', `api/runs/${a}/compare/${b}`);
}

/** The download link of a run's results (the token goes in the query: a link cannot send headers). */
export function exportUrl(id: number, format: 'csv' | 'json', anonymize = false): string {
  return withToken(apiUrl(`api/runs/${id}/export?format=${format}${anonymize ? '&anonymize=true' : ''}`));
}

/** The download link of a run's PDF report, or of the comparison of run `id` with run `with`. */
export function reportUrl(id: number, withRun?: number, anonymize = false): string {
  const path = withRun === undefined ? `api/runs/${id}/report` : `api/runs/${id}/compare/${withRun}/report`;
  return withToken(apiUrl(`${path}${anonymize ? '?anonymize=true' : ''}`));
}

/** The download link of a run's evidence bundle (zip: the PDF, results, capture slices, manifest). */
export function bundleUrl(id: number): string {
  return withToken(apiUrl(`api/runs/${id}/bundle`));
}

/** The map of an SNMP run (409 for other kinds). */
export function getTopology(id: number): Promise<Topology> {
  return request('GET', `api/runs/${id}/topology`);
}

/** The download link of a run's map, as Graphviz DOT or JSON. */
export function topologyUrl(id: number, format: 'dot' | 'json'): string {
  return withToken(apiUrl(`api/runs/${id}/topology?format=${format}`));
}

/** The saved map positions (one layout for every map, by device id). */
export function getLayout(): Promise<MapLayout> {
  return request('GET', 'api/topology/layout');
}

/** Saves map positions; replaces the whole saved layout. */
export async function putLayout(layout: MapLayout): Promise<void> {
  await request('PUT', 'api/topology/layout', layout);
}

/** Credential profiles and where their secrets are kept; 503 when there is no secret store. */
export function listProfiles(): Promise<ProfileList> {
  return request('GET', 'api/creds');
}

/** Adds or replaces a profile; secrets left out keep their stored values. */
export function putProfile(name: string, body: PutProfile): Promise<ProfileInfo> {
  return request('PUT', `api/creds/${encodeURIComponent(name)}`, body);
}

export async function deleteProfile(name: string): Promise<void> {
  await request('DELETE', `api/creds/${encodeURIComponent(name)}`);
}

/** The same run again: kind, targets, options and network options. */
/** The same run again, from the same site (a run of a batch again from its own site only). */
export function rerunRequest(run: RunInfo): CreateRun {
  const again: CreateRun = { kind: run.kind, targets_text: run.targets_text, options: runOptions(run), net: run.net };
  if (run.site) again.sites = [run.site];
  return again;
}

/**
 * A run of a kind with secrets (an SNMP community, an SSH password) that used its own credentials
 * cannot simply run again: the server never keeps them. Such a re-run goes through the form,
 * filled from the run, for the secrets to be typed. A run that named stored profiles (its
 * `profile` or `profiles` option) gets them from the store again.
 */
export function rerunNeedsSecrets(run: RunInfo): boolean {
  if (!(options[run.kind] as readonly OptionSpec[]).some((o) => o.type === 'secret')) return false;
  const given: Record<string, unknown> = runOptions(run);
  const profile = given.profile ?? given.profiles;
  return Array.isArray(profile) ? !profile.length : !profile;
}

/** Options as form parameters (`prefix` + name): lists joined with commas, empty values left out. */
export function optionParams(o: object, prefix = ''): Record<string, string> {
  const p: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v)) {
      if (v.length) p[`${prefix}${k}`] = v.join(',');
    } else if (v !== null && v !== undefined && v !== '' && typeof v !== 'object') p[`${prefix}${k}`] = String(v);
  }
  return p;
}

/** A run as New-run form parameters: targets, options by name, network options as `net.NAME`. */
export function formParams(run: RunInfo): Record<string, string> {
  return { targets: run.targets_text, ...optionParams(runOptions(run)), ...optionParams(run.net, 'net.') };
}

// ---- traffic analyzer ----

/** The interfaces a live capture can open ("any" last). */
export async function listInterfaces(): Promise<string[]> {
  const r = await request<Interfaces>('GET', 'api/interfaces');
  return r.interfaces;
}

/** Starts a live capture; 400 names interfaces, bpf, netns or ring_size. */
export function createCapture(c: StartCapture): Promise<Started> {
  return request('POST', 'api/captures', c);
}

/** Captures as the history holds them, newest first (`before`: the next page). */
export function listCaptures(before?: number, limit?: number): Promise<CaptureList> {
  const p = new URLSearchParams();
  if (before !== undefined) p.set('before', String(before));
  if (limit !== undefined) p.set('limit', String(limit));
  const q = p.toString();
  return request('GET', `api/captures${q ? `?${q}` : ''}`);
}

export interface HistoryQuery {
  from?: number;
  to?: number;
  step?: number;
}

/** A stored capture's traffic over a range (ms); 400 names from, to or step. */
export function captureHistory(id: number, q: HistoryQuery = {}): Promise<TrafficHistory> {
  const p = new URLSearchParams();
  for (const k of ['from', 'to', 'step'] as const) if (q[k] !== undefined) p.set(k, String(q[k]));
  const qs = p.toString();
  return request('GET', `api/captures/${id}/history${qs ? `?${qs}` : ''}`);
}

/** A stored capture's files, removed ones too. */
export async function captureFiles(id: number): Promise<CaptureFile[]> {
  const r = await request<CaptureFiles>('GET', `api/captures/${id}/files`);
  return r.files;
}

/** Where a host is (an IP address, a MAC address or a name), from what an SNMP run read; 400 names `q`. */
export function locateIn(runId: number, q: string): Promise<Located> {
  return request('GET', `api/runs/${runId}/locate?q=${encodeURIComponent(q)}`);
}

/** The download link of one of a stored capture's pcapng files. */
export function captureFileUrl(id: number, seq: number): string {
  return withToken(apiUrl(`api/captures/${id}/files/${seq}`));
}

export function getCapture(id: number): Promise<CaptureState> {
  return request('GET', `api/captures/${id}`);
}

export async function stopCapture(id: number): Promise<Stopping> {
  return request('POST', `api/captures/${id}/stop`);
}

export async function deleteCapture(id: number): Promise<void> {
  await request('DELETE', `api/captures/${id}`);
}

export interface PacketQuery {
  /** Frames numbered ≥ from (oldest first); without it, the newest `limit`. */
  from?: number;
  limit?: number;
  filter?: string;
}

export function packetsQuery(id: number, q: PacketQuery): string {
  const p = new URLSearchParams();
  if (q.from !== undefined) p.set('from', String(q.from));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.filter && q.filter.trim()) p.set('filter', q.filter.trim());
  const qs = p.toString();
  return `api/captures/${id}/packets${qs ? `?${qs}` : ''}`;
}

/** Packet-list rows; a bad display filter is a 400 with field "filter" ("column N: …"). */
export async function listPackets(id: number, q: PacketQuery): Promise<PacketRow[]> {
  const r = await request<PacketList>('GET', packetsQuery(id, q));
  return r.packets;
}

/** One frame dissected (404 once it has left the ring). */
export function getPacket(id: number, no: number): Promise<PacketDetail> {
  return request('GET', `api/captures/${id}/packets/${no}`);
}

/** The download link of a capture's frames as pcapng, only those the display filter matches. */
/** The download link of an alert event's PDF report (evidence, deliveries, timeline, the run). */
export function alertReportUrl(id: number): string {
  return withToken(apiUrl(`api/alerts/${id}/report`));
}

/** The download link of the evidence bundle collected when an alert fired (when `diagnostics.status` is ready). */
export function diagnosticsUrl(id: number): string {
  return withToken(apiUrl(`api/alerts/${id}/diagnostics`));
}

/** The download link of a capture session's PDF report (figures, bandwidth, protocol mix, talkers). */
export function captureReportUrl(id: number): string {
  return withToken(apiUrl(`api/captures/${id}/report`));
}

/** A capture's frames as pcapng: those `filter` matches; anonymised (the server's Crypto-PAn key) when asked. */
export function pcapngUrl(id: number, filter = '', anonymize = false): string {
  const p = new URLSearchParams();
  if (filter.trim()) p.set('filter', filter.trim());
  if (anonymize) p.set('anonymize', 'true');
  const q = p.toString();
  return withToken(apiUrl(`api/captures/${id}/pcapng${q ? `?${q}` : ''}`));
}

/** Uploads a pcap or pcapng file as a file session. */
export function uploadCapture(name: string, data: Blob | ArrayBuffer): Promise<Uploaded> {
  return request('POST', `api/captures/upload?name=${encodeURIComponent(name)}`, undefined, data);
}

// ---- SSH: terminal recordings and known host keys ----

export interface RecordingQuery {
  limit?: number;
  offset?: number;
}

export function recordingsQuery(q: RecordingQuery): string {
  const p = new URLSearchParams();
  p.set('limit', String(q.limit ?? 50));
  p.set('offset', String(q.offset ?? 0));
  return `api/ssh/recordings?${p.toString()}`;
}

export function listRecordings(q: RecordingQuery = {}): Promise<RecordingPage> {
  return request('GET', recordingsQuery(q));
}

/** The open terminals: who opened which, whether shared, who watches. */
export function listLiveTerminals(): Promise<LiveTerminal[]> {
  return request('GET', 'api/ssh/terminals');
}

export function getRecording(id: number): Promise<Recording> {
  return request('GET', `api/ssh/recordings/${id}`);
}

/** A recording's asciicast v2 text. */
export async function getCast(id: number): Promise<string> {
  const res = await send('GET', `api/ssh/recordings/${id}/cast`, 'application/x-asciicast, text/plain, */*');
  return res.text();
}

/** The download link of a recording as a .cast file. */
export function castUrl(id: number): string {
  return withToken(apiUrl(`api/ssh/recordings/${id}/cast?download=1`));
}

export async function deleteRecording(id: number): Promise<void> {
  await request('DELETE', `api/ssh/recordings/${id}`);
}

// ---- SSH: configuration versions kept by backups ----

/** Every device whose configuration backups keep: its newest version, how many. */
export function listConfigDevices(): Promise<ConfigDevices> {
  return request('GET', 'api/ssh/configs');
}

/** One device's kept versions, newest first. */
export function listConfigVersions(target: string): Promise<ConfigVersions> {
  return request('GET', `api/ssh/configs/versions?target=${encodeURIComponent(target)}`);
}

/** One version's configuration and its diff against the version before. */
export function getConfigVersion(id: number): Promise<ConfigText> {
  return request('GET', `api/ssh/configs/versions/${id}`);
}

/** The server's known_hosts file and its entries. */
export function listKnownHosts(): Promise<KnownHosts> {
  return request('GET', 'api/ssh/known-hosts');
}

/** Removes every key recorded for host:port; answers how many lines went (0: none was on record, a 404). */
export async function removeKnownHost(host: string, port = 22): Promise<number> {
  try {
    const r = await request<Removed>('DELETE', `api/ssh/known-hosts/${encodeURIComponent(host)}?port=${port}`);
    return r.removed;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return 0;
    throw e;
  }
}

// ---- suites: sets of runs fired on demand or on a cron schedule ----

/** The suites, by name. */
export async function listSuites(): Promise<SuiteView[]> {
  const r = await request<SuiteList>('GET', 'api/suites');
  return r.suites;
}

/** A suite with its last fires, newest first. */
export function getSuite(id: number): Promise<SuiteDetail> {
  return request('GET', `api/suites/${id}`);
}

/** Adds a suite; 400 names the field at fault (`runs[1].options.count`), 409 a name taken. */
export function createSuite(suite: NewSuite): Promise<SuiteCreated> {
  return request('POST', 'api/suites', suite);
}

/** Replaces a suite's runs and schedule (its name, state and fires are kept). */
export function replaceSuite(id: number, suite: Suite): Promise<SuiteView> {
  return request('PUT', `api/suites/${id}`, suite);
}

/** Deletes a suite and its fires; its runs stay in the history. */
export async function deleteSuite(id: number): Promise<void> {
  await request('DELETE', `api/suites/${id}`);
}

/** Runs a suite now, whatever its schedule; 409 when none of its runs could start. */
export function runSuite(id: number): Promise<SuiteFired> {
  return request('POST', `api/suites/${id}/run`);
}

/** Lets its schedule fire the suite, or stops it doing so (it still runs on demand). */
export function setSuiteEnabled(id: number, enabled: boolean): Promise<SuiteView> {
  return request('POST', `api/suites/${id}/${enabled ? 'enable' : 'disable'}`);
}

/** A schedule in words with its next due times, before it is saved; 400 names schedule.cron or schedule.timezone. */
export function previewSchedule(spec: ScheduleSpec): Promise<SchedulePreview> {
  return request('POST', 'api/suites/schedule', spec);
}

/** A suite's series (one per kind and target of its scheduled ping, trace and DNS runs), by kind and target. */
export async function listSeries(id: number): Promise<SeriesInfo[]> {
  const r = await request<SeriesList>('GET', `api/suites/${id}/series`);
  return r.series;
}

/** The download link of a series' trend over a range as a PDF. */
export function trendReportUrl(id: number, series: number, range: TrendRange): string {
  const p = new URLSearchParams({ series: String(series), range });
  return withToken(apiUrl(`api/suites/${id}/trend/report?${p.toString()}`));
}

/** One series of a suite over a range; 404 when the series is not the suite's. */
export function getTrend(id: number, series: number, range: TrendRange): Promise<Trend> {
  const p = new URLSearchParams({ series: String(series), range });
  return request('GET', `api/suites/${id}/trend?${p.toString()}`);
}

/** The path of a target's history in a suite. */
export function historyQuery(id: number, kind: HistoryKind, target: string): string {
  const p = new URLSearchParams({ kind, target });
  return `api/suites/${id}/history?${p.toString()}`;
}

/**
 * What a target of a suite showed over its runs of a kind (each distinct path, set of open ports
 * or DNS answer, newest first); 400 names kind or target, 404 a suite that does not exist.
 */
export function getHistory(id: number, kind: HistoryKind, target: string): Promise<TargetHistory> {
  return request('GET', historyQuery(id, kind, target));
}

// ---- alerts: events of suites' rules, and the channels that tell people ----

/** The path of an alert listing: newest first, a suite's or a target's, older than `before`. */
export function alertsQuery(q: AlertQuery = {}): string {
  const p = new URLSearchParams();
  if (q.suite !== undefined) p.set('suite', String(q.suite));
  if (q.target !== undefined && q.target.trim()) p.set('target', q.target.trim());
  if (q.before !== undefined) p.set('before', String(q.before));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  const qs = p.toString();
  return `api/alerts${qs ? `?${qs}` : ''}`;
}

/** Alert events, newest first, with the unread count (limit 1 to 500, 100 by default). */
export function listAlerts(q: AlertQuery = {}): Promise<AlertList> {
  return request('GET', alertsQuery(q));
}

/** One event with its evidence and deliveries (404 when there is none). */
export function getAlert(id: number): Promise<AlertEvent> {
  return request('GET', `api/alerts/${id}`);
}

/** Marks every event up to this id read; answers the unread count after it. */
export function markAlertsRead(upTo: number): Promise<Unread> {
  return request('POST', 'api/alerts/read', { up_to: upTo });
}

/** The notification channels, by name (never their secrets). */
export async function listChannels(): Promise<ChannelView[]> {
  const r = await request<ChannelList>('GET', 'api/channels');
  return r.channels;
}

/**
 * Adds or replaces a channel; 400 names the field (url, server, from, to[N]). On a replace,
 * secrets left out (url, secret, password) keep their stored values; a webhook's `secret: ""`
 * removes its signing secret.
 */
export function putChannel(name: string, spec: ChannelSpec): Promise<ChannelView> {
  return request('PUT', `api/channels/${encodeURIComponent(name)}`, spec);
}

export async function deleteChannel(name: string): Promise<void> {
  await request('DELETE', `api/channels/${encodeURIComponent(name)}`);
}

/** Sends a test notice now: how long the destination took, or (502) an ApiError saying why it failed. */
export function testChannel(name: string): Promise<TestSent> {
  return request('POST', `api/channels/${encodeURIComponent(name)}/test`);
}

// ---- SNMP traps: what the receiver took in, the receiver itself, and the trap rules ----

/** The path of a trap listing: newest first, filtered, older than `before`; empty fields left out. */
export function trapsQuery(q: TrapQuery = {}): string {
  const p = new URLSearchParams();
  for (const key of ['source', 'oid', 'device', 'since', 'until'] as const) {
    const v = q[key]?.trim();
    if (v) p.set(key, v);
  }
  if (q.before !== undefined) p.set('before', String(q.before));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  const qs = p.toString();
  return `api/traps${qs ? `?${qs}` : ''}`;
}

/** Traps, newest first (limit 1 to 1000, 200 by default); a bad time is a 400 naming since or until. */
export function listTraps(q: TrapQuery = {}): Promise<TrapList> {
  return request('GET', trapsQuery(q));
}

/** One trap (404 once the history has let it go). */
export function getTrap(id: number): Promise<Trap> {
  return request('GET', `api/traps/${id}`);
}

/** A run's traps: from its targets' addresses and devices, an hour either side of it (at most 500). */
export function getRunTraps(id: number): Promise<TrapList> {
  return request('GET', `api/runs/${id}/traps`);
}

/** The receiver's settings, state and counts, and what the history holds. */
export function getReceiver(): Promise<ReceiverStatus> {
  return request('GET', 'api/traps/receiver');
}

/**
 * Changes where and for whom the receiver listens (it restarts; `listen: null` stops it); 400 names
 * listen, netns or profiles, 409 when the server's --traps flags set it.
 */
export function putReceiver(settings: ReceiverSettings): Promise<ReceiverStatus> {
  return request('PUT', 'api/traps/receiver', settings);
}

/** The trap rules, in order. */
export async function getTrapRules(): Promise<TrapRule[]> {
  const r = await request<TrapRules>('GET', 'api/traps/rules');
  return r.rules;
}

/** Replaces the trap rules whole; 400 names the field (`rules[1].oid`, `rules[0].channels[2]`, `rules`). */
export async function putTrapRules(rules: TrapRule[]): Promise<TrapRule[]> {
  const r = await request<TrapRules>('PUT', 'api/traps/rules', { rules });
  return r.rules;
}
