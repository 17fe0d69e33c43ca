// Tests of a crawl's map: elements, node placement, the saved layout and the device panel.

import { describe, expect, it } from 'vitest';
import { topology } from '../test/results';
import {
  attachments,
  deviceRuns,
  layoutToSave,
  labelBox,
  linkId,
  locateRequest,
  locatedNode,
  placeActions,
  placeText,
  mapCounts,
  mapElements,
  mapStyle,
  nodeState,
  placeNodes,
  type MapColors,
} from './topology';
import { parseRoute } from './router';

describe('map elements', () => {
  it('draws every device with its state and every link with its two ports', () => {
    const t = topology();
    const { nodes, edges } = mapElements(t);
    expect(nodes.map((n) => [n.data.id, n.classes, n.data.display])).toEqual([
      ['s1', 'polled', 's1.lab.test\n198.18.0.161'],
      ['s2', 'unpolled', 's2\n198.18.0.162'],
      ['s3', 'unpolled', 's3\n198.18.0.163'],
      ['198.18.0.200', 'failed', '198.18.0.200'],
    ]);
    expect(edges.map((e) => [e.data.source, e.data.sourcePort, e.data.target, e.data.targetPort, e.classes])).toEqual([
      ['s1', 'swp1', 's2', 'swp1', ''],
      ['s1', 'swp2', 's3', 'swp2', 'one-sided'],
    ]);
    expect(edges[0].data.id).toBe(linkId(t.links[0]));
  });

  it('sizes each node to its label', () => {
    const [w1, h1] = labelBox('s2');
    const [w2, h2] = labelBox('s1.lab.test\n198.18.0.161');
    expect(w2).toBeGreaterThan(w1);
    expect(h2).toBeGreaterThan(h1);
    const { nodes } = mapElements(topology());
    expect([nodes[0].data.w, nodes[0].data.h]).toEqual([w2, h2]);
  });

  it('leaves out links to unlisted devices and keeps parallel links apart', () => {
    const t = topology();
    t.links.push({ source: 's1', source_port: 'swp9', target: 'ghost', target_port: null, protocol: 'cdp', both_ends: false });
    t.links.push({ ...t.links[0] });
    const { edges } = mapElements(t);
    expect(edges).toHaveLength(3);
    expect(new Set(edges.map((e) => e.data.id)).size).toBe(3);
  });

  it('counts devices by state', () => {
    expect(mapCounts(topology())).toEqual({ nodes: 4, polled: 1, failed: 1, links: 2 });
    expect(nodeState({ ...topology().nodes[0], error: 'timeout' })).toBe('failed');
  });

  it('styles the map in the theme colours', () => {
    const c: MapColors = {
      text: '#d3d9df',
      muted: '#8a949e',
      bg: '#0f1215',
      panel: '#161a1e',
      panel2: '#1c2126',
      border: '#3a434c',
      accent: '#5ea2ff',
      bad: '#f26b64',
      badBg: '#3b1b1b',
      mono: 'monospace',
    };
    const style = mapStyle(c) as { selector: string; style: Record<string, unknown> }[];
    const of = (sel: string) => style.find((s) => s.selector === sel)?.style;
    expect(of('node')).toMatchObject({ color: c.text, 'border-style': 'solid', width: 'data(w)' });
    const quoted = mapStyle({ ...c, mono: "ui-monospace, 'DejaVu Sans Mono', monospace" }) as typeof style;
    expect(quoted[0].style['font-family']).toBe('ui-monospace, "DejaVu Sans Mono", monospace');
    expect(of('node.unpolled')).toMatchObject({ 'border-style': 'dashed' });
    expect(of('node.failed')).toMatchObject({ 'border-color': c.bad });
    expect(of('edge')).toMatchObject({ 'source-label': 'data(sourcePort)', 'target-label': 'data(targetPort)' });
  });
});

describe('placing nodes', () => {
  const links = topology().links;
  const ids = ['s1', 's2', 's3', '198.18.0.200'];

  it('asks for an automatic layout when nothing is placed', () => {
    expect(placeNodes(ids, links, {})).toEqual({ positions: {}, auto: true });
    expect(placeNodes(ids, links, { elsewhere: { x: 1, y: 1 } }).auto).toBe(true);
    expect(placeNodes([], links, {}).auto).toBe(false);
  });

  it('keeps known positions and puts new devices beside their neighbours', () => {
    const { positions, auto } = placeNodes(ids, links, { s1: { x: 100, y: 100 } });
    expect(auto).toBe(false);
    expect(positions.s1).toEqual({ x: 100, y: 100 });
    for (const id of ['s2', 's3']) {
      const d = Math.hypot(positions[id].x - 100, positions[id].y - 100);
      expect(d).toBeGreaterThan(100);
      expect(d).toBeLessThan(200);
    }
    expect(positions.s2).not.toEqual(positions.s3);
    // linked to nothing placed: a column right of the rest
    expect(positions['198.18.0.200'].x).toBeGreaterThan(Math.max(positions.s1.x, positions.s2.x, positions.s3.x));
  });

  it('places chains hop by hop', () => {
    const chain = [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
    ];
    const { positions } = placeNodes(['a', 'b', 'c'], chain, { a: { x: 0, y: 0 } });
    expect(Object.keys(positions).sort()).toEqual(['a', 'b', 'c']);
    expect(Math.hypot(positions.c.x - positions.b.x, positions.c.y - positions.b.y)).toBeCloseTo(170, 0);
  });
});

describe('saving the layout', () => {
  it('keeps other maps\' devices and rounds this map\'s positions', () => {
    const saved = { r9: { x: 5, y: 5 }, s1: { x: 0, y: 0 } };
    expect(layoutToSave(saved, { s1: { x: 10.04, y: -3.96 }, s2: { x: 1, y: 2 } })).toEqual({
      r9: { x: 5, y: 5 },
      s1: { x: 10, y: -4 },
      s2: { x: 1, y: 2 },
    });
    expect(saved.s1).toEqual({ x: 0, y: 0 });
  });
});

describe('the device panel', () => {
  it('lists a device\'s links from its side, by port', () => {
    const t = topology();
    expect(attachments('s1', t.links).map((a) => `${a.port}>${a.peer}:${a.peerPort}`)).toEqual(['swp1>s2:swp1', 'swp2>s3:swp2']);
    expect(attachments('s3', t.links)).toEqual([{ port: 'swp2', peer: 's1', peerPort: 'swp2', protocol: 'lldp', bothEnds: false }]);
    expect(attachments('198.18.0.200', t.links)).toEqual([]);
  });

  it('offers new runs at the device, SNMP with the profile that answered it', () => {
    const [s1, s2] = topology().nodes;
    const runs = deviceRuns(s1);
    expect(runs.map((r) => r.label)).toEqual(['ping', 'trace', 'interfaces', 'neighbours', 'ARP', 'FDB', 'system', 'SSH']);
    expect(parseRoute(runs[5].href)).toEqual({ name: 'new', kind: 'snmp', params: { targets: '198.18.0.161', op: 'fdb', profiles: 'lab' } });
    expect(parseRoute(runs[0].href)).toEqual({ name: 'new', kind: 'ping', params: { targets: '198.18.0.161' } });
    expect(parseRoute(runs[2].href)).toEqual({
      name: 'new',
      kind: 'snmp',
      params: { targets: '198.18.0.161', op: 'interfaces', rate: '5s', profiles: 'lab' },
    });
    expect(parseRoute(deviceRuns(s2)[3].href)).toEqual({ name: 'new', kind: 'snmp', params: { targets: '198.18.0.162', op: 'neighbors' } });
    expect(deviceRuns({ ...s2, credential: 'options' })[3].href).not.toContain('profiles');
    expect(deviceRuns({ ...s2, addr: null })).toEqual([]);
  });

  it('opens an SSH terminal at the device, in the crawl\'s namespace', () => {
    const [s1, s2] = topology().nodes;
    const ssh = (n: typeof s1, netns?: string) => deviceRuns(n, netns).find((r) => r.label === 'SSH')?.href ?? '';
    expect(parseRoute(ssh(s1, 'wsl-c'))).toEqual({ name: 'terminal', params: { target: '198.18.0.161', netns: 'wsl-c', profile: 'lab' } });
    expect(parseRoute(ssh(s2))).toEqual({ name: 'terminal', params: { target: '198.18.0.162' } });
  });
});

describe('the map search (locate)', () => {
  const place = {
    device: 's1.lab.test',
    device_addr: '198.18.0.161',
    mac: '02:57:53:00:48:11',
    vlan: 20,
    interface: 'ge1',
    if_index: 7,
    alias: 'desk 4.12',
    macs_on_port: 1,
    edge: true,
  };
  const located = { query: '198.18.48.11', ips: ['198.18.48.11'], macs: [place.mac], found: [place], seen: [], devices: 2, failed: [], note: null };

  it('crawls the map again with its profiles, reading ARP and forwarding tables', () => {
    const run = { kind: 'snmp', targets_text: '198.18.0.171', options: { op: 'topology', depth: 1, profiles: ['lab'] }, net: { netns: 'wsl-c' } };
    expect(locateRequest(run as never)).toEqual({
      kind: 'snmp',
      targets_text: '198.18.0.171',
      options: { op: 'locate', depth: 1, profiles: ['lab'] },
      net: { netns: 'wsl-c' },
    });
    // Its own credentials are not kept: it cannot run again as it was.
    expect(locateRequest({ ...run, options: { op: 'topology' } } as never)).toBeNull();
    expect(locateRequest({ ...run, kind: 'ping' } as never)).toBeNull();
  });

  it('finds the node of a place, says it and offers what to do there', () => {
    const t = topology();
    expect(locatedNode(place, t)?.id).toBe('s1');
    expect(locatedNode({ device: 'nowhere', device_addr: '198.18.0.162' }, t)?.id).toBe('s2');
    expect(locatedNode({ device: 's3.lab.test', device_addr: null }, t)?.id).toBe('s3');
    expect(locatedNode({ device: 'x', device_addr: null }, t)).toBeNull();
    expect(placeText(place)).toBe("s1.lab.test ge1 vlan 20 'desk 4.12'");
    const actions = placeActions(place, located, ['lab'], 'wsl-c');
    expect(actions.map((a) => a.label)).toEqual(['terminal', 'interface', 'ping']);
    expect(parseRoute(actions[1].href)).toEqual({
      name: 'new',
      kind: 'snmp',
      params: { targets: '198.18.0.161', op: 'interfaces', rate: '5s', profiles: 'lab' },
    });
    expect(parseRoute(actions[2].href)).toEqual({ name: 'new', kind: 'ping', params: { targets: '198.18.48.11' } });
    expect(actions[0].href).toContain('target=198.18.0.161');
    expect(placeActions({ ...place, device_addr: null }, { ...located, ips: [] }, [], '')).toEqual([]);
  });
});
