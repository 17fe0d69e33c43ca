// The detail pane of a result whose kind has no pane of its own: its fields as rows of a key/value
// list, nested objects and arrays indented under their key, long arrays cut short.

export interface DetailRow {
  /** Nesting: 0 for the result's own fields. */
  depth: number;
  label: string;
  /** The value as text; null for an object or array whose rows follow, indented. */
  text: string | null;
}

/** Items shown of an array before "… N more" (a result may hold thousands). */
export const MAX_ITEMS = 50;

type Scalar = string | number | boolean;
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** "elapsed ms" for `elapsed_ms`. */
const labelOf = (key: string): string => key.replace(/_/g, ' ');

function valueRows(label: string, value: unknown, depth: number, out: DetailRow[]): void {
  if (value === null || value === undefined) return;
  if (isScalar(value)) {
    out.push({ depth, label, text: String(value) });
    return;
  }
  if (Array.isArray(value)) {
    const more = value.length > MAX_ITEMS ? `… ${value.length - MAX_ITEMS} more` : null;
    const shown = value.slice(0, MAX_ITEMS);
    if (!value.length) out.push({ depth, label, text: 'none' });
    else if (shown.every(isScalar)) out.push({ depth, label, text: [...shown.map(String), ...(more ? [more] : [])].join(', ') });
    else {
      out.push({ depth, label, text: null });
      shown.forEach((item, i) => valueRows(String(i + 1), item, depth + 1, out));
      if (more) out.push({ depth: depth + 1, label: '', text: more });
    }
    return;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    if (!entries.length) {
      out.push({ depth, label, text: 'none' });
      return;
    }
    out.push({ depth, label, text: null });
    for (const [k, v] of entries) valueRows(labelOf(k), v, depth + 1, out);
  }
}

/** A result's rows: every field but `kind` (the pane says it) and those without a value. */
export function detailRows(result: object): DetailRow[] {
  const out: DetailRow[] = [];
  for (const [k, v] of Object.entries(result)) if (k !== 'kind') valueRows(labelOf(k), v, 0, out);
  return out;
}
