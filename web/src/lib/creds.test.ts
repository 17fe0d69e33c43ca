// Tests of the credential profile form: fields shown, the PUT body, how a profile reads.

import { describe, expect, it } from 'vitest';
import { PROFILE_FIELDS, describeProfile, emptyProfile, profileBody, profileSecrets, profileValues, sshSecrets } from './creds';
import { visibleFields } from './form';
import type { ProfileInfo } from './types';

const v2c: ProfileInfo = {
  name: 'lab',
  snmp: { version: '2c', user: null, level: null, auth_protocol: null, priv_protocol: null },
  community: 'set',
  auth_password: 'not set',
  priv_password: 'not set',
};
const v3: ProfileInfo = {
  name: 'core-v3',
  snmp: { version: '3', user: 'wsl-sha-aes', level: 'authPriv', auth_protocol: 'SHA', priv_protocol: 'AES' },
  community: 'not set',
  auth_password: 'set',
  priv_password: 'set',
};

describe('profile form', () => {
  it('shows the community for v1/v2c, the USM fields for v3', () => {
    const keys = (over: Record<string, string>) => visibleFields(PROFILE_FIELDS, { ...emptyProfile(), ...over }).map((f) => f.key);
    expect(keys({})).toEqual(['version', 'community', 'ssh_user']);
    expect(keys({ version: '3' })).toEqual([
      'version',
      'user',
      'level',
      'auth_protocol',
      'auth_password',
      'priv_protocol',
      'priv_password',
      'ssh_user',
    ]);
    expect(keys({ ssh_user: 'netops' })).toEqual([
      'version',
      'community',
      'ssh_user',
      'ssh_password',
      'ssh_key_passphrase',
      'ssh_enable_secret',
      'ssh_private_key',
    ]);
  });

  it('sends a new v2c profile with its community', () => {
    expect(profileBody(' lab ', { ...emptyProfile(), community: 'wslpublic' }, null)).toEqual({
      body: { version: '2c', community: 'wslpublic' },
      errors: {},
    });
  });

  it('sends a v3 profile\'s settings, and only the secrets typed', () => {
    const values = { ...profileValues(v3), auth_password: 'new-auth' };
    expect(profileBody('core-v3', values, v3)).toEqual({
      body: { version: '3', user: 'wsl-sha-aes', level: 'authPriv', auth_protocol: 'SHA', auth_password: 'new-auth', priv_protocol: 'AES' },
      errors: {},
    });
  });

  it('needs a name, a v3 user, and the secrets a new profile uses', () => {
    expect(profileBody('', emptyProfile(), null).errors).toEqual({
      name: 'a name, e.g. core-v3',
      community: 'the community is needed',
    });
    expect(profileBody('bad name', { ...emptyProfile(), community: 'x' }, null).errors).toEqual({
      name: "letters, digits, '.', '_' and '-', at most 64",
    });
    expect(profileBody('x'.repeat(65), { ...emptyProfile(), community: 'x' }, null).errors.name).toBeDefined();
    expect(profileBody('n', { ...emptyProfile(), version: '3', level: 'noAuthNoPriv' }, null).errors).toEqual({
      user: 'an SNMPv3 profile needs a user',
    });
    // replacing v2c with v3: the v3 passwords are not stored yet
    expect(profileBody('lab', { ...emptyProfile(), version: '3', user: 'u' }, v2c).errors).toEqual({
      auth_password: 'the auth password is needed (none is stored)',
      priv_password: 'the priv password is needed (none is stored)',
    });
  });

  it('fills the form from a stored profile without its secrets', () => {
    expect(profileValues(v3)).toMatchObject({ version: '3', user: 'wsl-sha-aes', level: 'authPriv', auth_password: '', priv_password: '' });
    expect(profileValues(v2c)).toMatchObject({ version: '2c', community: '' });
  });
});

describe('profile list', () => {
  it('describes a profile in one line', () => {
    expect(describeProfile(v2c)).toBe('v2c community');
    expect(describeProfile(v3)).toBe('v3 wsl-sha-aes authPriv SHA/AES');
    expect(describeProfile({ ...v3, snmp: { ...v3.snmp, level: 'authNoPriv', auth_protocol: 'SHA-256' } })).toBe(
      'v3 wsl-sha-aes authNoPriv SHA-256',
    );
  });

  it('lists the secrets each profile uses, set or not', () => {
    expect(profileSecrets(v2c)).toEqual([['community', 'set']]);
    expect(profileSecrets(v3)).toEqual([
      ['auth password', 'set'],
      ['priv password', 'set'],
    ]);
    expect(profileSecrets({ ...v3, snmp: { ...v3.snmp, level: 'noAuthNoPriv' } })).toEqual([]);
  });
});

describe('SSH logins in profiles', () => {
  const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

  it('sends the user and the secrets typed, the key as typed (newlines kept)', () => {
    const values = { ...emptyProfile(), community: 'c', ssh_user: ' netops ', ssh_password: ' p w ', ssh_private_key: key };
    expect(profileBody('edge', values, null)).toEqual({
      body: { version: '2c', community: 'c', ssh_user: 'netops', ssh_password: ' p w ', ssh_private_key: key },
      errors: {},
    });
  });

  it('refuses text that is not a private key, and SSH secrets are optional', () => {
    const bad = profileBody('edge', { ...emptyProfile(), community: 'c', ssh_user: 'u', ssh_private_key: 'ssh-ed25519 AAAA' }, null);
    expect(bad.body).toBeNull();
    expect(bad.errors.ssh_private_key).toMatch(/not a PEM or OpenSSH private key/);
    expect(profileBody('edge', { ...emptyProfile(), community: 'c', ssh_user: 'u' }, null).errors).toEqual({});
  });

  it('lists the login and edits it without its secrets', () => {
    const p: ProfileInfo = { ...v2c, ssh: { user: 'netops', password: 'set', private_key: 'not set', key_passphrase: 'not set', enable_secret: 'set' } };
    expect(sshSecrets(p)).toEqual({
      user: 'netops',
      secrets: [
        ['ssh password', 'set'],
        ['ssh key', 'not set'],
        ['enable secret', 'set'],
      ],
    });
    expect(sshSecrets(v2c)).toBeNull();
    const v = profileValues(p);
    expect([v.ssh_user, v.ssh_password, v.ssh_private_key]).toEqual(['netops', '', '']);
  });
});
