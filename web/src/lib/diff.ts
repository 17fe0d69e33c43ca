// Line diffs of command output (the config-backup use case), on jsdiff: a unified diff as hunks
// of numbered lines; the devices of one ssh run grouped by identical output and diffed against a
// base device; and two ssh runs compared device by device, changed devices first.

import { structuredPatch } from 'diff';
import type { ProbeResult, SshResult } from './types';

export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  text: string;
  /** Line number in the old text (null for an added line). */
  old: number | null;
  /** Line number in the new text (null for a removed line). */
  new: number | null;
}

export interface Hunk {
  /** "@@ -3,7 +3,8 @@" */
  header: string;
  lines: DiffLine[];
}

export interface LineDiff {
  hunks: Hunk[];
  added: number;
  removed: number;
  /** The diff gave up (too different, too long): only the counts of lines are known. */
  gaveUp: boolean;
}

/** Lines of context around each change, as `diff -u` shows them. */
export const CONTEXT = 3;
/** A diff taking longer than this gives up (a huge output against an unrelated one). */
const TIMEOUT_MS = 2000;

/** Text with a final newline, so a missing one at the end is not a change of the last line. */
const terminated = (s: string) => (s && !s.endsWith('\n') ? `${s}\n` : s);
const lineCount = (s: string) => (s ? terminated(s).split('\n').length - 1 : 0);

/** The unified diff of `before` → `after`, line by line (a "\r" before a newline ignored). */
export function lineDiff(before: string, after: string, context = CONTEXT, timeout = TIMEOUT_MS): LineDiff {
  const a = terminated(before);
  const b = terminated(after);
  if (a === b) return { hunks: [], added: 0, removed: 0, gaveUp: false };
  const patch = structuredPatch('before', 'after', a, b, undefined, undefined, { context, stripTrailingCr: true, timeout });
  if (!patch) return { hunks: [], added: lineCount(b), removed: lineCount(a), gaveUp: true };
  let added = 0;
  let removed = 0;
  const hunks = patch.hunks.map((h) => {
    let o = h.oldStart;
    let n = h.newStart;
    const lines: DiffLine[] = [];
    for (const raw of h.lines) {
      const mark = raw[0];
      const text = raw.slice(1);
      if (mark === '+') {
        lines.push({ kind: 'add', text, old: null, new: n++ });
        added++;
      } else if (mark === '-') {
        lines.push({ kind: 'del', text, old: o++, new: null });
        removed++;
      } else if (mark === ' ') {
        lines.push({ kind: 'ctx', text, old: o++, new: n++ });
      }
    }
    return { header: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, lines };
  });
  return { hunks, added, removed, gaveUp: false };
}

/** A diff as `diff -u` prints its hunks (tests, copying). */
export function unifiedText(d: LineDiff): string {
  const sign = { add: '+', del: '-', ctx: ' ' } as const;
  return d.hunks.map((h) => [h.header, ...h.lines.map((l) => `${sign[l.kind]}${l.text}`)].join('\n')).join('\n');
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
/** Targets in natural order (198.18.40.2 before 198.18.40.10). */
export const byTarget = (a: string, b: string) => collator.compare(a, b);

/** The ssh results of a run (others ignored). */
export function sshResults(results: ProbeResult[]): SshResult[] {
  return results.filter((r): r is SshResult => r.kind === 'ssh');
}

/** A command that ran (whatever its exit status) has output to compare; one that never ran has not. */
export const ran = (r: SshResult) => !r.error && (r.exit_status !== null || !!r.exit_signal);

export interface OutputGroup {
  /** The devices (targets, natural order) whose stdout is exactly this. */
  targets: string[];
  output: string;
  /** This output against the base's; empty hunks for the base's own group. */
  diff: LineDiff;
}

export interface DeviceDiff {
  base: string;
  /** The base's group: the base and every device with the same output. */
  same: OutputGroup;
  /** Every other output, the most common first, each diffed once against the base. */
  others: OutputGroup[];
  /** Devices whose command never ran (no output to compare), with why. */
  failed: { target: string; error: string }[];
}

function groupsOf(results: SshResult[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    if (!ran(r)) continue;
    const g = groups.get(r.stdout);
    if (g) g.push(r.target);
    else groups.set(r.stdout, [r.target]);
  }
  for (const g of groups.values()) g.sort(byTarget);
  return groups;
}

/** The base a diff starts from: the first device of the most common output. */
export function defaultBase(results: SshResult[]): string | null {
  let best: string[] | null = null;
  for (const g of groupsOf(results).values()) {
    if (!best || g.length > best.length || (g.length === best.length && byTarget(g[0], best[0]) < 0)) best = g;
  }
  return best ? best[0] : null;
}

/**
 * Every device's stdout against the base device's: devices with identical output are grouped
 * (each distinct output is diffed once). Null when the base has no output to compare.
 */
export function diffDevices(results: SshResult[], base: string): DeviceDiff | null {
  const baseResult = results.find((r) => r.target === base && ran(r));
  if (!baseResult) return null;
  const groups = groupsOf(results);
  const others: OutputGroup[] = [];
  let same: OutputGroup | null = null;
  for (const [output, targets] of groups) {
    if (output === baseResult.stdout) same = { targets, output, diff: lineDiff(output, output) };
    else others.push({ targets, output, diff: lineDiff(baseResult.stdout, output) });
  }
  others.sort((a, b) => b.targets.length - a.targets.length || byTarget(a.targets[0], b.targets[0]));
  const failed = results
    .filter((r) => !ran(r))
    .map((r) => ({ target: r.target, error: r.error ?? 'no exit status' }))
    .sort((a, b) => byTarget(a.target, b.target));
  return { base, same: same as OutputGroup, others, failed };
}

export type OutputChange = 'changed' | 'same' | 'added' | 'removed';

export interface TargetDiff {
  target: string;
  change: OutputChange;
  before: SshResult | null;
  after: SshResult | null;
  /** stdout before → after (empty for a device in only one run). */
  diff: LineDiff;
  /** The exit or the error differs (even with the same output). */
  exitChanged: boolean;
}

const exitKey = (r: SshResult) => (r.error ? `error:${r.error_kind ?? ''}` : `${r.exit_status ?? ''}/${r.exit_signal ?? ''}`);

/**
 * Two ssh runs (e.g. "show running-config" last week and today) device by device: the diff of
 * stdout, changed devices first (most changed lines first), then added, removed, the same.
 */
export function compareRunsOutput(a: SshResult[], b: SshResult[]): TargetDiff[] {
  const before = new Map(a.map((r) => [r.target, r]));
  const after = new Map(b.map((r) => [r.target, r]));
  const out: TargetDiff[] = [];
  const empty = lineDiff('', '');
  for (const [target, x] of before) {
    const y = after.get(target);
    if (!y) {
      out.push({ target, change: 'removed', before: x, after: null, diff: empty, exitChanged: false });
      continue;
    }
    const diff = lineDiff(x.stdout, y.stdout);
    const exitChanged = exitKey(x) !== exitKey(y);
    const changed = diff.added + diff.removed > 0 || exitChanged;
    out.push({ target, change: changed ? 'changed' : 'same', before: x, after: y, diff, exitChanged });
  }
  for (const [target, y] of after) {
    if (!before.has(target)) out.push({ target, change: 'added', before: null, after: y, diff: empty, exitChanged: false });
  }
  const order: Record<OutputChange, number> = { changed: 0, added: 1, removed: 2, same: 3 };
  const size = (t: TargetDiff) => t.diff.added + t.diff.removed;
  return out.sort((p, q) => order[p.change] - order[q.change] || size(q) - size(p) || byTarget(p.target, q.target));
}

/**
 * A unified diff the server made (`--- a`, `+++ b`, then hunks) as hunks of numbered lines;
 * an empty text is no change.
 */
export function parseUnified(text: string): LineDiff {
  const hunks: Hunk[] = [];
  let added = 0;
  let removed = 0;
  let o = 0;
  let n = 0;
  for (const raw of text.split('\n')) {
    const head = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (head) {
      o = Number(head[1]);
      n = Number(head[2]);
      hunks.push({ header: raw, lines: [] });
      continue;
    }
    const hunk = hunks[hunks.length - 1];
    if (!hunk) continue; // the file headers
    const mark = raw[0];
    const line = raw.slice(1);
    if (mark === '+') {
      hunk.lines.push({ kind: 'add', text: line, old: null, new: n++ });
      added++;
    } else if (mark === '-') {
      hunk.lines.push({ kind: 'del', text: line, old: o++, new: null });
      removed++;
    } else if (mark === ' ') hunk.lines.push({ kind: 'ctx', text: line, old: o++, new: n++ });
  }
  return { hunks, added, removed, gaveUp: false };
}
