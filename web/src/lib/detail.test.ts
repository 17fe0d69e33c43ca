// Tests of the detail pane of a kind without its own: a result's fields as indented rows.

import { describe, expect, it } from 'vitest';
import { MAX_ITEMS, detailRows } from './detail';

describe('detailRows', () => {
  it('lists the fields, nested ones indented under their name', () => {
    const result = {
      kind: 'whois',
      target: 'example.net',
      addr: null,
      days_left: 42,
      dnssec: false,
      servers: ['a.example', 'b.example'],
      registrar: { name: 'R', abuse: { email: 'abuse@r.test', phone: null } },
      contacts: [{ role: 'admin', handle: 'H1' }, 'unknown'],
      notes: [],
      extra: {},
      error: null,
    };
    expect(detailRows(result)).toEqual([
      { depth: 0, label: 'target', text: 'example.net' },
      { depth: 0, label: 'days left', text: '42' },
      { depth: 0, label: 'dnssec', text: 'false' },
      { depth: 0, label: 'servers', text: 'a.example, b.example' },
      { depth: 0, label: 'registrar', text: null },
      { depth: 1, label: 'name', text: 'R' },
      { depth: 1, label: 'abuse', text: null },
      { depth: 2, label: 'email', text: 'abuse@r.test' },
      { depth: 0, label: 'contacts', text: null },
      { depth: 1, label: '1', text: null },
      { depth: 2, label: 'role', text: 'admin' },
      { depth: 2, label: 'handle', text: 'H1' },
      { depth: 1, label: '2', text: 'unknown' },
      { depth: 0, label: 'notes', text: 'none' },
      { depth: 0, label: 'extra', text: 'none' },
    ]);
  });

  it('cuts long lists short', () => {
    const many = Array.from({ length: MAX_ITEMS + 3 }, (_, i) => i);
    expect(detailRows({ ports: many })).toEqual([{ depth: 0, label: 'ports', text: `${many.slice(0, MAX_ITEMS).join(', ')}, … 3 more` }]);
    const rows = detailRows({ hops: many.map((ttl) => ({ ttl })) });
    expect(rows).toHaveLength(1 + MAX_ITEMS * 2 + 1);
    expect(rows[rows.length - 1]).toEqual({ depth: 1, label: '', text: '… 3 more' });
  });
});
