// The topology map's plain logic: a run's map as cytoscape elements, the map's style in the
// theme's colours, where nodes go (on screen, saved, beside their neighbours), what is saved,
// and what the node panel offers (its links, new runs and an SSH terminal at the device); the
// map's search: a locate crawl over the map's devices, the port found on the map, what to do there.

import type cytoscape from 'cytoscape';
import { href } from './router';
import { runOptions, type CreateRun, type Located, type LocatedPlace, type Point, type RunInfo, type Topology, type TopologyLink, type TopologyNode } from './types';

/** polled: read over SNMP; unpolled: only seen as a neighbour; failed: polled without an answer. */
export type NodeState = 'polled' | 'unpolled' | 'failed';

export function nodeState(n: TopologyNode): NodeState {
  if (n.error) return 'failed';
  return n.polled ? 'polled' : 'unpolled';
}

/** A link's id, stable across refreshes of a running crawl. */
export function linkId(l: TopologyLink): string {
  return `${l.source}:${l.source_port}~${l.target}:${l.target_port ?? ''}`;
}

/** Node labels: monospace at FONT_PX, so a label's size follows from its characters. */
export const FONT_PX = 11;
const CHAR_PX = FONT_PX * 0.62;
const LINE_PX = FONT_PX * 1.3;

/** A node's box for its label: [width, height] in map pixels, padding included. */
export function labelBox(text: string): [number, number] {
  const lines = text.split('\n');
  const longest = Math.max(...lines.map((l) => l.length));
  return [Math.ceil(longest * CHAR_PX) + 18, Math.ceil(lines.length * LINE_PX) + 12];
}

/** Nodes and edges for cytoscape; links to devices the map does not list are left out. */
export function mapElements(t: Topology): { nodes: cytoscape.ElementDefinition[]; edges: cytoscape.ElementDefinition[] } {
  const ids = new Set(t.nodes.map((n) => n.id));
  const nodes = t.nodes.map((n) => {
    const display = n.addr && n.addr !== n.label ? `${n.label}\n${n.addr}` : n.label;
    const [w, h] = labelBox(display);
    return { group: 'nodes' as const, data: { id: n.id, display, w, h, state: nodeState(n) }, classes: nodeState(n) };
  });
  const seen = new Set<string>();
  const edges: cytoscape.ElementDefinition[] = [];
  for (const l of t.links) {
    if (!ids.has(l.source) || !ids.has(l.target)) continue;
    let id = linkId(l);
    for (let i = 2; seen.has(id); i++) id = `${linkId(l)}#${i}`;
    seen.add(id);
    edges.push({
      group: 'edges',
      data: {
        id,
        source: l.source,
        target: l.target,
        sourcePort: l.source_port,
        targetPort: l.target_port ?? '?',
        protocol: l.protocol,
      },
      classes: l.both_ends ? '' : 'one-sided',
    });
  }
  return { nodes, edges };
}

/** The theme colours the map is drawn in (read from the page's CSS variables). */
export interface MapColors {
  text: string;
  muted: string;
  bg: string;
  panel: string;
  panel2: string;
  border: string;
  accent: string;
  bad: string;
  badBg: string;
  mono: string;
}

/** A CSS font list as cytoscape takes it (double quotes only). */
const fontFamily = (css: string) => css.replace(/'/g, '"');

export function mapStyle(c: MapColors): cytoscape.StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        label: 'data(display)',
        'text-wrap': 'wrap',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-family': fontFamily(c.mono),
        'font-size': FONT_PX,
        color: c.text,
        width: 'data(w)',
        height: 'data(h)',
        'background-color': c.panel2,
        'border-width': 1.5,
        'border-color': c.border,
        'border-style': 'solid',
      },
    },
    { selector: 'node.unpolled', style: { 'border-style': 'dashed', color: c.muted, 'background-color': c.panel, opacity: 0.7 } },
    { selector: 'node.failed', style: { 'border-color': c.bad, color: c.bad, 'background-color': c.badBg } },
    { selector: 'node:selected', style: { 'border-color': c.accent, 'border-width': 2.5, opacity: 1 } },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'curve-style': 'bezier',
        'line-color': c.border,
        'source-label': 'data(sourcePort)',
        'target-label': 'data(targetPort)',
        'source-text-offset': 34,
        'target-text-offset': 34,
        'font-family': fontFamily(c.mono),
        'font-size': 10,
        color: c.muted,
        'text-background-color': c.bg,
        'text-background-opacity': 0.85,
        'text-background-padding': '1px',
      },
    },
    { selector: 'edge.one-sided', style: { 'line-style': 'dashed' } },
    { selector: 'edge:selected', style: { 'line-color': c.accent, color: c.text } },
  ];
}

const RING = 170;
const GOLDEN = Math.PI * (3 - Math.sqrt(5));

/**
 * Where each node goes, given the positions known (on screen or saved): a known position is
 * kept, a new node goes beside the placed devices it is linked to, a node linked to none goes in
 * a column right of the rest. `auto` when no node has a position yet: an automatic layout places
 * them all.
 */
export function placeNodes(
  ids: string[],
  links: Pick<TopologyLink, 'source' | 'target'>[],
  known: Record<string, Point>,
): { positions: Record<string, Point>; auto: boolean } {
  const positions: Record<string, Point> = {};
  for (const id of ids) if (known[id]) positions[id] = { ...known[id] };
  if (!Object.keys(positions).length) return { positions, auto: ids.length > 0 };

  const peers = new Map<string, string[]>();
  for (const l of links) {
    peers.set(l.source, [...(peers.get(l.source) ?? []), l.target]);
    peers.set(l.target, [...(peers.get(l.target) ?? []), l.source]);
  }
  const around = new Map<string, number>();
  let pending = ids.filter((id) => !positions[id]);
  for (let progress = true; pending.length && progress; ) {
    progress = false;
    const next: string[] = [];
    for (const id of pending) {
      const anchors = (peers.get(id) ?? []).filter((p) => positions[p]);
      if (!anchors.length) {
        next.push(id);
        continue;
      }
      const cx = anchors.reduce((s, p) => s + positions[p].x, 0) / anchors.length;
      const cy = anchors.reduce((s, p) => s + positions[p].y, 0) / anchors.length;
      const key = anchors.slice().sort().join('|');
      const k = around.get(key) ?? 0;
      around.set(key, k + 1);
      const angle = Math.PI / 2 + k * GOLDEN;
      positions[id] = { x: Math.round(cx + RING * Math.cos(angle)), y: Math.round(cy + RING * Math.sin(angle)) };
      progress = true;
    }
    pending = next;
  }
  if (pending.length) {
    const placed = Object.values(positions);
    const right = Math.max(...placed.map((p) => p.x)) + RING + 60;
    const top = Math.min(...placed.map((p) => p.y));
    pending.forEach((id, i) => (positions[id] = { x: right, y: top + i * 60 }));
  }
  return { positions, auto: false };
}

/** The layout to save: every saved position (other maps' devices too) with this map's over them. */
export function layoutToSave(saved: Record<string, Point>, current: Record<string, Point>): Record<string, Point> {
  const out: Record<string, Point> = { ...saved };
  for (const [id, p] of Object.entries(current)) out[id] = { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 };
  return out;
}

export interface Attachment {
  /** This device's port. */
  port: string;
  peer: string;
  peerPort: string;
  protocol: string;
  bothEnds: boolean;
}

/** A device's links as seen from it, by port. */
export function attachments(id: string, links: TopologyLink[]): Attachment[] {
  const out: Attachment[] = [];
  for (const l of links) {
    if (l.source === id)
      out.push({ port: l.source_port, peer: l.target, peerPort: l.target_port ?? '?', protocol: l.protocol, bothEnds: l.both_ends });
    else if (l.target === id)
      out.push({ port: l.target_port ?? '?', peer: l.source, peerPort: l.source_port, protocol: l.protocol, bothEnds: l.both_ends });
  }
  return out.sort((a, b) => a.port.localeCompare(b.port, undefined, { numeric: true }));
}

/**
 * New runs at a device, prefilled in the New-run form (SNMP with the profile that answered it),
 * and an SSH terminal at it in the crawl's namespace.
 */
export function deviceRuns(n: TopologyNode, netns = ''): { label: string; href: string; title: string }[] {
  if (!n.addr) return [];
  const targets = n.addr;
  const snmp = (op: string, extra: Record<string, string> = {}) => {
    const params: Record<string, string> = { targets, op, ...extra };
    if (n.credential && n.credential !== 'options') params.profiles = n.credential;
    return href.new('snmp', params);
  };
  return [
    { label: 'ping', href: href.new('ping', { targets }), title: `ping ${targets}` },
    { label: 'trace', href: href.new('trace', { targets }), title: `trace the path to ${targets}` },
    { label: 'interfaces', href: snmp('interfaces', { rate: '5s' }), title: 'SNMP: interfaces with bit rates' },
    { label: 'neighbours', href: snmp('neighbors'), title: 'SNMP: LLDP/CDP neighbours' },
    { label: 'ARP', href: snmp('arp'), title: 'SNMP: the ARP table' },
    { label: 'FDB', href: snmp('fdb'), title: 'SNMP: the forwarding database (MAC addresses by port and VLAN)' },
    { label: 'system', href: snmp('walk', { oids: 'system' }), title: 'SNMP: walk the system group' },
    {
      label: 'SSH',
      href: href.terminal({ target: targets, netns, profile: n.credential && n.credential !== 'options' ? n.credential : '' }),
      title: `open an SSH terminal at ${targets}`,
    },
  ];
}

/** Counts for the map's toolbar. */
export function mapCounts(t: Topology): { nodes: number; polled: number; failed: number; links: number } {
  let polled = 0;
  let failed = 0;
  for (const n of t.nodes) {
    const s = nodeState(n);
    if (s === 'polled') polled++;
    else if (s === 'failed') failed++;
  }
  return { nodes: t.nodes.length, polled, failed, links: t.links.length };
}

/**
 * The locate crawl a map's search starts: the map's run again (its seeds, depth, profiles and
 * network), reading ARP tables and forwarding databases too. Null when the run used credentials
 * the server does not keep (no profile): they would have to be typed again.
 */
export function locateRequest(run: Pick<RunInfo, 'kind' | 'targets_text' | 'options' | 'net'>): CreateRun | null {
  if (run.kind !== 'snmp') return null;
  const o = runOptions(run) as Record<string, unknown>;
  const profiles = o.profiles;
  if (!Array.isArray(profiles) || !profiles.length) return null;
  return { kind: 'snmp', targets_text: run.targets_text, options: { ...o, op: 'locate' }, net: run.net } as CreateRun;
}

/** The map's node of a place: the device by its name, else by its address. */
export function locatedNode(p: Pick<LocatedPlace, 'device' | 'device_addr'>, t: Topology): TopologyNode | null {
  const short = (s: string) => s.split('.')[0].toLowerCase();
  return (
    t.nodes.find((n) => n.label === p.device || n.id === p.device) ??
    t.nodes.find((n) => !!p.device_addr && n.addr === p.device_addr) ??
    t.nodes.find((n) => short(n.label) === short(p.device)) ??
    null
  );
}

/** A place as people read it: "as1.lab.test ge1 vlan 20 'desk 4.12'". */
export function placeText(p: LocatedPlace): string {
  return `${p.device} ${p.interface}${p.vlan != null ? ` vlan ${p.vlan}` : ''}${p.alias ? ` '${p.alias}'` : ''}`;
}

/** What to do at a place found: a terminal on the switch, its interfaces, a ping of the host. */
export function placeActions(p: LocatedPlace, l: Located, profiles: string[], netns = ''): { label: string; href: string; title: string }[] {
  const out: { label: string; href: string; title: string }[] = [];
  if (p.device_addr) {
    out.push({
      label: 'terminal',
      href: href.terminal({ target: p.device_addr, netns, profile: '' }),
      title: `an SSH terminal on ${p.device}`,
    });
    const params: Record<string, string> = { targets: p.device_addr, op: 'interfaces', rate: '5s' };
    if (profiles.length) params.profiles = profiles.join(',');
    out.push({ label: 'interface', href: href.new('snmp', params), title: `${p.device}'s interfaces (${p.interface} among them), with rates` });
  }
  const host = l.ips[0];
  if (host) out.push({ label: 'ping', href: href.new('ping', { targets: host }), title: `ping ${host}` });
  return out;
}
