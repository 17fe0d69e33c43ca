import { describe, expect, it } from 'vitest';
import { fmtStep, fromLocalInput, historyPoints, keptText, presetRange, protocolRows, storedState, toLocalInput } from './stored';
import type { CaptureInfo, StoredCapture } from './types';

const H = 3_600_000;

function stored(over: Partial<StoredCapture> = {}): StoredCapture {
  return {
    id: 1,
    source: 'live',
    interfaces: ['eth0'],
    bpf: null,
    file: null,
    netns: null,
    host: 'vm',
    started_at: 0,
    ended_at: null,
    status: 'stopped',
    frames: 10,
    bytes: 1000,
    damage: null,
    files_kept: 3,
    files_bytes: 192_000,
    files_removed: 0,
    last_minute: null,
    ...over,
  };
}

describe('stored captures', () => {
  it('ranges end at the newest traffic; all starts at the first, within 400 days', () => {
    expect(presetRange(H, 0, 10 * H, 99 * H)).toEqual({ from: 9 * H, to: 10 * H });
    expect(presetRange(H, null, null, 99 * H)).toEqual({ from: 98 * H, to: 99 * H });
    expect(presetRange(null, 2 * H, 10 * H, 0)).toEqual({ from: 2 * H, to: 10 * H });
    expect(presetRange(null, 10 * H, 10 * H, 0)).toEqual({ from: 10 * H - 60_000, to: 10 * H });
    expect(presetRange(null, 0, 500 * 24 * H, 0).from).toBe(100 * 24 * H);
  });

  it('points are rates per bucket with silent buckets as zero', () => {
    const pts = historyPoints({
      from: 0,
      to: 4 * 60_000,
      step: 60_000,
      buckets: [
        { t: 60_000, packets: 120, bytes: 6000, protocols: {} },
        { t: 180_000, packets: 60, bytes: 600, protocols: {} },
      ],
    });
    expect(pts).toEqual([
      { t: 0, bytes: 0, packets: 0 },
      { t: 60, bytes: 100, packets: 2 },
      { t: 120, bytes: 0, packets: 0 },
      { t: 180, bytes: 10, packets: 1 },
    ]);
    expect(historyPoints({ from: 5, to: 5, step: 60_000, buckets: [] })).toEqual([]);
    // One protocol's trend: its bytes per bucket, zero where it is absent.
    const udp = historyPoints(
      {
        from: 0,
        to: 2 * 60_000,
        step: 60_000,
        buckets: [
          { t: 0, packets: 60, bytes: 600, protocols: { udp: { packets: 30, bytes: 120 } } },
          { t: 60_000, packets: 60, bytes: 600, protocols: { tcp: { packets: 60, bytes: 600 } } },
        ],
      },
      'udp',
    );
    expect(udp).toEqual([
      { t: 0, bytes: 2, packets: 0.5 },
      { t: 60, bytes: 0, packets: 0 },
    ]);
  });

  it('steps, protocols, kept files and states read as people say them', () => {
    expect([60_000, 900_000, H, 6 * H, 24 * H].map(fmtStep)).toEqual(['1 min', '15 min', '1 h', '6 h', '1 d']);
    expect(protocolRows({ udp: { packets: 1, bytes: 10 }, ip: { packets: 2, bytes: 40 }, eth: { packets: 2, bytes: 40 } }, 40)).toEqual([
      { name: 'eth', packets: 2, bytes: 40, share: 1 },
      { name: 'ip', packets: 2, bytes: 40, share: 1 },
      { name: 'udp', packets: 1, bytes: 10, share: 0.25 },
    ]);
    const row = (s: StoredCapture | undefined, running = false) => ({ running, stored: s }) as Pick<CaptureInfo, 'running' | 'stored'>;
    expect(keptText(row(stored()))).toBe('3 files, 192 kB');
    expect(keptText(row(stored({ files_kept: 1, files_bytes: 100, files_removed: 2 })))).toBe('1 file, 100 B; 2 removed');
    expect(keptText(row(stored({ files_kept: 0, files_bytes: 0 })))).toBe('no files');
    expect(storedState(row(stored({ status: 'interrupted' })))).toBe('interrupted');
    expect(storedState(row(stored({ status: 'running' }), true))).toBe('running');
    expect(storedState(row(stored({ status: 'running' })))).toBe('stopped');
  });

  it('local times round-trip through the inputs', () => {
    const t = new Date(2026, 11, 5, 7, 30).getTime();
    expect(toLocalInput(t)).toBe('2026-12-05T07:30');
    expect(fromLocalInput('2026-12-05T07:30')).toBe(t);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('not a time')).toBeNull();
  });
});
