// Suites: the editor's state and the suite it saves (each run's options built by the New-run form's
// fields, secrets left out: a suite keeps none; its alert rules, maintenance windows and parents),
// a server error's field as the editor's place for it, and how a suite's runs and fires read.

import {
  alertPlaces,
  buildAlerting,
  parentsText,
  ruleDraftOf,
  windowDraftOf,
  type RuleDraft,
  type WindowDraft,
} from './alerts';
import { ApiError, optionParams } from './api';
import {
  NET_FIELDS,
  OPTION_FIELDS,
  buildFields,
  buildNet,
  buildOptions,
  emptyValues,
  isSecretField,
  prefill,
  visibleFields,
  type FieldDef,
  type FormErrors,
  type FormValues,
} from './form';
import { kindLabel, targetsPreview } from './format';
import { sitesRequest } from './vantage';
import { KINDS, type FireOutcome, type ProbeKind, type RunOptions, type RunSpec, type Suite } from './types';

/** What the server takes as a suite's name. */
export const SUITE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Each kind's fields in a suite's runs: the New-run form's without its secrets, which a suite
 * cannot keep (SNMP and SSH runs name credential profiles instead).
 */
export const SUITE_OPTION_FIELDS = Object.fromEntries(KINDS.map((k) => [k, OPTION_FIELDS[k].filter((f) => !isSecretField(f))])) as Record<
  ProbeKind,
  FieldDef[]
>;

/**
 * Where a run's targets come from: expressions, a file on the server read at every fire, or the
 * devices a stored topology run found.
 */
export type TargetSource = 'targets' | 'targets_file' | 'topology_run';

/** One run in the editor. */
export interface RunDraft {
  /** Tells the runs apart while some are added and removed. */
  key: number;
  kind: ProbeKind;
  source: TargetSource;
  targets: string;
  targetsFile: string;
  topologyRun: string;
  values: FormValues;
  net: FormValues;
  /** The sites it runs from (`local` is this server; none: this server alone). */
  sites: string[];
  /**
   * What a stored run has that the editor has no field for (network options such as `family`),
   * sent back as it was.
   */
  kept: { options: Record<string, unknown>; net: Record<string, unknown> };
}

export interface SuiteDraft {
  name: string;
  description: string;
  cron: string;
  timezone: string;
  spread: string;
  runs: RunDraft[];
  /** Alert rules over the runs' results. */
  alerts: RuleDraft[];
  /** When its alerts are kept but nobody is told. */
  maintenance: WindowDraft[];
  /** Lines `child parent`. */
  parents: string;
}

/** How long a scheduled fire spreads its probes over (a schedule's option beside its pattern). */
export const SPREAD_FIELD: FieldDef = {
  key: 'spread',
  label: 'spread',
  type: 'duration',
  placeholder: 'half the interval',
  title:
    "how long a scheduled fire spreads its probes over, each ping, trace, dns and scan run paced to fit, so thousands of targets do not go out at once: by default half the interval, at most a minute; 0s: as fast as the runs' own rates allow",
};

let lastKey = 0;

/** A blank run of a kind: its options at their defaults, inline targets. */
export function emptyRun(kind: ProbeKind = 'ping'): RunDraft {
  return {
    key: ++lastKey,
    kind,
    source: 'targets',
    targets: '',
    targetsFile: '',
    topologyRun: '',
    values: emptyValues(SUITE_OPTION_FIELDS[kind]),
    net: emptyValues(NET_FIELDS),
    sites: [],
    kept: { options: {}, net: {} },
  };
}

/** The run as another kind: that kind's options at their defaults, the same targets and network. */
export function changeKind(run: RunDraft, kind: ProbeKind): RunDraft {
  return { ...run, kind, values: emptyValues(SUITE_OPTION_FIELDS[kind]), kept: { options: {}, net: run.kept.net } };
}

/** The entries of `o` that none of `fields` shows. */
const unshown = (o: object, fields: FieldDef[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !fields.some((f) => f.key === k)));

export function emptySuite(): SuiteDraft {
  return { name: '', description: '', cron: '', timezone: '', spread: '', runs: [emptyRun()], alerts: [], maintenance: [], parents: '' };
}

/** A stored run in the editor: its options as the fields show them. */
export function runDraftOf(spec: RunSpec): RunDraft {
  const fields = SUITE_OPTION_FIELDS[spec.kind];
  return {
    key: ++lastKey,
    kind: spec.kind,
    source: spec.targets_file != null ? 'targets_file' : spec.topology_run != null ? 'topology_run' : 'targets',
    targets: spec.targets ?? '',
    targetsFile: spec.targets_file ?? '',
    topologyRun: spec.topology_run != null ? String(spec.topology_run) : '',
    values: prefill(fields, emptyValues(fields), optionParams(spec.options ?? {})),
    net: prefill(NET_FIELDS, emptyValues(NET_FIELDS), optionParams(spec.net ?? {})),
    sites: spec.sites ?? [],
    kept: { options: unshown(spec.options ?? {}, fields), net: unshown(spec.net ?? {}, NET_FIELDS) },
  };
}

/** A stored suite in the editor. */
export function draftOf(name: string, suite: Suite): SuiteDraft {
  const runs = suite.runs.map(runDraftOf);
  const keys = runs.map((r) => r.key);
  return {
    name,
    description: suite.description ?? '',
    cron: suite.schedule?.cron ?? '',
    timezone: suite.schedule?.timezone ?? '',
    spread: suite.schedule?.spread != null ? String(suite.schedule.spread) : '',
    runs,
    alerts: (suite.alerts ?? []).map((r) => ruleDraftOf(r, keys)),
    maintenance: (suite.maintenance ?? []).map(windowDraftOf),
    parents: parentsText(suite.parents),
  };
}

/** A run's place in the editor; its fields are below it (`runs[1].options.count`). */
export const runPath = (i: number): string => `runs[${i}]`;

/** The error of a suite's name, if any. */
export function nameError(name: string): string | null {
  return SUITE_NAME.test(name.trim()) ? null : "1 to 64 letters, digits, '-', '_' or '.'";
}

/**
 * A run as the suite keeps it, or what keeps it from being sent, by its place within the run
 * (`targets`, `options.count`, `net.netns`; '' for the run as a whole).
 */
export function buildRun(run: RunDraft): { spec: RunSpec; errors: Record<string, string> } {
  const fields = SUITE_OPTION_FIELDS[run.kind];
  const o = buildOptions(run.kind, run.values, fields);
  const shown = new Set(visibleFields(fields, run.values).map((f) => `options.${f.key}`));
  const secret = new Set(OPTION_FIELDS[run.kind].filter(isSecretField).map((f) => `options.${f.key}`));
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.errors)) {
    // the kind's checks ask for secrets only as another way to log in than a profile
    if (shown.has(k)) errors[k] = v;
    else if (!secret.has(k)) errors[''] = v;
  }
  const options: Record<string, unknown> = { ...run.kept.options, ...o.options };
  if (run.kind === 'ssh' && !options.profile) errors['options.profile'] = 'a profile with an SSH login: a suite keeps no password or key';

  const spec: RunSpec = { kind: run.kind, options };
  if (run.source === 'targets') {
    if (run.targets.replace(/#.*$/gm, '').trim()) spec.targets = run.targets;
    else errors.targets = 'no targets: enter addresses, names, CIDR blocks or ranges';
  } else if (run.source === 'targets_file') {
    const file = run.targetsFile.trim();
    if (file) spec.targets_file = file;
    else errors.targets = 'the path of a targets file on the server';
  } else {
    const id = run.topologyRun.trim().replace(/^#/, '');
    if (/^\d+$/.test(id)) spec.topology_run = Number(id);
    else errors.targets = 'the number of a stored SNMP topology run';
  }
  const n = buildNet(run.net);
  Object.assign(errors, n.errors);
  const net = { ...run.kept.net, ...n.net };
  if (Object.keys(net).length) spec.net = net;
  const sites = sitesRequest(run.sites);
  if (sites) spec.sites = sites;
  return { spec, errors };
}

/**
 * The suite the editor saves (its name goes beside it, when it is added), or the errors, by their
 * place in the editor (`schedule.cron`, `runs[1].options.count`, `runs[0]`), that keep it from
 * being sent.
 */
export function buildSuite(draft: SuiteDraft): { suite: Suite | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const suite: Suite = { runs: [] };
  const description = draft.description.trim();
  if (description) suite.description = description;
  const cron = draft.cron.trim();
  const timezone = draft.timezone.trim();
  const spread = buildFields([SPREAD_FIELD], { spread: draft.spread }, 'schedule');
  Object.assign(errors, spread.errors);
  if (cron) suite.schedule = { cron, ...(timezone ? { timezone } : {}), ...spread.value };
  else if (timezone || draft.spread.trim()) errors['schedule.cron'] = 'a time zone or a spread needs a schedule: a cron pattern, or neither';
  if (!draft.runs.length) errors.runs = 'a suite needs at least one run';
  draft.runs.forEach((run, i) => {
    const r = buildRun(run);
    suite.runs.push(r.spec);
    for (const [k, v] of Object.entries(r.errors)) errors[k ? `${runPath(i)}.${k}` : runPath(i)] = v;
  });
  const alerting = buildAlerting(
    draft.alerts,
    draft.maintenance,
    draft.parents,
    draft.runs.map((r) => ({ key: r.key, kind: r.kind })),
  );
  Object.assign(errors, alerting.errors);
  if (alerting.alerts.length) suite.alerts = alerting.alerts;
  if (alerting.maintenance.length) suite.maintenance = alerting.maintenance;
  if (Object.keys(alerting.parents).length) suite.parents = alerting.parents;
  return Object.keys(errors).length ? { suite: null, errors } : { suite, errors };
}

/** Every place in the editor an error can show, for what it shows now: its fields and each run's own line. */
export function editorPlaces(draft: SuiteDraft, named: boolean): Set<string> {
  const places = new Set(['description', 'schedule.cron', 'schedule.timezone', 'schedule.spread', 'runs']);
  if (named) places.add('name');
  draft.runs.forEach((run, i) => {
    const p = runPath(i);
    places.add(p);
    places.add(`${p}.kind`);
    places.add(`${p}.targets`);
    for (const f of visibleFields(SUITE_OPTION_FIELDS[run.kind], run.values)) places.add(`${p}.options.${f.key}`);
    for (const f of NET_FIELDS) places.add(`${p}.net.${f.key}`);
  });
  for (const place of alertPlaces(draft.alerts, draft.maintenance)) places.add(place);
  return places;
}

const ITEM = /(\[\d+\]|\.\d+)$/;

/**
 * The editor's place for an error the server names by path: the field itself
 * (`runs[1].options.count`), a list rather than its item (`runs[0].options.types[2]`), a run's
 * targets however given (`runs[0].targets_file`), else the run's own line (`runs[0].options`: a
 * secret given; a field not shown); null when the editor has no such place.
 */
export function errorPlace(field: string | null | undefined, places: ReadonlySet<string>): string | null {
  if (!field) return null;
  let f = field.trim();
  while (!places.has(f) && ITEM.test(f)) f = f.replace(ITEM, '');
  if (places.has(f)) return f;
  const run = /^(runs\[\d+\])\.(\w+)/.exec(f);
  if (run) {
    const [, path, part] = run;
    if ((part === 'targets_file' || part === 'topology_run') && places.has(`${path}.targets`)) return `${path}.targets`;
    if (places.has(path)) return path;
  }
  // a rule's or a window's part the editor has no field for: the block's own line
  const item = /^((?:alerts|maintenance)\[\d+\])\./.exec(f);
  if (item && places.has(item[1])) return item[1];
  if (/^parents\./.test(f) && places.has('parents')) return 'parents';
  if (f === 'schedule' && places.has('schedule.cron')) return 'schedule.cron';
  return null;
}

/**
 * Where a failed save shows: at the place the error names (on a run's own line with the part of
 * the run it is about, unless that is its options as a whole), else above the save button with
 * the field.
 */
export function suiteErrorsFromApi(err: unknown, places: ReadonlySet<string>): FormErrors {
  if (!(err instanceof ApiError)) return { fields: {}, general: err instanceof Error ? err.message : String(err) };
  const place = errorPlace(err.field, places);
  if (!place || !err.field) {
    const where = err.field && err.field !== 'suite' ? ` (${err.field})` : '';
    return { fields: {}, general: err.message + where };
  }
  const below =
    /^(runs|alerts|maintenance)\[\d+\]$/.test(place) && err.field.startsWith(`${place}.`) ? err.field.slice(place.length + 1) : '';
  // a parent link the server names (`parents.CHILD`) is told with its child
  const child = place === 'parents' && err.field.startsWith('parents.') ? `${err.field.slice('parents.'.length)}: ` : '';
  return { fields: { [place]: below && below !== 'options' ? `${below}: ${err.message}` : `${child}${err.message}` }, general: null };
}

export type FireTone = 'ok' | 'info' | 'warn' | 'bad';

const FIRE_TONES: Record<FireOutcome, FireTone> = { started: 'ok', caught_up: 'info', skipped: 'warn', failed: 'bad' };

/** A fire's colour: started green, a catch-up for missed due times blue, skipped (busy) amber, failed red. */
export const fireTone = (outcome: FireOutcome): FireTone => FIRE_TONES[outcome];

/** A fire's outcome in words: "started", "caught up". */
export const fireLabel = (outcome: FireOutcome): string => outcome.replace(/_/g, ' ');

/** A suite run's kind for lists: "ping", "snmp walk". */
export function specKind(spec: RunSpec): string {
  // the server checked the options against the kind's
  return kindLabel({ kind: spec.kind, options: (spec.options ?? {}) as RunOptions });
}

/** A suite run's targets in one line: the expressions (shortened), the file, or the topology run. */
export function specTargets(spec: RunSpec): string {
  if (spec.targets_file != null) return `file ${spec.targets_file}`;
  if (spec.topology_run != null) return `the devices of run #${spec.topology_run}`;
  return targetsPreview(spec.targets ?? '');
}
