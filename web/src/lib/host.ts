// The Host page's arithmetic: samples of the server's machine (every 10 s, cumulative interface
// counters) turned into chart points, rates per second, the busiest interface, and the samples
// kept as new ones come in.

import type { Bucket, HostSample } from './types';

/** Samples the page keeps (six hours at 10 s, as the server does). */
export const KEEP = 2160;

/** A value of each sample, as the area chart draws it (`t` in seconds). */
export function series(samples: HostSample[], value: (s: HostSample) => number): Bucket[] {
  return samples.map((s) => ({ t: Math.round(s.t / 1000), bytes: value(s), packets: 0 }));
}

/**
 * Per-second rates of a cumulative counter between consecutive samples. A sample without the
 * counter, or one where it went back (the interface was made again), gives no point.
 */
export function rates(samples: HostSample[], counter: (s: HostSample) => number | undefined): Bucket[] {
  const out: Bucket[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [counter(samples[i - 1]), counter(samples[i])];
    const dt = (samples[i].t - samples[i - 1].t) / 1000;
    if (a === undefined || b === undefined || b < a || dt <= 0) continue;
    out.push({ t: Math.round(samples[i].t / 1000), bytes: (b - a) / dt, packets: 0 });
  }
  return out;
}

/** An interface's counter in a sample, if the sample has the interface. */
export function ifaceCounter(
  name: string,
  key: 'rx_bytes' | 'tx_bytes' | 'rx_packets' | 'tx_packets' | 'rx_errors' | 'tx_errors' | 'rx_drops' | 'tx_drops',
): (s: HostSample) => number | undefined {
  return (s) => s.interfaces.find((i) => i.name === name)?.[key];
}

/** The interface that moved the most bytes over the samples (loopback only when alone). */
export function busiest(samples: HostSample[]): string | null {
  if (samples.length === 0) return null;
  const first = samples[0];
  const last = samples[samples.length - 1];
  let best: string | null = null;
  let most = -1;
  for (const i of last.interfaces) {
    const before = first.interfaces.find((x) => x.name === i.name);
    const moved = before ? i.rx_bytes + i.tx_bytes - before.rx_bytes - before.tx_bytes : 0;
    const score = i.name === 'lo' ? -0.5 : moved;
    if (score > most) {
      most = score;
      best = i.name;
    }
  }
  return best;
}

/** The samples kept once `fresh` came: in time order, each time once, the newest `keep`. */
export function merge(kept: HostSample[], fresh: HostSample[], keep = KEEP): HostSample[] {
  const last = kept.length ? kept[kept.length - 1].t : -Infinity;
  const all = kept.concat(fresh.filter((s) => s.t > last));
  return all.length > keep ? all.slice(all.length - keep) : all;
}
