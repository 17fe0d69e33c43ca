// Tests of the channels' form: a channel in one line, a stored one back in the form (no secret),
// the body sent (secrets only when typed, a removal when asked), server errors at their field, and
// the channels a rule's editor offers.

import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { channelBody, channelChoices, channelDraftOf, channelErrorsFromApi, describeChannel, emptyChannel, type ChannelDraft } from './channels';
import type { ChannelView } from './types';

const webhook: ChannelView = {
  type: 'webhook',
  name: 'ops-slack',
  shown: 'https://hooks.slack.com/…',
  format: 'slack',
  signed: true,
  created_at: 1,
  updated_at: 2,
};
const email: ChannelView = {
  type: 'email',
  name: 'noc-mail',
  server: 'smtp.example.net',
  security: 'tls',
  user: 'wirescope',
  from: 'wirescope <ws@example.net>',
  to: ['noc@example.net', 'On call <oncall@example.net>'],
  created_at: 1,
  updated_at: 2,
};

const draft = (over: Partial<ChannelDraft>): ChannelDraft => ({ ...emptyChannel(), ...over });

describe('channels', () => {
  it('read in one line, never with a secret', () => {
    expect(describeChannel(webhook)).toBe('https://hooks.slack.com/… · slack · signed');
    expect(describeChannel({ ...webhook, signed: false, format: undefined })).toBe('https://hooks.slack.com/… · json · unsigned');
    expect(describeChannel(email)).toBe('smtp.example.net:465 tls as wirescope · from wirescope <ws@example.net> → noc@example.net, On call <oncall@example.net>');
    expect(describeChannel({ ...email, port: 2525, security: undefined, user: null })).toMatch(/^smtp\.example\.net:2525 starttls · from/);
  });

  it('come back into the form without their secrets', () => {
    expect(channelDraftOf(webhook)).toEqual({ ...emptyChannel('webhook'), name: 'ops-slack', format: 'slack' });
    expect(channelDraftOf(email)).toMatchObject({
      type: 'email',
      server: 'smtp.example.net',
      port: '',
      security: 'tls',
      user: 'wirescope',
      password: '',
      to: 'noc@example.net\nOn call <oncall@example.net>',
    });
  });

  it('send a new webhook with its URL; a replaced one keeps the stored URL and secret when left blank', () => {
    expect(channelBody(draft({ name: 'hook', url: 'https://example.net/x', secret: 's3' }), null)).toEqual({
      spec: { type: 'webhook', format: 'json', url: 'https://example.net/x', secret: 's3' },
      errors: {},
    });
    expect(channelBody(draft({ name: 'hook' }), null).errors).toEqual({ url: 'a webhook needs its url' });
    expect(channelBody(draft({ name: 'hook', url: 'ftp://x' }), null).errors).toEqual({ url: 'an http:// or https:// URL' });
    expect(channelBody(draft({ name: 'ops-slack', format: 'teams' }), webhook)).toEqual({ spec: { type: 'webhook', format: 'teams' }, errors: {} });
    expect(channelBody(draft({ name: 'ops-slack', unsign: true }), webhook).spec).toEqual({ type: 'webhook', format: 'json', secret: '' });
    // a mailbox turned webhook has no stored URL to keep
    expect(channelBody(draft({ name: 'noc-mail' }), email).errors).toEqual({ url: 'a webhook needs its url' });
  });

  it('send a mailbox with its recipients, one a line', () => {
    const d = draft({
      name: 'mail',
      type: 'email',
      server: ' smtp.example.net ',
      port: '2525',
      security: 'starttls',
      user: 'ws',
      password: 'pw',
      from: 'ws@example.net',
      to: 'a@example.net\n\n b@example.net ',
    });
    expect(channelBody(d, null)).toEqual({
      spec: {
        type: 'email',
        server: 'smtp.example.net',
        port: 2525,
        security: 'starttls',
        user: 'ws',
        password: 'pw',
        from: 'ws@example.net',
        to: ['a@example.net', 'b@example.net'],
      },
      errors: {},
    });
    expect(channelBody({ ...d, password: '' }, email).spec).not.toHaveProperty('password');
    expect(channelBody({ ...d, password: '', forgetPassword: true }, email).spec).toHaveProperty('password', '');
    expect(channelBody({ ...d, name: 'a b', server: '', port: '70000', security: 'none', from: '', to: '' }, null).errors).toEqual({
      name: "1 to 64 letters, digits, '-', '_' or '.'",
      server: 'a host name or address',
      port: '1 to 65535',
      user: 'a login is never sent unencrypted: use security starttls or tls',
      from: 'the sender address (wirescope@example.net or Name <addr>)',
      to: '1 to 50 recipients, one a line',
    });
  });

  it("show a server's error at its field, a recipient's at the recipients with its line", () => {
    expect(channelErrorsFromApi(new ApiError(400, 'bad url', 'url'))).toEqual({ fields: { url: 'bad url' }, general: null });
    expect(channelErrorsFromApi(new ApiError(400, "'x': no @", 'to[1]'))).toEqual({ fields: { to: "line 2: 'x': no @" }, general: null });
    expect(channelErrorsFromApi(new ApiError(409, '100 channels exist'))).toEqual({ fields: {}, general: '100 channels exist' });
    expect(channelErrorsFromApi(new ApiError(400, 'odd', 'spec'))).toEqual({ fields: {}, general: 'odd (spec)' });
    expect(channelErrorsFromApi(new Error('boom'))).toEqual({ fields: {}, general: 'boom' });
  });

  it('are offered to a rule: the stored ones, then those it names that are gone', () => {
    expect(channelChoices([webhook, email], ['noc-mail'])).toEqual([
      { name: 'ops-slack', missing: false },
      { name: 'noc-mail', missing: false },
    ]);
    expect(channelChoices([webhook], ['old', 'ops-slack'])).toEqual([
      { name: 'ops-slack', missing: false },
      { name: 'old', missing: true },
    ]);
    // not listed yet: what the rule names, as missing
    expect(channelChoices(null, ['ops-slack'])).toEqual([{ name: 'ops-slack', missing: true }]);
    expect(channelChoices([], [])).toEqual([]);
  });
});
