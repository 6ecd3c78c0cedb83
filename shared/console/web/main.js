// The console's shell: load config.json, sign in, then route by the address's hash
// (#/fleet, #/boxes, #/boxes/CP001, #/sessions, #/sessions/17, #/id-tags, #/commands).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './api.js';
import { restore, localSignIn, cognitoSignIn } from './auth.js';
import { html, Session, useForm, Field, ErrorBox } from './ui.js';
import { Fleet } from './fleet.js';
import { Boxes } from './boxes.js';
import { Box } from './box.js';
import { Sessions, SessionPage } from './sessions.js';
import { IdTags } from './idtags.js';
import { Commands } from './commandspage.js';

const pages = [
  ['fleet', 'Fleet'],
  ['boxes', 'Charge boxes'],
  ['sessions', 'Sessions'],
  ['id-tags', 'Id tags'],
  ['commands', 'Commands'],
];

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const f = () => setHash(location.hash);
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
}

function Page({ parts }) {
  const [page, id] = parts;
  switch (page) {
    case 'boxes':
      return id ? html`<${Box} id=${id} key=${id} />` : html`<${Boxes} />`;
    case 'sessions':
      return id ? html`<${SessionPage} id=${id} key=${id} />` : html`<${Sessions} />`;
    case 'id-tags':
      return html`<${IdTags} />`;
    case 'commands':
      return html`<${Commands} />`;
    default:
      return html`<${Fleet} />`;
  }
}

function Shell({ session }) {
  const parts = useHash();
  const current = parts[0] || 'fleet';
  useEffect(() => {
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }, [parts.join('/')]);
  return html`<${Session.Provider} value=${session}>
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <span class="brand">OCPP console</span>
      <nav aria-label="Pages"><ul>${pages.map(([p, label]) => html`<li><a href=${'#/' + p} aria-current=${current === p ? 'page' : undefined}>${label}</a></li>`)}</ul></nav>
      <span class="who">${session.who} · <span class="role" data-role=${session.role}>${session.role}</span>
        <button type="button" class="link" onClick=${() => session.signOut()}>Sign out</button></span>
    </header>
    <main id="main" tabindex="-1"><${Page} parts=${parts} /></main>
  </${Session.Provider}>`;
}

function LocalSignIn({ cfg, onSession }) {
  const f = useForm({ token: '' });
  async function submit(e) {
    e.preventDefault();
    const s = await f.submit(() => localSignIn(cfg, f.values.token.trim()));
    if (s) onSession(s);
  }
  return html`<main class="signin" id="main">
    <h1>OCPP console</h1>
    <form onSubmit=${submit} aria-label="Sign in">
      <p>Sign in with the token <code>make local</code> printed: <code>API_TOKEN</code> (operator) or <code>VIEWER_TOKEN</code> (read-only).</p>
      <${Field} label="Bearer token" name="token" type="password" autocomplete="off" value=${f.values.token} onInput=${f.set('token')} required />
      ${f.error && html`<p class="error" role="alert" id="signin-error">${f.error.message}</p>`}
      <button type="submit" disabled=${f.busy}>${f.busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}

function CognitoSignIn({ cfg }) {
  const [error, setError] = useState(null);
  return html`<main class="signin" id="main">
    <h1>OCPP console</h1>
    <p>Sign in with your operator account.</p>
    <button type="button" onClick=${() => cognitoSignIn(cfg).catch(setError)}>Sign in</button>
    <${ErrorBox} error=${error} />
  </main>`;
}

function App({ cfg, initial }) {
  const [session, setSession] = useState(initial);
  useEffect(() => onUnauthorized(() => setSession(null)), []);
  if (session) return html`<${Shell} session=${session} />`;
  return cfg.mode === 'cognito' ? html`<${CognitoSignIn} cfg=${cfg} />` : html`<${LocalSignIn} cfg=${cfg} onSession=${setSession} />`;
}

async function start() {
  const root = document.getElementById('app');
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
    const cfg = await res.json();
    const session = await restore(cfg);
    root.textContent = '';
    render(html`<${App} cfg=${cfg} initial=${session} />`, root);
  } catch (e) {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = `The console could not start: ${e.message}`;
    root.append(p);
  }
}

start();
