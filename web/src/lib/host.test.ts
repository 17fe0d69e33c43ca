import { describe, expect, it } from 'vitest';
import { busiest, ifaceCounter, merge, rates, series } from './host';
import type { HostSample } from './types';

const iface = (name: string, rx: number, tx: number) => ({
  name,
  rx_bytes: rx,
  tx_bytes: tx,
  rx_packets: 0,
  tx_packets: 0,
  rx_errors: 0,
  tx_errors: 0,
  rx_drops: 0,
  tx_drops: 0,
});

const sample = (t: number, ifaces: ReturnType<typeof iface>[], cpu = 10): HostSample => ({
  t,
  cpu,
  cores: [cpu],
  load: [0, 0, 0],
  memory: { total: 100, used: 40, available: 60 },
  swap: { total: 0, used: 0, available: 0 },
  disks: [],
  interfaces: ifaces,
});

describe('host samples', () => {
  const samples = [
    sample(10_000, [iface('lo', 0, 0), iface('eth0', 1000, 0)]),
    sample(20_000, [iface('lo', 50, 50), iface('eth0', 11_000, 500)]),
    sample(30_000, [iface('lo', 60, 60), iface('eth0', 100, 0)]),
    sample(40_000, [iface('lo', 70, 70), iface('eth0', 1100, 0)]),
  ];

  it('gives a value per sample in seconds', () => {
    expect(series(samples, (s) => s.cpu).map((b) => [b.t, b.bytes])).toEqual([
      [10, 10],
      [20, 10],
      [30, 10],
      [40, 10],
    ]);
  });

  it('turns counters into rates and skips a counter that went back', () => {
    expect(rates(samples, ifaceCounter('eth0', 'rx_bytes')).map((b) => [b.t, b.bytes])).toEqual([
      [20, 1000],
      [40, 100],
    ]);
    expect(rates(samples, ifaceCounter('gone0', 'rx_bytes'))).toEqual([]);
  });

  it('finds the busiest interface, loopback only when alone', () => {
    expect(busiest(samples)).toBe('eth0');
    expect(busiest([sample(1, [iface('lo', 0, 0)]), sample(2, [iface('lo', 9, 9)])])).toBe('lo');
    expect(busiest([])).toBeNull();
  });

  it('keeps each time once and the newest only', () => {
    const kept = merge(samples.slice(0, 2), samples.slice(1), 3);
    expect(kept.map((s) => s.t)).toEqual([20_000, 30_000, 40_000]);
  });
});
