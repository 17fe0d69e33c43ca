// A tiny hash router: #/new[/KIND][?targets=…&op=…], #/runs/ID, #/runs/ID/map, #/history,
// #/compare/A/B, #/creds,
// #/traffic, #/captures/ID.

export type Route =
  | { name: 'new'; kind: string | null; params: Record<string, string> }
  | { name: 'run'; id: number }
  | { name: 'map'; id: number }
  | { name: 'history' }
  | { name: 'compare'; a: number; b: number }
  | { name: 'creds' }
  | { name: 'traffic' }
  | { name: 'capture'; id: number }
  | { name: 'notfound'; path: string };

const id = (s: string | undefined): number | null => (s && /^\d+$/.test(s) ? Number(s) : null);

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'new', kind: null, params: {} };
  const [head, x, y] = parts;
  if (head === 'new' && parts.length <= 2)
    return { name: 'new', kind: x ?? null, params: Object.fromEntries(new URLSearchParams(query)) };
  if (head === 'runs' && parts.length === 2 && id(x) !== null) return { name: 'run', id: id(x) as number };
  if (head === 'runs' && parts.length === 3 && id(x) !== null && y === 'map') return { name: 'map', id: id(x) as number };
  if (head === 'history' && parts.length === 1) return { name: 'history' };
  if (head === 'compare' && parts.length === 3 && id(x) !== null && id(y) !== null)
    return { name: 'compare', a: id(x) as number, b: id(y) as number };
  if (head === 'creds' && parts.length === 1) return { name: 'creds' };
  if (head === 'traffic' && parts.length === 1) return { name: 'traffic' };
  if (head === 'captures' && parts.length === 2 && id(x) !== null) return { name: 'capture', id: id(x) as number };
  return { name: 'notfound', path };
}

export const href = {
  new: (kind?: string, params?: Record<string, string>) => {
    const q = params && Object.keys(params).length ? `?${new URLSearchParams(params).toString()}` : '';
    return `${kind ? `#/new/${kind}` : '#/new'}${q}`;
  },
  run: (id: number) => `#/runs/${id}`,
  map: (id: number) => `#/runs/${id}/map`,
  history: () => '#/history',
  compare: (a: number, b: number) => `#/compare/${a}/${b}`,
  creds: () => '#/creds',
  traffic: () => '#/traffic',
  capture: (id: number) => `#/captures/${id}`,
};

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}
