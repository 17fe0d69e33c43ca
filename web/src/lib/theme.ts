// Dark and light themes: an explicit choice is remembered in localStorage; without one the page
// follows prefers-color-scheme.

export type Theme = 'dark' | 'light';
const KEY = 'wirescope.theme';

export function storedTheme(storage: Pick<Storage, 'getItem'> | null): Theme | null {
  try {
    const v = storage?.getItem(KEY);
    return v === 'dark' || v === 'light' ? v : null;
  } catch {
    return null;
  }
}

export function resolveTheme(stored: Theme | null, prefersDark: boolean): Theme {
  return stored ?? (prefersDark ? 'dark' : 'light');
}

export function saveTheme(storage: Pick<Storage, 'setItem'> | null, t: Theme): void {
  try {
    storage?.setItem(KEY, t);
  } catch {
    // private mode: the choice lasts for this page
  }
}

export function applyTheme(t: Theme): void {
  document.documentElement.dataset.theme = t;
  document.documentElement.style.colorScheme = t;
}
