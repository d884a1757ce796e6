import { api, get } from '../api.js';
import { act, add, button, confirmDialog, facts, h, link, mergeRoute, plain, profileRoute, say, scroller, time, tree }
  from '../dom.js';
import { mergedNotice, mergesSection } from './merges.js';

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
      'leave all empty to list every profile, newest first.'),
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
  // No filter: the newest profiles first (GET /profiles); filters: GET /identify, which pages by id.
  const filtered = filters.length > 0;
  const q = new URLSearchParams(ctx.query);
  q.set('limit', String(PAGE));
  const page = await get((filtered ? '/identify?' : '/profiles?') + q.toString());
  add(results, h('h2', { id: 'results-title' }, filtered ? 'Results' : 'Newest profiles'));
  if (!page.data.length) {
    add(results, h('p', null, filtered ? 'No profile matches.' : 'This workspace has no profile yet.'));
  } else {
    const columns = mainIdentifiers(page.data);
    add(results, scroller(filtered ? 'Results' : 'Newest profiles', h('table', { class: 'list', id: 'results' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Profile'),
        columns.map((c) => h('th', { scope: 'col', 'data-column': c }, c)),
        h('th', { scope: 'col' }, 'Other identifiers'), h('th', { scope: 'col' }, 'Version'),
        h('th', { scope: 'col' }, 'Created'))),
      h('tbody', null, page.data.map((p) => h('tr', null,
        h('td', null, link(profileRoute(p.id), p.id)),
        columns.map((c) => h('td', { class: 'clip' }, cell(p.identifiers[c]))),
        h('td', { class: 'clip' }, others(p.identifiers, columns)),
        h('td', null, String(p.version)),
        h('td', null, time(p.createdAt))))))));
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
  say(page.data.length + (page.nextPageToken ? '+' : '') + ' profiles ' + (filtered ? 'found' : 'listed'));
}

// The identifiers most profiles of the page have become columns, the usual unique keys first; the rest is
// summed up in one column.
const PREFERRED = ['email', 'userId', 'externalId', 'phoneNumber', 'name'];
const COLUMNS = 4;

function mainIdentifiers(profiles) {
  const counts = new Map();
  profiles.forEach((p) => Object.keys(p.identifiers || {}).forEach((k) => counts.set(k, (counts.get(k) || 0) + 1)));
  const rank = (k) => (PREFERRED.includes(k) ? PREFERRED.indexOf(k) : PREFERRED.length);
  return [...counts.keys()].sort((a, b) => rank(a) - rank(b) || counts.get(b) - counts.get(a) || (a < b ? -1 : 1))
    .slice(0, COLUMNS);
}

function cell(value) {
  if (value === undefined) {
    return '';
  }
  if (value !== null && typeof value === 'object') {
    return clip(JSON.stringify(value));
  }
  return clip(String(value));
}

function others(identifiers, columns) {
  const rest = Object.fromEntries(Object.entries(identifiers || {}).filter(([k]) => !columns.includes(k)));
  return Object.keys(rest).length ? clip(JSON.stringify(rest)) : '';
}

function clip(text) {
  return text.length > 80 ? text.slice(0, 79) + '…' : text;
}

/** One profile: identifiers and traits as trees, its state at every destination, its merges and history. */
export async function profilePage(main, ctx) {
  const [asked] = ctx.params;
  document.title = plain(asked) + ' · ProfileHub console';
  if (!PROFILE_ID.test(asked)) {
    // Never sent: an id such as ".." would make the request's path another endpoint's.
    add(main, h('p', { class: 'card error', role: 'alert' }, 'This is not a profile id: ', h('code', null, asked),
      '. Profile ids have the form usr_ and 16 letters or digits.'));
    return;
  }
  let answer;
  try {
    answer = await api('GET', '/identify/' + encodeURIComponent(asked));
  } catch (e) {
    if (e.status === 404 && (ctx.scopes.erase || ctx.scopes.admin)) {
      add(main, h('p', { class: 'card' }, e.message + ' ', link('/erasures/' + encodeURIComponent(asked),
        ['Look for an erasure of ', asked])));
      return;
    }
    throw e;
  }
  const profile = answer.json;
  const id = profile.id;
  const path = '/identify/' + encodeURIComponent(id);
  const [sync, destinations, dead, notice, merges] = await Promise.all([
    get(path + '/sync'),
    ctx.scopes.admin ? get('/sync/destinations').then((d) => d.data) : Promise.resolve([]),
    ctx.scopes.admin ? profileDeadLetters(id) : Promise.resolve([]),
    answer.redirected ? mergedNotice(asked, id) : Promise.resolve(null),
    mergesSection(id),
  ]);
  if (answer.redirected) {
    document.title = plain(id) + ' · ProfileHub console';
  }
  const byName = Object.fromEntries(destinations.map((d) => [d.name, d]));

  const actions = h('div', { class: 'actions' });
  actions.append(link('/profiles/' + encodeURIComponent(id) + '/history', 'Field history'));
  if (dead.length) {
    // The sync view shows each destination's latest change only, and its eventId is the change's id, not a dead
    // letter's: the dead-letter list, filtered to this profile, names every one of them.
    const retry = button('Retry dead letters (' + dead.length + ')', () => act(retry, async () => {
      const letters = await profileDeadLetters(id);
      for (const letter of letters) {
        await api('POST', '/sync/dead-letters/' + encodeURIComponent(letter.id) + '/retry');
      }
      say(letters.length + ' dead letters of ' + id + ' queued again');
      ctx.go(profileRoute(id));
    }), { class: 'secondary', id: 'retry-profile' });
    actions.append(retry);
  }
  if (ctx.scopes.export) {
    const download = button('Download export', () => act(download, () => exportProfile(id)),
      { class: 'secondary', id: 'export' });
    actions.append(download);
  }
  if (ctx.scopes.write) {
    const merge = button('Merge another profile into this…', () => mergeInto(merge, id, ctx),
      { class: 'secondary', id: 'merge' });
    actions.append(merge);
  }
  if (ctx.scopes.erase) {
    const erase = button('Erase…', () => eraseProfile(erase, id, ctx), { class: 'danger', id: 'erase' });
    actions.append(erase);
  }

  add(main,
    notice,
    h('section', { class: 'card', 'aria-labelledby': 'profile-title' },
      h('h1', { id: 'profile-title' }, 'Profile ', h('code', null, profile.id)),
      facts([['Version', String(profile.version)], ['Created', time(profile.createdAt)],
        ['Updated', time(profile.updatedAt)], ['Workspace', profile.workspaceId]]),
      actions),
    h('section', { class: 'card', 'aria-labelledby': 'sync-title' },
      h('h2', { id: 'sync-title' }, 'Sync state per destination'),
      syncTable(sync.destinations, byName)),
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'identifiers-title', id: 'identifiers' },
        h('h2', { id: 'identifiers-title' }, 'Identifiers'), limitedTree(profile.identifiers, 'identifiers')),
      h('section', { class: 'card', 'aria-labelledby': 'traits-title', id: 'traits' },
        h('h2', { id: 'traits-title' }, 'Traits'), limitedTree(profile.traits, 'traits'))),
    merges);
}

const PROFILE_ID = /^usr_[A-Za-z0-9]{16}$/;
const SHOWN_ENTRIES = 50;

/**
 * A tree of at most 50 top-level entries, the rest behind a button: a profile with thousands of traits would
 * otherwise push everything after it out of reach.
 */
function limitedTree(value, name) {
  const entries = Object.entries(value || {});
  if (entries.length <= SHOWN_ENTRIES) {
    return tree(value);
  }
  const holder = h('div', null, tree(Object.fromEntries(entries.slice(0, SHOWN_ENTRIES))));
  const more = button('Show all ' + entries.length + ' ' + name, () => {
    holder.replaceChildren(tree(value));
    more.remove();
    note.remove();
    holder.querySelector('.key')?.closest('li')?.setAttribute('tabindex', '-1');
  }, { class: 'secondary small', 'data-show-all': name });
  const note = h('p', { class: 'help' }, 'The first ' + SHOWN_ENTRIES + ' of ' + entries.length + ' ' + name
    + ' are shown.');
  return [holder, note, more];
}

/** The subject-access export as a file: fetched with the key (a link could not carry it), then saved. */
async function exportProfile(id) {
  const { json } = await api('GET', '/identify/' + encodeURIComponent(id) + '/export');
  const blob = new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: 'profilehub-export-' + id + '.json', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  say('Export of ' + id + ' downloaded');
}

async function mergeInto(btn, id, ctx) {
  const values = await confirmDialog({
    title: 'Merge another profile into this one?',
    body: [h('p', null, 'The other profile is absorbed into ', h('code', null, id),
      ': its identifiers and traits move here and its id then leads here. The merge can be undone for a while.')],
    fields: [h('label', { for: 'merge-from' }, 'Profile to absorb'),
      h('input', { id: 'merge-from', name: 'from', required: true, pattern: 'usr_[A-Za-z0-9]{16}',
        autocomplete: 'off', spellcheck: 'false', placeholder: 'usr_…' }),
      h('p', { class: 'check' },
        h('input', { type: 'checkbox', id: 'merge-prefer', name: 'prefer', value: 'from' }),
        h('label', { for: 'merge-prefer' }, 'On a conflict keep the absorbed profile\'s value'))],
    confirmLabel: 'Merge',
  });
  if (!values) {
    return;
  }
  await act(btn, async () => {
    const { json } = await api('POST', '/identify/' + encodeURIComponent(id) + '/merge',
      { from: values.from.trim(), prefer: values.prefer === 'from' ? 'from' : 'survivor' });
    say('Merged ' + values.from + ' into ' + id);
    ctx.go(mergeRoute(json.merge.id));
  });
}

/** Every dead letter of one profile, page after page (a profile has few). */
async function profileDeadLetters(id) {
  const letters = [];
  for (let url = '/sync/dead-letters?limit=100&userId=' + encodeURIComponent(id); url; ) {
    const page = await get(url);
    letters.push(...page.data);
    url = page.meta.nextPageUrl;
  }
  return letters;
}

function syncTable(rows, byName) {
  if (!rows.length) {
    return h('p', null, 'No destination serves this workspace.');
  }
  return scroller('Sync state per destination', h('table', { class: 'list', id: 'sync' },
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
        h('td', null, when(r)),
        h('td', null, answer(r.lastStatus, r.lastError)));
    }))));
}

// A delivery's own time is not recorded (only that the destination is past it): a delivered row shows when its
// change was queued, so every row has a time.
function when(r) {
  if (r.status === 'pending') {
    return r.nextAttemptAt ? ['next attempt ', time(r.nextAttemptAt)] : ['queued ', time(r.queuedAt)];
  }
  if (r.status === 'dead') {
    return ['given up ', time(r.finishedAt)];
  }
  return r.queuedAt ? ['queued ', time(r.queuedAt)] : '—';
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
