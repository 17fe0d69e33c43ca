// How a comparison's change types are shown.

import type { Change, ChangeType } from './types';
import type { Tone } from './columns';

// a change type missing here (a new kind's) is a plain change: amber
const TONES: Partial<Record<ChangeType, Tone>> = {
  became_dead: 'bad',
  ports_closed: 'bad',
  removed: 'bad',
  became_alive: 'ok',
  ports_opened: 'ok',
  added: 'ok',
  rtt_changed: 'warn',
  answers_changed: 'warn',
  rcode_changed: 'warn',
  path_changed: 'warn',
  reached_changed: 'warn',
  exit_changed: 'warn',
  output_changed: 'warn',
};

export function changeTone(change: ChangeType): Tone {
  return TONES[change] ?? 'warn';
}

export function changeLabel(change: ChangeType): string {
  return change.replace(/_/g, ' ');
}

/** Change types present, most frequent first, with counts. */
export function changeCounts(changes: Change[]): [ChangeType, number][] {
  const m = new Map<ChangeType, number>();
  for (const c of changes) m.set(c.change, (m.get(c.change) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function filterChanges(changes: Change[], type: ChangeType | '', text: string): Change[] {
  const t = text.trim().toLowerCase();
  return changes.filter(
    (c) =>
      (!type || c.change === type) &&
      (!t || `${c.target} ${c.before} ${c.after} ${c.detail}`.toLowerCase().includes(t)),
  );
}
