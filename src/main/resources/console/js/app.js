import { ApiError, probeScopes, session } from './api.js';
import { add, button, clear, h, showError } from './dom.js';
import { profilePage, profilesPage } from './views/profiles.js';
import { destinationsPage } from './views/destinations.js';
import { deadLettersPage } from './views/deadletters.js';
import { erasurePage, erasuresPage } from './views/erasures.js';
import { keysPage } from './views/keys.js';
import { mergePage } from './views/merges.js';
import { historyPage } from './views/history.js';

const main = document.getElementById('main');
let scopes = null;
let cleanup = null;

const sections = [
  { route: '/profiles', label: 'Profiles', allowed: (s) => s.read },
  { route: '/destinations', label: 'Destinations', allowed: (s) => s.admin },
  { route: '/dead-letters', label: 'Dead letters', allowed: (s) => s.admin },
  { route: '/erasures', label: 'Erasures', allowed: (s) => s.admin || s.erase },
  { route: '/keys', label: 'API keys', allowed: (s) => s.admin },
];

const routes = [
  [/^\/profiles\/([^/]+)\/history$/, historyPage],
  [/^\/profiles\/([^/]+)$/, profilePage],
  [/^\/merges\/([^/]+)$/, mergePage],
  [/^\/profiles$/, profilesPage],
  [/^\/destinations$/, destinationsPage],
  [/^\/dead-letters$/, deadLettersPage],
  [/^\/erasures\/([^/]+)$/, erasurePage],
  [/^\/erasures$/, erasuresPage],
  [/^\/keys$/, keysPage],
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function go(route) {
  if (location.hash === '#' + route) {
    render();
  } else {
    location.hash = route;
  }
}

function signInPage(message) {
  document.title = 'Sign in · ProfileHub console';
  clear(document.getElementById('nav'));
  clear(document.getElementById('who'));
  const input = h('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false', 'aria-describedby': 'key-help' });
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'key-help', class: 'help' },
      'The key stays in this browser tab only and is forgotten when the tab closes. ',
      'What you can see and do follows the key\'s scopes and workspace.'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.signIn(input.value.trim());
    scopes = null;
    await start();
  });
  clear(main).append(form);
  input.focus();
}

function renderChrome() {
  const nav = clear(document.getElementById('nav'));
  const current = parseHash().path;
  const list = h('ul', null, sections.filter((s) => s.allowed(scopes)).map((s) =>
    h('li', null, h('a', { href: '#' + s.route, 'aria-current': current.startsWith(s.route) ? 'page' : null },
      s.label))));
  nav.append(list);
  const names = [scopes.read && 'read', scopes.write && 'write', scopes.erase && 'erase',
    scopes.export && 'export', scopes.admin && 'admin'].filter(Boolean);
  clear(document.getElementById('who')).append(
    h('span', { class: 'scopes', id: 'key-scopes' }, 'Key: ' + (names.join(', ') || 'no console scope')),
    button('Sign out', () => {
      session.signOut();
      scopes = null;
      location.hash = '';
      signInPage('Signed out.');
    }, { class: 'secondary small', id: 'sign-out' }));
}

async function render() {
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  showError(null);
  renderChrome();
  const { path, query } = parseHash();
  const first = sections.find((s) => s.allowed(scopes));
  if (path === '/' || path === '') {
    if (first) {
      location.replace('#' + first.route);
    } else {
      clear(main).append(h('p', { class: 'card' }, 'This API key has no scope the console can use.'));
    }
    return;
  }
  const match = routes.map(([re, page]) => [path.match(re), page]).find(([m]) => m);
  clear(main);
  if (!match) {
    main.append(h('p', null, 'There is no such page. '), h('a', { href: '#/' }, 'Start page'));
    return;
  }
  const [m, page] = match;
  const ctx = { scopes, query, params: m.slice(1).map(decodeURIComponent), go, onLeave: (fn) => { cleanup = fn; } };
  try {
    await page(main, ctx);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      session.signOut();
      signInPage(e.message);
      return;
    }
    add(main, h('p', { class: 'error', role: 'alert' }, e.message || String(e)));
  }
  main.focus({ preventScroll: true });
}

async function start() {
  if (!session.key()) {
    signInPage();
    return;
  }
  try {
    scopes = await probeScopes();
  } catch (e) {
    session.signOut();
    signInPage(e.message);
    return;
  }
  await render();
}

window.addEventListener('hashchange', () => {
  if (scopes) {
    render();
  }
});
start();
