import { api, get } from '../api.js';
import { act, add, button, clear, confirmDialog, h, say, scroller, time } from '../dom.js';

const SCOPES = [
  ['profiles:read', 'read profiles and their sync state'],
  ['profiles:write', 'create and change profiles'],
  ['profiles:delete', 'erase profiles'],
  ['profiles:export', 'download everything held about a person (GDPR access and portability)'],
  ['admin', 'operate destinations, dead letters, erasures and keys'],
];

export async function keysPage(main, ctx) {
  document.title = 'API keys · ProfileHub console';
  // Read first: a key that may not manage keys sees the refusal, not a form it cannot use.
  const keys = await activeKeys();
  const name = h('input', { id: 'key-name', name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  const boxes = SCOPES.map(([scope, help], i) => h('p', { class: 'check' },
    h('input', { type: 'checkbox', id: 'scope-' + i, name: 'scope', value: scope }),
    h('label', { for: 'scope-' + i }, h('code', null, scope), ' — ' + help)));
  const secret = h('div', { id: 'new-key', 'aria-live': 'polite' });
  const create = h('form', { class: 'card', 'aria-labelledby': 'keys-title' },
    h('h1', { id: 'keys-title' }, 'API keys'),
    h('h2', null, 'Create a key'),
    h('label', { for: 'key-name' }, 'Name'), name,
    h('fieldset', null, h('legend', null, 'Scopes'), boxes),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'create-key' }, 'Create key')),
    secret);
  const listing = h('section', { class: 'card', 'aria-labelledby': 'keys-list-title' });
  main.append(create, listing);

  create.addEventListener('submit', (event) => {
    event.preventDefault();
    const submit = create.querySelector('#create-key');
    act(submit, async () => {
      const scopes = [...create.querySelectorAll('input[name=scope]:checked')].map((b) => b.value);
      const { json } = await api('POST', '/admin/api-keys', { name: name.value, scopes });
      create.reset();
      // The secret exists only here, in this page: the service keeps a hash and can never show it again.
      clear(secret).append(h('div', { class: 'secret' },
        h('p', null, h('strong', null, 'Copy this key now: it is shown only once.'), ' Key ', h('code', null, json.name),
          ' (', json.scopes.join(', '), '):'),
        h('code', { id: 'new-key-secret', class: 'token', tabindex: '0' }, json.key),
        button('Done, hide it', () => clear(secret), { class: 'secondary small', id: 'hide-key' })));
      say('Key ' + json.name + ' created; its secret is shown once');
      await list(listing);
    });
  });
  show(listing, keys);
}

async function list(section) {
  show(section, await activeKeys());
}

// Every active key, page after page: a workspace has few, and a key missing from the list could not be revoked here.
async function activeKeys() {
  const keys = [];
  for (let url = '/admin/api-keys?limit=100'; url; ) {
    const page = await get(url);
    keys.push(...page.data);
    url = page.meta.nextPageUrl;
  }
  return keys;
}

function show(section, data) {
  clear(section).append(h('h2', { id: 'keys-list-title' }, 'Active keys'));
  if (!data.length) {
    add(section, h('p', null, 'No active key.'));
    return;
  }
  add(section, scroller('Active keys', h('table', { class: 'list', id: 'keys' },
    h('thead', null, h('tr', null, ['Name', 'Id', 'Scopes', 'Created', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, data.map((k) => {
      const revoke = button('Revoke…', async () => {
        const ok = await confirmDialog({ title: 'Revoke ' + k.name + '?',
          body: [h('p', null, 'Clients using key ', h('code', null, k.id), ' are refused from now on (other ',
            'instances within a few seconds).')], confirmLabel: 'Revoke', danger: true });
        if (!ok) return;
        await act(revoke, async () => {
          await api('DELETE', '/admin/api-keys/' + encodeURIComponent(k.id));
          say('Key ' + k.name + ' revoked');
          await list(section);
        });
      }, { class: 'danger small', 'aria-label': 'Revoke ' + k.name });
      return h('tr', { 'data-id': k.id }, h('td', { class: 'name' }, k.name), h('td', null, h('code', null, k.id)),
        h('td', null, k.scopes.join(', ')), h('td', null, time(k.createdAt)), h('td', null, revoke));
    })))));
}
