// Credential profiles in the Credentials view: the form (the SNMP credential fields and an
// optional SSH login), the body a save sends (secrets only when typed: a blank one keeps what is
// stored), and how a profile reads.

import { ApiError } from './api';
import { snmpVersionValues } from './api.gen';
import { defaults } from './defaults.gen';
import { credentialFields, emptyValues, isSecretField, visibleFields, type FieldDef, type FormValues } from './form';
import type { ProfileInfo, PutProfile, SecretState, SecurityLevel, SnmpVersion } from './types';

/** What the server accepts as a profile name. */
export const PROFILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

const sshUser = (v: FormValues) => typeof v.ssh_user === 'string' && v.ssh_user.trim() !== '';

/** The SNMP credentials, then the SSH login (its secrets once a user is typed). */
export const PROFILE_FIELDS: FieldDef<keyof PutProfile>[] = [
  ...credentialFields(() => true),
  { key: 'ssh_user', label: 'SSH user', type: 'text', placeholder: 'none', title: 'an SSH login for the devices this profile reaches' },
  { key: 'ssh_password', label: 'SSH password', type: 'secret', when: sshUser },
  { key: 'ssh_key_passphrase', label: 'key passphrase', type: 'secret', when: sshUser, title: 'passphrase of the private key, if it has one' },
  {
    key: 'ssh_enable_secret',
    label: 'enable secret',
    type: 'secret',
    when: sshUser,
    title: "the secret a network CLI's privileged mode asks for (enable), used by interactive sessions, backups and pushes",
  },
  {
    key: 'ssh_private_key',
    label: 'SSH private key',
    type: 'secret-text',
    when: sshUser,
    placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----',
    title: 'ed25519, ECDSA or RSA private key (PEM or OpenSSH text)',
  },
];

export function emptyProfile(): FormValues {
  return emptyValues(PROFILE_FIELDS);
}

/** A stored profile's settings in the form, to edit it; its secrets stay blank. */
export function profileValues(p: ProfileInfo): FormValues {
  const v = emptyProfile();
  v.version = p.snmp.version;
  if (p.snmp.user) v.user = p.snmp.user;
  if (p.snmp.level) v.level = p.snmp.level;
  if (p.snmp.auth_protocol) v.auth_protocol = p.snmp.auth_protocol;
  if (p.snmp.priv_protocol) v.priv_protocol = p.snmp.priv_protocol;
  if (p.ssh) v.ssh_user = p.ssh.user;
  return v;
}

type SecretKey = 'community' | 'auth_password' | 'priv_password';
const SECRET_LABEL: Record<SecretKey, string> = {
  community: 'community',
  auth_password: 'auth password',
  priv_password: 'priv password',
};
const isSecret = (key: string): key is SecretKey => key in SECRET_LABEL;

/**
 * The PUT body for the shown fields, or the errors to show by field ("name", "community", ...).
 * `existing` is the stored profile of that name: its secrets may be left blank (kept), a new
 * profile needs the secrets its version and level use.
 */
export function profileBody(
  name: string,
  values: FormValues,
  existing: ProfileInfo | null,
): { body: PutProfile | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const n = name.trim();
  if (!n) errors.name = 'a name, e.g. core-v3';
  else if (!PROFILE_NAME.test(n)) errors.name = "letters, digits, '.', '_' and '-', at most 64";
  const version: SnmpVersion = snmpVersionValues.find((v) => v === values.version) ?? defaults.SnmpOptions.version;
  const set: Partial<Record<keyof PutProfile, string>> = {};
  for (const f of visibleFields(PROFILE_FIELDS, values)) {
    const raw = values[f.key];
    if (f.key === 'version' || typeof raw !== 'string') continue;
    const v = isSecretField(f) ? raw : raw.trim();
    if (v) set[f.key] = v;
    else if (isSecret(f.key) && existing?.[f.key] !== 'set')
      errors[f.key] = `the ${SECRET_LABEL[f.key]} is needed${existing ? ' (none is stored)' : ''}`;
  }
  if (version === '3' && !set.user) errors.user = 'an SNMPv3 profile needs a user';
  const key = set.ssh_private_key;
  if (key && !(key.includes('-----BEGIN') && key.includes('PRIVATE KEY-----')))
    errors.ssh_private_key = 'not a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)';
  // the choices of the selects are the document's: what they set is of the option's type
  return Object.keys(errors).length ? { body: null, errors } : { body: { version, ...set } as PutProfile, errors };
}

/** One line: "v2c community", "v3 wsl-sha-aes authPriv SHA/AES". */
export function describeProfile(p: ProfileInfo): string {
  const s = p.snmp;
  if (s.version !== '3') return `v${s.version} community`;
  const level: SecurityLevel = s.level ?? (p.priv_password === 'set' ? 'authPriv' : p.auth_password === 'set' ? 'authNoPriv' : 'noAuthNoPriv');
  const protos =
    level === 'authPriv'
      ? `${s.auth_protocol ?? 'SHA'}/${s.priv_protocol ?? 'AES'}`
      : level === 'authNoPriv'
        ? (s.auth_protocol ?? 'SHA')
        : '';
  return ['v3', s.user ?? '(no user)', level, protos].filter(Boolean).join(' ');
}

/** The secrets a profile of its version and level uses, with whether each is stored. */
export function profileSecrets(p: ProfileInfo): [string, SecretState][] {
  if (p.snmp.version !== '3') return [['community', p.community]];
  const out: [string, SecretState][] = [];
  if (p.snmp.level !== 'noAuthNoPriv') out.push(['auth password', p.auth_password]);
  if (p.snmp.level === 'authPriv' || (!p.snmp.level && p.priv_password === 'set')) out.push(['priv password', p.priv_password]);
  return out;
}

/** A profile's SSH login in words, with whether each of its secrets is stored; null without one. */
export function sshSecrets(p: ProfileInfo): { user: string; secrets: [string, SecretState][] } | null {
  if (!p.ssh) return null;
  return {
    user: p.ssh.user,
    secrets: [
      ['ssh password', p.ssh.password],
      ['ssh key', p.ssh.private_key],
      ['enable secret', p.ssh.enable_secret],
    ],
  };
}

/**
 * Why a form has no profiles to offer: the server has no secret store (`instead`: what the form
 * takes then), or the list failed.
 */
export function profilesLoadError(e: unknown, instead: string): string {
  return e instanceof ApiError && e.status === 503
    ? `The server has no secret store (Credentials says how to give it one): ${instead}.`
    : `Cannot list the profiles: ${e instanceof Error ? e.message : String(e)}`;
}
