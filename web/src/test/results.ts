// Result objects shaped as the CLI's NDJSON (README examples), for the unit tests.

import type { DnsResult, PingResult, ProbeKind, ScanResult, SnmpResult, SshResult, Summary, Topology, TraceResult } from '../lib/types';

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

/** `echo $SSH_CONNECTION` run on a lab address as wsl-pw: exit 0. */
export function ssh(target: string, over: Partial<SshResult> = {}): SshResult {
  return {
    kind: 'ssh',
    target,
    addr: target,
    port: 22,
    user: 'wsl-pw',
    command: 'echo $SSH_CONNECTION',
    exit_status: 0,
    stdout: `198.18.0.10 40022 ${target} 22\n`,
    stderr: '',
    truncated: false,
    elapsed_ms: 61.2,
    auth: 'password',
    host_key: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:VmS1Qm0k2vC9zJbq3Yb3m4x0oQ4lWw3v6kq0m8s2zrE', added: false },
    error: null,
    error_kind: null,
    ...over,
  };
}

/** A device whose host key is not on record (the run did not accept new keys). */
export function sshUnknownKey(target: string): SshResult {
  return ssh(target, {
    exit_status: null,
    stdout: '',
    auth: null,
    host_key: null,
    error: `${target}:22: unknown host key ssh-ed25519 SHA256:VmS1Qm0k2vC9zJbq3Yb3m4x0oQ4lWw3v6kq0m8s2zrE: check it and accept it (--accept-new-host-keys on the CLI, the prompt in the dashboard)`,
    error_kind: 'host_key_unknown',
  });
}

/** An SNMP get of sysName.0 and sysDescr.0 from the lab's switch s1. */
export function snmp(target: string, over: Partial<SnmpResult> = {}): SnmpResult {
  return {
    kind: 'snmp',
    target,
    addr: target,
    varbinds: [
      { oid: '.1.3.6.1.2.1.1.5.0', name: 'SNMPv2-MIB::sysName.0', type: 'STRING', value: 's1.lab.test' },
      { oid: '.1.3.6.1.2.1.1.1.0', name: 'SNMPv2-MIB::sysDescr.0', type: 'STRING', value: 'wirescope-lab-switch-s1' },
    ],
    elapsed_ms: 2.427,
    error: null,
    ...over,
  };
}

/** What a topology crawl reads from s1: its device and its two LLDP neighbours. */
export function snmpDevice(over: Partial<SnmpResult> = {}): SnmpResult {
  return snmp('198.18.0.161', {
    varbinds: [],
    neighbors: [
      {
        protocol: 'lldp',
        local_port: 'swp1',
        remote_name: 's2',
        remote_port: 'swp1',
        remote_port_desc: 'swp1',
        chassis_id: '02:57:53:00:02:01',
        mgmt_addr: '198.18.0.162',
        platform: 'wirescope-lab-switch-s2',
        capabilities: 'bridge',
      },
      {
        protocol: 'lldp',
        local_port: 'swp2',
        remote_name: 's3',
        remote_port: 'swp2',
        remote_port_desc: 'swp2',
        chassis_id: '02:57:53:00:03:01',
        mgmt_addr: '198.18.0.163',
        platform: 'wirescope-lab-switch-s3',
        capabilities: 'bridge',
      },
    ],
    device: {
      name: 's1.lab.test',
      descr: 'wirescope-lab-switch-s1',
      object_id: '.1.3.6.1.4.1.8072.3.2.10',
      chassis_id: '02:57:53:00:01:01',
      lldp_name: 's1',
      credential: 'lab',
      depth: 0,
    },
    elapsed_ms: 8.361,
    ...over,
  });
}

/** The map of a crawl from s1 at depth 0: s1 polled, s2 and s3 only seen, a seed that failed. */
export function topology(): Topology {
  const node = (id: string, over: Partial<Topology['nodes'][number]> = {}) => ({
    id,
    label: id,
    addr: null,
    polled: false,
    descr: null,
    object_id: null,
    chassis_id: null,
    platform: null,
    capabilities: null,
    credential: null,
    depth: null,
    error: null,
    ...over,
  });
  return {
    nodes: [
      node('s1', { label: 's1.lab.test', addr: '198.18.0.161', polled: true, credential: 'lab', depth: 0 }),
      node('s2', { addr: '198.18.0.162', platform: 'wirescope-lab-switch-s2' }),
      node('s3', { addr: '198.18.0.163' }),
      node('198.18.0.200', { addr: '198.18.0.200', error: 'no response after 1 attempts in 0.3 s' }),
    ],
    links: [
      { source: 's1', source_port: 'swp1', target: 's2', target_port: 'swp1', protocol: 'lldp', both_ends: true },
      { source: 's1', source_port: 'swp2', target: 's3', target_port: 'swp2', protocol: 'lldp', both_ends: false },
    ],
    components: 2,
  };
}

/**
 * A run's closing summary: its fixed fields and per-kind counts (typed by a cast: no object
 * literal fits the document's Summary, whose counts' index signature also covers the fixed fields).
 */
export function summary(
  probe: ProbeKind,
  fixed: Pick<Summary, 'targets' | 'completed' | 'elapsed_ms' | 'cancelled'>,
  counts: Record<string, number>,
): Summary {
  return { kind: 'summary', probe, ...fixed, ...counts } as Summary;
}
