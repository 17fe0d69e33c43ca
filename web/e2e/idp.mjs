// The browser test's OpenID Connect provider: panva's oidc-provider (a certified OpenID
// Provider) on loopback, with one client (wirescope) and two accounts whose groups claim
// differs: alice in netops (mapped to operator by the test's server) and mallory in visitors
// (mapped to nothing). Its development login pages take any password.
//
//   IDP_PORT=PORT IDP_REDIRECT=http://127.0.0.1:P/api/oidc/callback IDP_SECRET=S node idp.mjs
//
// Prints "idp: ready ISSUER" once it listens.

import Provider from 'oidc-provider';

const port = Number(process.env.IDP_PORT);
const redirect = process.env.IDP_REDIRECT;
const secret = process.env.IDP_SECRET;
if (!port || !redirect || !secret) {
  console.error('idp: set IDP_PORT, IDP_REDIRECT and IDP_SECRET');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const accounts = {
  alice: { sub: 'alice', preferred_username: 'alice', email: 'alice@lab.test', groups: ['netops', 'staff'] },
  mallory: { sub: 'mallory', preferred_username: 'mallory', email: 'mallory@lab.test', groups: ['visitors'] },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'wirescope',
      client_secret: secret,
      redirect_uris: [redirect],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email'], groups: ['groups'] },
  // the requested claims go into the ID token too (wirescope also asks the userinfo endpoint)
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: [`e2e-only-${secret}`] },
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => account };
  },
});

provider.listen(port, '127.0.0.1', () => console.log(`idp: ready ${issuer}`));
