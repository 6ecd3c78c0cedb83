// Sign-in. Locally ("mode":"local") the operator pastes a bearer token the local stack printed;
// it is kept in sessionStorage (gone when the tab closes) and sent as Authorization: Bearer.
// On AWS ("mode":"cognito") the operator signs in with the Cognito managed login
// (authorization code with PKCE, oidc-client-ts, tokens in sessionStorage), the identity pool
// exchanges the ID token for temporary AWS credentials of the operator's group, and every
// call is signed with SigV4 (aws4fetch, service execute-api). Nothing goes to localStorage or
// into a URL.
import { AwsClient } from 'aws4fetch';
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { configure } from './api.js';

const TOKEN_KEY = 'console.token';

// session: {role: 'operator'|'viewer', who, signOut()} or null.
export async function restore(cfg) {
  if (cfg.mode === 'cognito') return cognitoRestore(cfg);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  try {
    return await localSignIn(cfg, token);
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
}

// localSignIn checks the token with a read (GET /summary) and learns from the local gateway
// whether it is the operator's token or the read-only one.
export async function localSignIn(cfg, token) {
  configure(cfg.api, (url, init) => fetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } }));
  const res = await fetch(cfg.api.replace(/\/$/, '') + '/summary', { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error || body.message || `HTTP ${res.status}`);
  }
  const role = res.headers.get('X-Local-Role') === 'operator' ? 'operator' : 'viewer';
  sessionStorage.setItem(TOKEN_KEY, token);
  return {
    role,
    who: role === 'operator' ? 'operator token' : 'read-only token',
    signOut() {
      sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    },
  };
}

function userManager(cfg) {
  const issuer = `https://cognito-idp.${cfg.region}.amazonaws.com/${cfg.userPoolId}`;
  return new UserManager({
    authority: issuer,
    client_id: cfg.clientId,
    redirect_uri: cfg.redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    // Cognito's endpoints, given so that no discovery document has to be fetched.
    metadata: {
      issuer,
      authorization_endpoint: `${cfg.domain}/oauth2/authorize`,
      token_endpoint: `${cfg.domain}/oauth2/token`,
      userinfo_endpoint: `${cfg.domain}/oauth2/userInfo`,
      revocation_endpoint: `${cfg.domain}/oauth2/revoke`,
      end_session_endpoint: `${cfg.domain}/logout`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
    },
  });
}

// cognitoSignIn sends the browser to the managed login page.
export function cognitoSignIn(cfg) {
  return userManager(cfg).signinRedirect();
}

async function cognitoRestore(cfg) {
  const um = userManager(cfg);
  const params = new URLSearchParams(location.search);
  let user;
  if (params.has('code') && params.has('state')) {
    user = await um.signinRedirectCallback();
    // The code is spent; take it out of the address bar and history.
    history.replaceState(null, '', location.pathname + location.hash);
  } else {
    user = await um.getUser();
  }
  if (!user || user.expired) return null;
  const creds = await identityCredentials(cfg, user.id_token);
  let aws = awsClient(cfg, creds);
  let expires = creds.expiration;
  configure(cfg.api, async (url, init) => {
    if (Date.now() > expires - 60_000) {
      const current = await um.getUser();
      if (!current || current.expired) throw new Error('the sign-in expired: sign in again');
      const fresh = await identityCredentials(cfg, current.id_token);
      aws = awsClient(cfg, fresh);
      expires = fresh.expiration;
    }
    return aws.fetch(url, init);
  });
  const groups = user.profile['cognito:groups'] || [];
  return {
    role: groups.includes('operators') ? 'operator' : 'viewer',
    who: user.profile.email || user.profile['cognito:username'] || user.profile.sub,
    async signOut() {
      await um.removeUser();
      location.assign(`${cfg.domain}/logout?client_id=${encodeURIComponent(cfg.clientId)}&logout_uri=${encodeURIComponent(cfg.redirectUri)}`);
    },
  };
}

function awsClient(cfg, c) {
  return new AwsClient({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, service: 'execute-api', region: cfg.region });
}

// identityCredentials: Cognito identity pool GetId then GetCredentialsForIdentity, the JSON
// 1.1 protocol over plain fetch (both calls are unsigned: the ID token is the proof).
async function identityCredentials(cfg, idToken) {
  const logins = { [`cognito-idp.${cfg.region}.amazonaws.com/${cfg.userPoolId}`]: idToken };
  const id = await identityCall(cfg, 'GetId', { IdentityPoolId: cfg.identityPoolId, Logins: logins });
  const out = await identityCall(cfg, 'GetCredentialsForIdentity', { IdentityId: id.IdentityId, Logins: logins });
  const c = out.Credentials;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken, expiration: c.Expiration * 1000 };
}

async function identityCall(cfg, target, body) {
  const res = await fetch(`https://cognito-identity.${cfg.region}.amazonaws.com/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `AWSCognitoIdentityService.${target}` },
    body: JSON.stringify(body),
  });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`Cognito identity ${target}: ${out.message || out.__type || res.status}`);
  return out;
}
