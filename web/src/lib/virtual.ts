// The window of a virtualized list with fixed-height rows: which rows to render and where.

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  count: number;
  /** Extra rows rendered above and below the visible ones. */
  overscan?: number;
}

export interface ListWindow {
  /** First row rendered (inclusive). */
  start: number;
  /** Row after the last rendered (exclusive). */
  end: number;
  /** Offset of the first rendered row from the top of the list, px. */
  offset: number;
  /** Height of the whole list, px. */
  height: number;
}

export function windowFor({ scrollTop, viewportHeight, rowHeight, count, overscan = 8 }: WindowInput): ListWindow {
  const height = Math.max(0, count) * rowHeight;
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, height };
  const maxTop = Math.max(0, height - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, offset: start * rowHeight, height };
}

/** The scrollTop that brings row `index` into view (unchanged when it already is). */
export function scrollToRow(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}

/**
 * Where a key moves a list's selection: the row index (from `index`, -1 when nothing is selected;
 * arrows by one, Page keys by `page`, Home and End to the ends), 'clear' for Escape, or null for a
 * key the list does not handle.
 */
export function keyTarget(key: string, index: number, length: number, page: number): number | 'clear' | null {
  const deltas: Record<string, number> = {
    ArrowDown: 1,
    ArrowUp: -1,
    PageDown: page,
    PageUp: -page,
    Home: -length,
    End: length,
  };
  if (key === 'Escape') return 'clear';
  const delta = deltas[key];
  if (delta === undefined || length === 0) return null;
  const from = index < 0 ? (delta > 0 ? -1 : length) : index;
  return Math.max(0, Math.min(length - 1, from + delta));
}
