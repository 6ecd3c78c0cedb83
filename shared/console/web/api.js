// The HTTP API client: every call the console makes goes through call(), which signs it for
// the signed-in operator (a bearer token locally, SigV4 with temporary Cognito credentials on
// AWS) and turns an error answer into an ApiError carrying the API's own words.

// ApiError is an answer that was not 2xx: message and field are the API's ("error", "field");
// the gateway's own refusals ("message") are kept too.
export class ApiError extends Error {
  constructor(status, body, method, path) {
    const words = (body && (body.error || body.message)) || `HTTP ${status}`;
    super(words);
    this.status = status;
    this.body = body;
    this.field = body && body.field;
    this.method = method;
    this.path = path;
  }
}

let signer = null;
let base = '';
const listeners = new Set();

// configure sets where the API is and how to sign calls: sign(url, init) returns a Promise of
// a Response.
export function configure(apiBase, sign) {
  base = apiBase.replace(/\/$/, '');
  signer = sign;
}

// onUnauthorized registers f, called when a call answers 401 (the token is wrong or expired).
export function onUnauthorized(f) {
  listeners.add(f);
}

// call makes one API call; body is sent as JSON. It resolves to {status, body, headers}.
export async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await signer(base + path, init);
  } catch (e) {
    throw new ApiError(0, { error: `network error: ${e.message}` }, method, path);
  }
  const text = await res.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error: text.slice(0, 300) };
    }
  }
  if (!res.ok) {
    if (res.status === 401) listeners.forEach((f) => f());
    throw new ApiError(res.status, parsed, method, path);
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const get = (path) => call('GET', path).then((r) => r.body);

// all reads every page of a list (up to max items).
export async function all(path, max = 5000) {
  const items = [];
  let next = '';
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page = await get(path + (next ? `${sep}next=${encodeURIComponent(next)}` : ''));
    items.push(...(page.items || []));
    next = page.next || '';
  } while (next && items.length < max);
  return items;
}

export const enc = encodeURIComponent;
