// Result objects shaped as the CLI's NDJSON (README examples), for the unit tests.

import type { DnsResult, PingResult, ScanResult, TraceResult } from '../lib/types';

export function ping(target: string, over: Partial<PingResult> = {}): PingResult {
  return {
    kind: 'ping',
    target,
    addr: target,
    alive: true,
    sent: 1,
    received: 1,
    loss_pct: 0,
    rtt_ms: { min: 0.053, avg: 0.053, max: 0.053, stddev: 0 },
    rtts_ms: [0.053],
    error: null,
    ...over,
  };
}

export function deadPing(target: string): PingResult {
  return ping(target, { alive: false, received: 0, loss_pct: 100, rtt_ms: null, rtts_ms: [null] });
}

export function trace(target: string, over: Partial<TraceResult> = {}): TraceResult {
  return {
    kind: 'trace',
    target,
    addr: '198.18.3.1',
    protocol: 'icmp',
    reached: true,
    hops: [
      { ttl: 1, addr: '198.18.0.1', name: 'r1.lab.test', addrs: ['198.18.0.1'], rtt_ms: [0.041, 0.012, 0.009], loss_pct: 0 },
      { ttl: 2, addr: '198.18.2.6', addrs: ['198.18.2.6', '198.18.2.2'], rtt_ms: [0.02, null, 0.011], loss_pct: 33.3 },
      { ttl: 3, addr: '198.18.2.14', addrs: ['198.18.2.14'], rtt_ms: [0.095, 0.013, 0.087], loss_pct: 0 },
      { ttl: 4, addr: '198.18.3.1', name: 'd.lab.test', addrs: ['198.18.3.1'], rtt_ms: [0.061, 0.013, 0.019], loss_pct: 0 },
    ],
    error: null,
    ...over,
  };
}

export function dns(name: string, over: Partial<DnsResult> = {}): DnsResult {
  return {
    kind: 'dns',
    target: name,
    addr: '198.18.0.53',
    name,
    type: 'MX',
    rcode: 'NOERROR',
    answers: ['10 mail.lab.test.'],
    records: [{ name: `${name}.`, type: 'MX', ttl: 300, data: '10 mail.lab.test.' }],
    elapsed_ms: 0.214,
    server: '198.18.0.53:53',
    transport: 'udp',
    error: null,
    ...over,
  };
}

export function scan(target: string, over: Partial<ScanResult> = {}): ScanResult {
  return {
    kind: 'scan',
    target,
    addr: target,
    open: [22, 80],
    closed: 3,
    filtered: 1,
    banners: { '22': 'SSH-2.0-OpenSSH_9.2p1 wirescope-lab' },
    services: { '22': 'ssh', '80': 'http' },
    elapsed_ms: 2010.5,
    method: 'syn',
    error: null,
    ...over,
  };
}
