// The access token: taken once from the page URL (?token=XYZ), kept in sessionStorage, sent as
// `Authorization: Bearer` on fetches and as `?token=` where headers cannot go (WebSocket, downloads).

const KEY = 'wirescope.token';

interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

let current: string | null = null;

/**
 * Reads ?token= from `search` (stored in `storage` when present), else the stored token.
 * Returns the token and the search string without it, so the caller can clean the address bar.
 */
export function initToken(search: string, storage: KeyValue | null): { token: string | null; search: string } {
  const params = new URLSearchParams(search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    params.delete('token');
    try {
      storage?.setItem(KEY, fromUrl);
    } catch {
      // storage disabled: the token lives for this page only
    }
    current = fromUrl;
  } else {
    try {
      current = storage?.getItem(KEY) ?? null;
    } catch {
      current = null;
    }
  }
  const rest = params.toString();
  return { token: current, search: rest ? `?${rest}` : '' };
}

export function token(): string | null {
  return current;
}

export function setToken(t: string | null): void {
  current = t;
}

/** Adds `token=` to a URL when a token is set. */
export function withToken(url: string): string {
  if (!current) return url;
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}token=${encodeURIComponent(current)}`;
}
