// Tests of the Agents page's helpers: state, capabilities, the start command.

import { describe, expect, it } from 'vitest';
import { agentCommand, agentState, capabilityLabels, capabilityTitle } from './agents';

describe('agents', () => {
  it('says whether an agent is online, offline or revoked (revoked wins)', () => {
    expect(agentState({ online: true, revoked_at: null })).toBe('online');
    expect(agentState({ online: false, revoked_at: null })).toBe('offline');
    expect(agentState({ online: true, revoked_at: 5 })).toBe('revoked');
  });

  it('labels what an agent said it can do, and ignores what it did not say', () => {
    const caps = { raw_sockets: true, netns: 'wsl-alt', namespaces: ['wsl-alt', 'wsl-c'], interfaces: ['lo'] };
    expect(capabilityLabels(caps)).toEqual(['raw sockets', 'netns wsl-alt', '1 interface', '2 namespaces']);
    expect(capabilityTitle(caps)).toBe('interfaces: lo\nnamespaces: wsl-alt, wsl-c');
    expect(capabilityLabels({ raw_sockets: false, namespaces: [], interfaces: [] })).toEqual(['no raw sockets']);
    expect(capabilityLabels(null)).toEqual([]);
    expect(capabilityLabels('raw')).toEqual([]);
    expect(capabilityTitle(undefined)).toBe('');
  });

  it('gives a start command with the token in the environment, quoted for the shell', () => {
    expect(agentCommand('https://ws.example.net:8080', 'branch-1', 'wsa_abc')).toBe(
      'WIRESCOPE_AGENT_TOKEN=wsa_abc wirescope agent --server https://ws.example.net:8080 --site branch-1',
    );
    expect(agentCommand('http://h', "o'brien site", 'wsa_x')).toBe(
      "WIRESCOPE_AGENT_TOKEN=wsa_x wirescope agent --server http://h --site 'o'\\''brien site'",
    );
  });
});
