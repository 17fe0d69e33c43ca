// A tiny hash router: #/new, #/runs/ID, #/history, #/compare/A/B.

export type Route =
  | { name: 'new'; kind: string | null }
  | { name: 'run'; id: number }
  | { name: 'history' }
  | { name: 'compare'; a: number; b: number }
  | { name: 'notfound'; path: string };

const id = (s: string | undefined): number | null => (s && /^\d+$/.test(s) ? Number(s) : null);

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0];
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'new', kind: null };
  const [head, x, y] = parts;
  if (head === 'new' && parts.length <= 2) return { name: 'new', kind: x ?? null };
  if (head === 'runs' && parts.length === 2 && id(x) !== null) return { name: 'run', id: id(x) as number };
  if (head === 'history' && parts.length === 1) return { name: 'history' };
  if (head === 'compare' && parts.length === 3 && id(x) !== null && id(y) !== null)
    return { name: 'compare', a: id(x) as number, b: id(y) as number };
  return { name: 'notfound', path };
}

export const href = {
  new: (kind?: string) => (kind ? `#/new/${kind}` : '#/new'),
  run: (id: number) => `#/runs/${id}`,
  history: () => '#/history',
  compare: (a: number, b: number) => `#/compare/${a}/${b}`,
};

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}
