import { api, get } from '../api.js';
import { act, add, button, confirmDialog, facts, h, link, profileRoute, say, time, tree } from '../dom.js';

const PAGE = 25;

/** Search by any identifiers: one row per filter, dotted names reach nested values. */
export async function profilesPage(main, ctx) {
  document.title = 'Profiles · ProfileHub console';
  const filters = [...ctx.query.entries()].filter(([k]) => k !== 'pageToken');
  const rows = h('div', { class: 'filters' });
  const addRow = (name = '', value = '') => {
    const n = rows.children.length + 1;
    const row = h('div', { class: 'filter-row' },
      h('label', { for: 'filter-name-' + n, class: 'visually-hidden' }, 'Identifier ' + n),
      h('input', { id: 'filter-name-' + n, class: 'filter-name', placeholder: 'identifier, e.g. email or name.last',
        value: name, autocomplete: 'off', spellcheck: 'false' }),
      h('label', { for: 'filter-value-' + n, class: 'visually-hidden' }, 'Value ' + n),
      h('input', { id: 'filter-value-' + n, class: 'filter-value', placeholder: 'value', value,
        autocomplete: 'off', spellcheck: 'false' }),
      button('Remove', () => { row.remove(); }, { class: 'secondary small', 'aria-label': 'Remove filter ' + n }));
    rows.append(row);
    return row;
  };
  (filters.length ? filters : [['', '']]).forEach(([k, v]) => addRow(k, v));
  const form = h('form', { class: 'card search', role: 'search', 'aria-labelledby': 'search-title' },
    h('h1', { id: 'search-title' }, 'Profiles'),
    h('p', { class: 'help' }, 'Every filter must match. Dotted names reach nested identifiers (name.last); ',
      'leave all empty to list every profile.'),
    rows,
    h('div', { class: 'actions' },
      button('Add filter', () => addRow().querySelector('input').focus(), { class: 'secondary', id: 'add-filter' }),
      h('button', { type: 'submit', class: 'primary', id: 'search-button' }, 'Search')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    rows.querySelectorAll('.filter-row').forEach((row) => {
      const name = row.querySelector('.filter-name').value.trim();
      if (name) {
        q.append(name, row.querySelector('.filter-value').value);
      }
    });
    ctx.go('/profiles?' + q.toString());
  });
  const results = h('section', { class: 'card', 'aria-labelledby': 'results-title' });
  main.append(form, results);
  if (!ctx.query.toString()) {
    add(results, h('h2', { id: 'results-title' }, 'Results'), h('p', null, 'Search to see profiles.'));
    return;
  }
  const q = new URLSearchParams(ctx.query);
  q.set('limit', String(PAGE));
  const page = await get('/identify?' + q.toString());
  add(results, h('h2', { id: 'results-title' }, 'Results'));
  if (!page.data.length) {
    add(results, h('p', null, 'No profile matches.'));
  } else {
    add(results, h('table', { class: 'list', id: 'results' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Profile'), h('th', { scope: 'col' }, 'Identifiers'),
        h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Updated'))),
      h('tbody', null, page.data.map((p) => h('tr', null,
        h('td', null, link(profileRoute(p.id), p.id)),
        h('td', { class: 'clip' }, summary(p.identifiers)),
        h('td', null, String(p.version)),
        h('td', null, time(p.updatedAt)))))));
  }
  const nav = h('div', { class: 'actions' });
  if (ctx.query.has('pageToken')) {
    const first = new URLSearchParams(ctx.query);
    first.delete('pageToken');
    nav.append(link('/profiles?' + first.toString(), 'First page'));
  }
  if (page.nextPageToken) {
    const next = new URLSearchParams(ctx.query);
    next.set('pageToken', page.nextPageToken);
    nav.append(link('/profiles?' + next.toString(), 'Next page'));
  }
  add(results, nav);
  say(page.data.length + (page.nextPageToken ? '+' : '') + ' profiles found');
}

function summary(identifiers) {
  const text = JSON.stringify(identifiers);
  return text.length > 120 ? text.slice(0, 119) + '…' : text;
}

/** One profile: identifiers and traits as trees, and its state at every destination. */
export async function profilePage(main, ctx) {
  const [id] = ctx.params;
  document.title = id + ' · ProfileHub console';
  let profile;
  try {
    profile = await get('/identify/' + encodeURIComponent(id));
  } catch (e) {
    if (e.status === 404 && (ctx.scopes.erase || ctx.scopes.admin)) {
      add(main, h('p', { class: 'card' }, e.message + ' ', link('/erasures/' + encodeURIComponent(id),
        'Look for an erasure of ' + id)));
      return;
    }
    throw e;
  }
  const [sync, destinations] = await Promise.all([
    get('/identify/' + encodeURIComponent(id) + '/sync'),
    ctx.scopes.admin ? get('/sync/destinations').then((d) => d.data) : Promise.resolve([]),
  ]);
  const byName = Object.fromEntries(destinations.map((d) => [d.name, d]));
  const dead = sync.destinations.filter((d) => d.status === 'dead');

  const actions = h('div', { class: 'actions' });
  if (ctx.scopes.admin && dead.length) {
    const retry = button('Retry dead letters (' + dead.length + ')', () => act(retry, async () => {
      for (const d of dead) {
        await api('POST', '/sync/dead-letters/' + d.eventId + '/retry');
      }
      say('Dead letters of ' + id + ' queued again');
      ctx.go(profileRoute(id));
    }), { class: 'secondary', id: 'retry-profile' });
    actions.append(retry);
  }
  if (ctx.scopes.erase) {
    const erase = button('Erase…', () => eraseProfile(erase, id, ctx), { class: 'danger', id: 'erase' });
    actions.append(erase);
  }

  add(main,
    h('section', { class: 'card', 'aria-labelledby': 'profile-title' },
      h('h1', { id: 'profile-title' }, 'Profile ', h('code', null, profile.id)),
      facts([['Version', String(profile.version)], ['Created', time(profile.createdAt)],
        ['Updated', time(profile.updatedAt)], ['Workspace', profile.workspaceId]]),
      actions.children.length ? actions : null),
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'identifiers-title', id: 'identifiers' },
        h('h2', { id: 'identifiers-title' }, 'Identifiers'), tree(profile.identifiers)),
      h('section', { class: 'card', 'aria-labelledby': 'traits-title', id: 'traits' },
        h('h2', { id: 'traits-title' }, 'Traits'), tree(profile.traits))),
    h('section', { class: 'card', 'aria-labelledby': 'sync-title' },
      h('h2', { id: 'sync-title' }, 'Sync state per destination'),
      syncTable(sync.destinations, byName, ctx)));
}

function syncTable(rows, byName, ctx) {
  if (!rows.length) {
    return h('p', null, 'No destination serves this workspace.');
  }
  return h('table', { class: 'list', id: 'sync' },
    h('thead', null, h('tr', null, ['Destination', 'State', 'Version', 'Attempts', 'When', 'Vendor\'s last answer']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.map((r) => {
      const d = byName[r.name];
      const state = h('span', { class: 'badge ' + r.status }, label(r));
      return h('tr', { 'data-destination': r.name },
        h('th', { scope: 'row' }, r.name),
        h('td', null, state, d && d.paused ? h('span', { class: 'badge paused' }, 'destination paused') : null),
        h('td', null, r.version === null || r.version === undefined ? '—' : 'v' + r.version),
        h('td', null, r.attempts === undefined ? '—' : String(r.attempts)),
        h('td', null, r.status === 'pending' ? ['next attempt ', time(r.nextAttemptAt)]
          : r.finishedAt ? time(r.finishedAt) : '—'),
        h('td', null, answer(r.lastStatus, r.lastError)));
    })));
}

function label(r) {
  switch (r.status) {
    case 'delivered': return r.kind === 'delete' ? 'erased' : 'delivered';
    case 'pending': return 'pending';
    case 'dead': return 'dead';
    case 'cancelled': return 'cancelled';
    case 'none': return 'nothing sent yet';
    default: return r.status;
  }
}

export function answer(status, error) {
  if (status === null && !error) {
    return '—';
  }
  return h('div', { class: 'answer' }, status ? h('strong', null, 'HTTP ' + status + ' ') : null,
    error ? h('code', null, error) : null);
}

async function eraseProfile(btn, id, ctx) {
  const values = await confirmDialog({
    title: 'Erase this person?',
    body: [h('p', null, 'Erase ', h('strong', { id: 'erase-target' }, id),
      ' here and at every destination. This cannot be undone.')],
    fields: h('p', { class: 'check' },
      h('input', { type: 'checkbox', id: 'erase-suppress', name: 'suppress', value: 'true' }),
      h('label', { for: 'erase-suppress' }, 'Suppress: refuse to create this person again from the same ',
        'unique identifiers')),
    confirmLabel: 'Erase ' + id,
    danger: true,
  });
  if (!values) {
    return;
  }
  await act(btn, async () => {
    const suppress = values.suppress === 'true';
    await api('DELETE', '/identify/' + encodeURIComponent(id) + (suppress ? '?suppress=true' : ''));
    say('Erasure of ' + id + ' started');
    ctx.go('/erasures/' + encodeURIComponent(id));
  });
}
