// The API's types, every one an alias of a schema of the server's OpenAPI document (api.gen.ts,
// generated from crates/wirescope-server/openapi.json by `npm run gen`), with the helpers built on
// them. An alias keeps the schema's name unless that name is too generic for the dashboard's code
// (Node, Link, Interface, Layer, Count, Layout, Position, Error).

import type { components, operations } from './api.gen';
import {
  deliveryStatusValues,
  eventKindValues,
  pathsApiSuitesIdTrendGetParametersQueryRangeValues,
  presetValues,
  probeKindValues,
  runStatusValues,
  smtpSecurityValues,
  webhookFormatValues,
} from './api.gen';

type Schemas = components['schemas'];

// ---- runs --------------------------------------------------------------------------------

export type ProbeKind = Schemas['ProbeKind'];
export const KINDS: readonly ProbeKind[] = probeKindValues;

export type RunStatus = Schemas['RunStatus'];
export const STATUSES: readonly RunStatus[] = runStatusValues;

export type RunInfo = Schemas['RunInfo'];
/** Who started a run: the API (the dashboard), the CLI, a suite, a trap rule's follow-up. */
export type RunSource = Schemas['Source'];
export type RunDetail = Schemas['RunDetail'];
export type RunPage = Schemas['RunPage'];
export type CreateRun = Schemas['CreateRun'];
export type Located = Schemas['Located'];
export type LocatedPlace = Schemas['Place'];
export type Created = Schemas['Created'];
/** One of the runs a request started: its site (`null`: this server). */
export type StartedRun = Schemas['StartedRun'];
/** A part of a run made by a site's agents: who has it, how far it is. */
export type RunPart = Schemas['RunPart'];
export type Cancelling = Schemas['Cancelling'];
/** The closing line of a run: fixed fields plus per-kind counts (alive/dead, reached/unreached, ...). */
export type Summary = Schemas['Summary'];

/** True while a run can still produce results (and be cancelled). */
export function isActive(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}

// ---- options -----------------------------------------------------------------------------

export type NetOptions = Schemas['NetOptions'];
export type SnmpVersion = Schemas['SnmpVersion'];
export type SecurityLevel = Schemas['SecurityLevel'];
export type AuthProtocol = Schemas['AuthProtocol'];
export type PrivProtocol = Schemas['PrivProtocol'];

/**
 * Each probe kind's options, its `<Kind>Options` schema: what a request sends, and (secrets left
 * out) what a run lists. A kind without such a schema fails here.
 */
export type OptionsOf = { [K in ProbeKind]: Schemas[`${Capitalize<K>}Options`] };
export type RunOptions = OptionsOf[ProbeKind];

/** A run's options (one of the kinds' options, as the document says). */
export function runOptions(run: Pick<RunInfo, 'options'>): RunOptions {
  return run.options;
}

/** The run's options when it is of this kind, else null. */
export function optionsOf<K extends ProbeKind>(run: Pick<RunInfo, 'kind' | 'options'>, kind: K): OptionsOf[K] | null {
  return run.kind === kind ? (run.options as OptionsOf[K]) : null;
}

/** An SNMP topology crawl: more results than targets (one per device), and a map. */
export function isTopologyRun(run: Pick<RunInfo, 'kind' | 'options'>): boolean {
  return optionsOf(run, 'snmp')?.op === 'topology';
}

// ---- results -----------------------------------------------------------------------------

export type ProbeResult = Schemas['ProbeResult'];
// each kind's result as ProbeResult carries it: the schema's, with its `kind`
export type PingResult = Extract<ProbeResult, { kind: 'ping' }>;
export type TraceResult = Extract<ProbeResult, { kind: 'trace' }>;
export type DnsResult = Extract<ProbeResult, { kind: 'dns' }>;
export type ScanResult = Extract<ProbeResult, { kind: 'scan' }>;
export type SnmpResult = Extract<ProbeResult, { kind: 'snmp' }>;
export type SshResult = Extract<ProbeResult, { kind: 'ssh' }>;
export type SnmpVarbind = Schemas['SnmpVarbind'];
export type SnmpInterface = Schemas['Interface'];

// ---- comparisons and maps ----------------------------------------------------------------

export type Comparison = Schemas['Comparison'];
export type Change = Schemas['Change'];
export type ChangeType = Schemas['ChangeType'];

export type Topology = Schemas['Topology'];
export type TopologyNode = Schemas['Node'];
export type TopologyLink = Schemas['Link'];
export type MapLayout = Schemas['Layout'];
export type Point = Schemas['Position'];

// ---- credential profiles, recordings, known hosts ----------------------------------------

export type ProfileInfo = Schemas['ProfileInfo'];
export type ProfileList = Schemas['ProfileList'];
export type PutProfile = Schemas['PutProfile'];
export type SecretState = Schemas['SecretState'];

export type Recording = Schemas['Recording'];
export type RecordingPage = Schemas['RecordingPage'];
export type ConfigDevices = Schemas['ConfigDevices'];
export type ConfigDevice = Schemas['ConfigDevice'];
export type ConfigVersions = Schemas['ConfigVersions'];
export type ConfigVersion = Schemas['ConfigVersion'];
export type ConfigText = Schemas['ConfigText'];
export type ConfigResult = Schemas['ConfigResult'];
export type KnownHosts = Schemas['KnownHosts'];
export type Removed = Schemas['Removed'];

// ---- captures ----------------------------------------------------------------------------

export type Interfaces = Schemas['Interfaces'];
export type CaptureInfo = Schemas['CaptureInfo'];
export type CaptureList = Schemas['CaptureList'];
export type CaptureState = Schemas['CaptureState'];
export type StartCapture = Schemas['StartCapture'];
export type Started = Schemas['Started'];
export type Uploaded = Schemas['Uploaded'];
export type Stopping = Schemas['Stopping'];
export type Report = Schemas['Report'];
export type StoredCapture = Schemas['StoredCapture'];
export type TrafficHistory = Schemas['TrafficHistory'];
export type HistoryBucket = Schemas['HistoryBucket'];
export type CaptureFile = Schemas['CaptureFile'];
export type CaptureFiles = Schemas['CaptureFiles'];
export type Counter = Schemas['Count'];
export type Bucket = Schemas['Bucket'];
export type PacketList = Schemas['PacketList'];
export type PacketRow = Schemas['PacketRow'];
export type PacketDetail = Schemas['PacketDetail'];
export type PacketLayer = Schemas['Layer'];

// ---- suites ------------------------------------------------------------------------------

export type Suite = Schemas['Suite'];
/** A suite as added: its name is required then (stored beside the suite, not in it). */
export type NewSuite = Suite & { name: string };
export type RunSpec = Schemas['RunSpec'];
export type ScheduleSpec = Schemas['ScheduleSpec'];
export type SchedulePreview = Schemas['SchedulePreview'];
export type SuiteView = Schemas['SuiteView'];
export type SuiteDetail = Schemas['SuiteDetail'];
export type SuiteList = Schemas['SuiteList'];
export type SuiteCreated = Schemas['SuiteCreated'];
export type SuiteFired = Schemas['SuiteFired'];
export type FireOutcome = Schemas['FireOutcome'];

// ---- trends: a suite's series (per kind and target) over time ----------------------------

export type SeriesInfo = Schemas['SeriesInfo'];
export type SeriesList = Schemas['SeriesList'];
/** The spans a trend is drawn over: 3 h (every sample), 1 d (5-minute buckets), 7 d and 30 d (hourly). */
export type TrendRange = NonNullable<operations['getSuitesIdTrend']['parameters']['query']['range']>;
export const TREND_RANGES: readonly TrendRange[] = pathsApiSuitesIdTrendGetParametersQueryRangeValues;

/** A time bucket of a series (or one sample, in the 3 h view). */
export type TrendBucket = Schemas['TrendBucket'];
/** A series over a range. */
export type Trend = Schemas['Trend'];

// ---- target histories: each distinct path, set of open ports or DNS answer a target showed --

/** What one target of a suite showed over its runs of one kind, newest first (at most 100). */
export type TargetHistory = Schemas['TargetHistory'];
/** One distinct value in a row: when first and last, over how many runs. */
export type HistoryEntry = Schemas['HistoryEntry'];
/** The kinds with a history (the endpoint answers 400 for the others). */
export type HistoryKind = Extract<ProbeKind, 'trace' | 'scan' | 'dns'>;
export const HISTORY_KINDS: readonly HistoryKind[] = ['trace', 'scan', 'dns'];
/** The kind when it has a history (a series' kind is a plain string), else null. */
export const historyKind = (kind: string): HistoryKind | null => HISTORY_KINDS.find((k) => k === kind) ?? null;

// ---- alerts: rules of a suite, their events, and the channels that tell people ----------

/** What a rule watches for (latency up, a port closed, the path changed, ...). */
export type Preset = Schemas['Preset'];
export const PRESETS: readonly Preset[] = presetValues;
export type AlertRule = Schemas['AlertRule'];
export type MaintenanceSpec = Schemas['MaintenanceSpec'];
/** A length of time as suites write it: "30m", "4h", "1h30m", "7d", or seconds. */
export type Period = Schemas['PeriodSchema'];

/** firing, renotify (still holding), resolved, changed (a change preset, told once). */
export type EventKind = Schemas['EventKind'];
export const EVENT_KINDS: readonly EventKind[] = eventKindValues;
export type AlertEvent = Schemas['AlertEvent'];
export type AlertList = Schemas['AlertList'];
/** Which events to list: a suite's, a target's, those before an id (the next page back). */
export type AlertQuery = NonNullable<operations['getAlerts']['parameters']['query']>;
export type Unread = Schemas['Unread'];
export type MarkRead = Schemas['MarkRead'];
export type Delivery = Schemas['Delivery'];
export type DeliveryStatus = Schemas['DeliveryStatus'];
export type Diagnostics = Schemas['Diagnostics'];
export type Me = Schemas['Me'];
export type Role = Schemas['Role'];
export type User = Schemas['User'];
export type ApiToken = Schemas['ApiToken'];
export type TokenMade = Schemas['TokenMade'];
export type AuditEntry = Schemas['AuditEntry'];
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = deliveryStatusValues;

/** A channel's settings as sent (secrets included); as listed, a ChannelView (secrets left out). */
export type ChannelSpec = Schemas['ChannelSpec'];
export type WebhookSpec = Extract<ChannelSpec, { type: 'webhook' }>;
export type EmailSpec = Extract<ChannelSpec, { type: 'email' }>;
export type ChannelType = ChannelSpec['type'];
export type ChannelView = Schemas['ChannelView'];
export type ChannelList = Schemas['ChannelList'];
export type TestSent = Schemas['TestSent'];
export type WebhookFormat = Schemas['WebhookFormat'];
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = webhookFormatValues;
export type SmtpSecurity = Schemas['SmtpSecurity'];
export const SMTP_SECURITIES: readonly SmtpSecurity[] = smtpSecurityValues;

// ---- SNMP traps: the receiver and the notifications it received --------------------------

/** One notification received, with the device its source matched and any follow-up runs. */
export type Trap = Schemas['Trap'];
export type TrapDevice = Schemas['TrapDevice'];
export type TrapPdu = Schemas['TrapPdu'];
/** Traps, newest first, and whether more match beyond the page. */
export type TrapList = Schemas['TrapList'];
/** Which traps to list: by source, OID or name, device, time, those before an id (the next page back). */
export type TrapQuery = NonNullable<operations['getTraps']['parameters']['query']>;
export type ReceiverSettings = Schemas['ReceiverSettings'];
export type ReceiverStatus = Schemas['ReceiverStatus'];
export type TrapCounts = Schemas['TrapCounts'];
export type RejectedSource = Schemas['RejectedSource'];
/** A received trap that a rule takes raises an alert and may start a follow-up check of the device. */
export type TrapRule = Schemas['TrapRule'];
export type TrapRules = Schemas['TrapRules'];

// ---- WebSockets --------------------------------------------------------------------------

export type ClientMessage = Schemas['ClientMessage'];
export type ServerMessage = Schemas['ServerMessage'];
/** A watched capture's state, once a second while it runs. */
export type CaptureMessage = Extract<ServerMessage, { type: 'capture' }>;
/** An alert event as it is raised, with the unread count after it. */
export type AlertMessage = Extract<ServerMessage, { type: 'alert' }>;
/** Received traps (oldest first), at most 4 a second to a socket that watches them. */
export type TrapsMessage = Extract<ServerMessage, { type: 'traps' }>;
/** The messages of a run (everything but a capture's, alerts and traps). */
export type RunMessage = Exclude<ServerMessage, { type: 'capture' } | { type: 'alert' } | { type: 'traps' }>;

export type OpenRequest = Schemas['OpenRequest'];
export type TerminalRequest = Schemas['TerminalRequest'];
export type TerminalEvent = Schemas['TerminalEvent'];
export type HostKeyEvent = Extract<TerminalEvent, { type: 'host_key' }>;
export type AuthPromptEvent = Extract<TerminalEvent, { type: 'auth_prompt' }>;
export type ReadyEvent = Extract<TerminalEvent, { type: 'ready' }>;
export type ClosedEvent = Extract<TerminalEvent, { type: 'closed' }>;
export type CloseReason = Schemas['CloseReason'];
export type TerminalErrorEvent = Extract<TerminalEvent, { type: 'error' }>;
/** Whether a terminal is shared and who watches it (to its owner and its watchers). */
export type AudienceEvent = Extract<TerminalEvent, { type: 'audience' }>;
export type Watcher = Schemas['Watcher'];
/** To a watcher: the terminal it watches (the screen so far follows). */
export type WatchingEvent = Extract<TerminalEvent, { type: 'watching' }>;
/** Whether single sign-on is offered (GET /api/oidc). */
export type SsoInfo = Schemas['SsoInfo'];
/** An open terminal, as GET /api/ssh/terminals lists it. */
export type LiveTerminal = Schemas['LiveTerminal'];

// ---- remote agents -----------------------------------------------------------------------

/** The agents and the sites a run can be made from (GET /api/agents). */
export type AgentList = Schemas['AgentList'];
export type Agent = Schemas['AgentListed'];
export type NewAgent = Schemas['NewAgent'];
/** An agent just added: the only answer that holds its token. */
export type AgentMade = Schemas['AgentMade'];

// ---- the server's machine ------------------------------------------------------------------

/** The machine the server runs on and its samples (GET /api/host). */
export type HostView = Schemas['HostView'];
export type HostSample = Schemas['HostSample'];
export type HostInterface = Schemas['HostInterface'];

// ---- errors ------------------------------------------------------------------------------

/** Every error response's body. */
export type ErrorBody = Schemas['Error'];
