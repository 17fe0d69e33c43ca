// Sorting and filtering the results table, incrementally as rows stream in.

import type { Row, SortValue } from './columns';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Compares two cell values ascending: numbers numerically, text "naturally" (198.18.16.2 before
 * 198.18.16.10), numbers before text. Nulls are not handled here (see compareCells).
 */
export function compareValues(a: Exclude<SortValue, null>, b: Exclude<SortValue, null>): number {
  const an = typeof a === 'number';
  const bn = typeof b === 'number';
  if (an && bn) return (a as number) - (b as number);
  if (an) return -1;
  if (bn) return 1;
  return collator.compare(a as string, b as string);
}

export type SortDir = 1 | -1;
export interface SortSpec {
  col: number;
  dir: SortDir;
}

/** Compares rows by one column in `dir`, empty values last in either direction, then by arrival. */
export function rowComparator(sort: SortSpec): (a: Row, b: Row) => number {
  const { col, dir } = sort;
  return (a, b) => {
    const va = a.cells[col]?.sort ?? null;
    const vb = b.cells[col]?.sort ?? null;
    if (va === null || vb === null) {
      if (va === vb) return a.seq - b.seq;
      return va === null ? 1 : -1;
    }
    const c = compareValues(va, vb) * dir;
    return c !== 0 ? c : a.seq - b.seq;
  };
}

/** Header click: ascending, then descending, then back to arrival order. */
export function nextSort(current: SortSpec | null, col: number): SortSpec | null {
  if (!current || current.col !== col) return { col, dir: 1 };
  if (current.dir === 1) return { col, dir: -1 };
  return null;
}

export type StatusFilter = 'all' | 'ok' | 'bad';
export interface Filter {
  text: string;
  status: StatusFilter;
}

/** Lower-cased search terms; a row matches when it contains every one. */
export function terms(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

export function matches(row: Row, t: string[], status: StatusFilter): boolean {
  if (status === 'ok' && row.status !== 'ok') return false;
  if (status === 'bad' && row.status === 'ok') return false;
  for (const term of t) if (!row.hay.includes(term)) return false;
  return true;
}

/** Merges two arrays each sorted by cmp into a new sorted array. */
export function mergeSorted<T>(a: T[], b: T[], cmp: (x: T, y: T) => number): T[] {
  if (!b.length) return a.slice();
  if (!a.length) return b.slice();
  const out = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = cmp(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/**
 * All rows in arrival order plus the view (filtered, sorted). Appending a batch costs the batch
 * plus one merge, not a full re-sort, so a 10,000-row run stays cheap while it streams. Every
 * change makes a new `view` array, so a component can hold it in a non-deep reactive variable.
 */
export class TableModel {
  rows: Row[] = [];
  view: Row[] = [];
  sort: SortSpec | null = null;
  filter: Filter = { text: '', status: 'all' };
  private terms: string[] = [];
  private seqs = new Set<number>();

  append(batch: Row[]): void {
    const fresh = batch.filter((r) => !this.seqs.has(r.seq));
    if (!fresh.length) return;
    for (const r of fresh) {
      this.seqs.add(r.seq);
      this.rows.push(r);
    }
    const matching = fresh.filter((r) => matches(r, this.terms, this.filter.status));
    if (!this.sort) {
      this.view = this.view.concat(matching);
    } else {
      const cmp = rowComparator(this.sort);
      this.view = mergeSorted(this.view, matching.sort(cmp), cmp);
    }
  }

  setSort(sort: SortSpec | null): void {
    this.sort = sort;
    this.recompute();
  }

  setFilter(filter: Filter): void {
    this.filter = { ...filter };
    this.terms = terms(filter.text);
    this.recompute();
  }

  clear(): void {
    this.rows = [];
    this.view = [];
    this.seqs.clear();
  }

  private recompute(): void {
    const v = this.rows.filter((r) => matches(r, this.terms, this.filter.status));
    if (this.sort) v.sort(rowComparator(this.sort));
    this.view = v;
  }
}
