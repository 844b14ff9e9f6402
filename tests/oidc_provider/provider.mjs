// A real OpenID provider (panva's certified oidc-provider) for pgadmin_lite's tests: node provider.mjs config.json
//
// config.json: {"port", "issuer", "clients": [{...client metadata, "tamper"?}], "accounts": {login: {password, claims}}}
// A client's "tamper" makes the token endpoint re-sign the ID token it issues to that client, so the console's
// checks meet a token that is wrong in exactly one way: "nonce", "aud", "iss" (signed with the provider's own
// key, so only the claim check can refuse them) or "key" (same kid, a key that is not in the provider's JWKS);
// "userinfo" leaves the profile claims out of the ID token (they stay in the UserInfo response).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const tamper = Object.fromEntries(config.clients.map((c) => [c.client_id, c.tamper]));
const clients = config.clients.map(({ tamper: _ignored, ...metadata }) => metadata);

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}
const realKey = await signingKey('test-key-1');
const otherKey = await signingKey('test-key-1'); // same kid, other key material: never published

const provider = new Provider(config.issuer, {
  clients,
  jwks: { keys: [realKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups', 'roles'] },
  conformIdTokenClaims: false, // scope claims go into the ID token, as Entra ID, Google and Keycloak do
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = config.accounts[id];
    return account && { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
  },
});

async function resign(idToken, clientId) {
  const mode = tamper[clientId];
  if (!mode) return idToken;
  const [header, payload] = idToken.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  if (mode === 'nonce') payload.nonce = 'not-the-nonce-the-console-sent';
  if (mode === 'aud') payload.aud = 'some-other-client';
  if (mode === 'iss') payload.iss = `${config.issuer}/impostor`;
  if (mode === 'userinfo') { // like providers that put profile claims only in the UserInfo response
    for (const claim of ['email', 'email_verified', 'name', 'groups', 'roles']) delete payload[claim];
  }
  const key = await importJWK(mode === 'key' ? otherKey : realKey, 'RS256');
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, ctx.oidc?.client?.clientId) };
  }
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function loginPage(res, uid, error) {
  res.writeHead(error ? 401 : 200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>Test provider sign-in</title></head><body>
<h1>Test provider sign-in</h1>${error ? `<p id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Login <input name="login" autofocus></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></body></html>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params } = details;
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const account = config.accounts[form.get('login')];
    if (!account || account.password !== form.get('password')) return loginPage(res, uid, 'Wrong login or password.');
    return provider.interactionFinished(req, res, { login: { accountId: form.get('login') } },
      { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') return loginPage(res, uid);
  // consent: a first-party test client, granted what it asks for
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const handler = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      console.error(err);
      if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
    return;
  }
  handler(req, res);
}).listen(config.port, '127.0.0.1', () => console.log(`oidc-provider listening on ${config.issuer}`));
