// Tests of the access token: taken from the address, kept for the session, added to URLs.

import { afterEach, describe, expect, it } from 'vitest';
import { initToken, setToken, token, withToken } from './auth';

function memory(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe('access token', () => {
  afterEach(() => setToken(null));

  it('takes ?token= from the URL, stores it and removes it from the query', () => {
    const s = memory();
    const r = initToken('?token=XYZ&x=1', s);
    expect(r).toEqual({ token: 'XYZ', search: '?x=1' });
    expect(s.m.get('wirescope.token')).toBe('XYZ');
    expect(token()).toBe('XYZ');
    expect(initToken('?token=abc', memory()).search).toBe('');
  });

  it('falls back to the stored token', () => {
    expect(initToken('', memory({ 'wirescope.token': 'kept' })).token).toBe('kept');
    expect(initToken('', memory()).token).toBeNull();
  });

  it('survives storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(initToken('?token=t', broken).token).toBe('t');
    expect(initToken('', broken).token).toBeNull();
  });

  it('adds the token to URLs', () => {
    expect(withToken('/api/ws')).toBe('/api/ws');
    setToken('a&b');
    expect(withToken('/api/ws')).toBe('/api/ws?token=a%26b');
    expect(withToken('/x?format=csv')).toBe('/x?format=csv&token=a%26b');
  });
});
