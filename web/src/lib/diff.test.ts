// Tests of line diffs and of ssh outputs grouped and compared.

import { describe, expect, it } from 'vitest';
import { ssh } from '../test/results';
import { compareRunsOutput, defaultBase, diffDevices, lineDiff, parseUnified, unifiedText } from './diff';

const config = (hostname: string, extra: string[] = []) =>
  ['!', `hostname ${hostname}`, 'interface eth0', ' ip address dhcp', ...extra, 'line vty 0 4', ' transport input ssh', 'end', ''].join('\n');

describe('lineDiff', () => {
  it('finds nothing between equal texts', () => {
    expect(lineDiff('a\nb\n', 'a\nb\n')).toEqual({ hunks: [], added: 0, removed: 0, gaveUp: false });
    expect(lineDiff('', '')).toEqual({ hunks: [], added: 0, removed: 0, gaveUp: false });
  });

  it('gives a unified diff with three lines of context and numbered lines', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n');
    const d = lineDiff(before, after);
    expect(d.added).toBe(2);
    expect(d.removed).toBe(1);
    expect(unifiedText(d)).toBe(['@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11'].join('\n'));
    const five = d.hunks[0].lines.find((l) => l.text === 'five');
    expect(five).toEqual({ kind: 'add', text: 'five', old: null, new: 5 });
    expect(d.hunks[0].lines.find((l) => l.text === '5')).toEqual({ kind: 'del', text: '5', old: 5, new: null });
    expect(d.hunks[0].lines.find((l) => l.text === '6')).toEqual({ kind: 'ctx', text: '6', old: 6, new: 6 });
  });

  it('splits changes far apart into hunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const after = [...lines];
    after[1] = 'changed 2';
    after[27] = 'changed 28';
    const d = lineDiff(lines.join('\n'), after.join('\n'));
    expect(d.hunks.map((h) => h.header)).toEqual(['@@ -1,5 +1,5 @@', '@@ -25,6 +25,6 @@']);
  });

  it('ignores a missing final newline and CRLF line ends', () => {
    expect(lineDiff('a\nb', 'a\nb\n').hunks).toEqual([]);
    expect(lineDiff('a\r\nb\r\n', 'a\nb\n').hunks).toEqual([]);
  });

  it('diffs against nothing', () => {
    const d = lineDiff('', 'x\ny\n');
    expect(d.added).toBe(2);
    expect(d.removed).toBe(0);
    expect(unifiedText(d)).toBe('@@ -1,0 +1,2 @@\n+x\n+y');
  });
});

describe('diffDevices (one run, across devices)', () => {
  const results = [
    ...Array.from({ length: 37 }, (_, i) => ssh(`198.18.40.${i + 1}`, { stdout: config('lab') })),
    ssh('198.18.40.50', { stdout: config('lab', ['snmp-server community x']) }),
    ssh('198.18.40.51', { stdout: config('lab', ['snmp-server community x']) }),
    ssh('198.18.40.60', { stdout: config('other') }),
    ssh('198.18.40.70', { exit_status: 1, stdout: '% Invalid input\n' }),
    ssh('198.18.40.99', { exit_status: null, stdout: '', error: '198.18.40.99:22: cannot connect: refused', error_kind: 'connect' }),
  ];

  it('starts from a device of the most common output', () => {
    expect(defaultBase(results)).toBe('198.18.40.1');
    expect(defaultBase([])).toBeNull();
  });

  it('collapses the devices identical to the base and diffs each other output once', () => {
    const d = diffDevices(results, '198.18.40.1');
    expect(d).not.toBeNull();
    if (!d) return;
    expect(d.same.targets).toHaveLength(37);
    expect(d.same.targets[0]).toBe('198.18.40.1');
    expect(d.same.targets[36]).toBe('198.18.40.37');
    expect(d.others.map((g) => g.targets)).toEqual([['198.18.40.50', '198.18.40.51'], ['198.18.40.60'], ['198.18.40.70']]);
    expect(d.others[0].diff.added).toBe(1);
    expect(d.others[0].diff.removed).toBe(0);
    expect(unifiedText(d.others[1].diff)).toContain('-hostname lab\n+hostname other');
    // a non-zero exit still has output to compare; a device that never ran has none
    expect(d.failed).toEqual([{ target: '198.18.40.99', error: '198.18.40.99:22: cannot connect: refused' }]);
  });

  it('diffs from any base, and not from a device without output', () => {
    const d = diffDevices(results, '198.18.40.60');
    expect(d?.same.targets).toEqual(['198.18.40.60']);
    expect(d?.others[0].targets).toHaveLength(37);
    expect(unifiedText(d?.others[0].diff ?? lineDiff('', ''))).toContain('-hostname other\n+hostname lab');
    expect(diffDevices(results, '198.18.40.99')).toBeNull();
    expect(diffDevices(results, 'nowhere')).toBeNull();
  });
});

describe('compareRunsOutput (two runs, device by device)', () => {
  it('puts changed devices first with their diff, then added, removed and unchanged ones', () => {
    const a = [
      ssh('r1', { stdout: config('r1') }),
      ssh('r2', { stdout: config('r2') }),
      ssh('r3', { stdout: config('r3') }),
      ssh('r4', { stdout: config('r4') }),
      ssh('gone', { stdout: 'x' }),
    ];
    const b = [
      ssh('r1', { stdout: config('r1') }),
      ssh('r2', { stdout: config('r2', ['ntp server 198.18.0.1']) }),
      ssh('r3', { stdout: config('r3', ['ntp server 198.18.0.1', 'logging host 198.18.0.2']) }),
      ssh('r4', { exit_status: null, stdout: config('r4'), error: 'r4:22: timed out', error_kind: 'timeout' }),
      ssh('new', { stdout: 'y' }),
    ];
    const c = compareRunsOutput(a, b);
    expect(c.map((x) => [x.target, x.change])).toEqual([
      ['r3', 'changed'],
      ['r2', 'changed'],
      ['r4', 'changed'],
      ['new', 'added'],
      ['gone', 'removed'],
      ['r1', 'same'],
    ]);
    expect(c[0].diff.added).toBe(2);
    expect(unifiedText(c[1].diff)).toContain('+ntp server 198.18.0.1');
    // the same output, but the command did not finish this time
    expect(c[2].exitChanged).toBe(true);
    expect(c[2].diff.hunks).toEqual([]);
  });
});

describe('parseUnified (a diff the server made)', () => {
  it('numbers its lines as lineDiff would, and counts what changed', () => {
    const before = 'hostname r1\n!\ninterface Gi0/1\n description old\n!\nend\n';
    const after = 'hostname r1\n!\ninterface Gi0/1\n description new\n!\nntp server 192.0.2.1\nend\n';
    const text = '--- version 4\n+++ version 5\n' + unifiedText(lineDiff(before, after)) + '\n';
    const d = parseUnified(text);
    expect(d).toEqual(lineDiff(before, after));
    expect([d.added, d.removed]).toEqual([2, 1]);
  });
  it('is no change for an empty text, and skips what is not a hunk line', () => {
    expect(parseUnified('')).toEqual({ hunks: [], added: 0, removed: 0, gaveUp: false });
    const d = parseUnified('--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n');
    expect(d.hunks[0].lines.map((l) => [l.kind, l.text, l.old, l.new])).toEqual([
      ['del', 'x', 1, null],
      ['add', 'y', null, 1],
    ]);
  });
});
