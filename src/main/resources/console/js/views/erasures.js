import { get } from '../api.js';
import { add, clear, facts, h, link, time } from '../dom.js';
import { answer } from './profiles.js';

const erasureRoute = (id) => '/erasures/' + encodeURIComponent(id);

export async function erasuresPage(main, ctx) {
  document.title = 'Erasures · ProfileHub console';
  const input = h('input', { id: 'erasure-id', name: 'id', required: true, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'usr_…' });
  const lookup = h('form', { class: 'card', role: 'search', 'aria-labelledby': 'erasures-title' },
    h('h1', { id: 'erasures-title' }, 'Erasures'),
    h('label', { for: 'erasure-id' }, 'Profile id'), h('div', { class: 'inline' }, input,
      h('button', { type: 'submit', class: 'primary' }, 'Show erasure')));
  lookup.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.go(erasureRoute(input.value.trim()));
  });
  main.append(lookup);
  if (!ctx.scopes.admin) {
    return;
  }
  const [open, done] = await Promise.all([get('/erasures?status=in_progress&limit=50'),
    get('/erasures?status=completed&limit=50')]);
  add(main, listing('In progress', 'erasures-open', open), listing('Completed', 'erasures-done', done));
}

function listing(title, id, page) {
  const section = h('section', { class: 'card', 'aria-labelledby': id + '-title' }, h('h2', { id: id + '-title' }, title));
  if (!page.data.length) {
    return add(section, h('p', null, 'None.'));
  }
  return add(section, h('table', { class: 'list', id },
    h('thead', null, h('tr', null, ['Profile', 'Requested', 'Completed', 'Destinations'].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', null, page.data.map((e) => h('tr', null,
      h('td', null, link(erasureRoute(e.userId), e.userId)),
      h('td', null, time(e.requestedAt)),
      h('td', null, time(e.completedAt)),
      h('td', null, e.destinations.map((d) => d.name + ': ' + d.status).join(', ') || '—'))))),
  page.nextPageToken ? h('p', { class: 'help' }, 'Showing the first 50.') : null);
}

/** One erasure, followed until every destination has settled. */
export async function erasurePage(main, ctx) {
  const [id] = ctx.params;
  document.title = 'Erasure of ' + id + ' · ProfileHub console';
  const section = h('section', { class: 'card', 'aria-labelledby': 'erasure-title', 'aria-live': 'polite' });
  main.append(section);
  let timer = null;
  let left = false;
  ctx.onLeave(() => { left = true; clearTimeout(timer); });
  const refresh = async () => {
    const e = await get('/erasures/' + encodeURIComponent(id));
    if (left) {
      return;
    }
    clear(section).append(
      h('h1', { id: 'erasure-title' }, 'Erasure of ', h('code', null, e.userId)),
      facts([['Status', h('span', { class: 'badge ' + e.status, id: 'erasure-status' }, e.status.replace('_', ' '))],
        ['Requested', time(e.requestedAt)], ['Completed', time(e.completedAt)],
        ['Suppressed', e.suppressed ? 'yes: the same unique identifiers cannot create a profile again' : 'no']]),
      h('table', { class: 'list', id: 'erasure-destinations' },
        h('thead', null, h('tr', null, ['Destination', 'Status', 'Updated', 'Vendor\'s last answer'].map((c) =>
          h('th', { scope: 'col' }, c)))),
        h('tbody', null, e.destinations.map((d) => h('tr', null,
          h('th', { scope: 'row' }, d.name),
          h('td', null, h('span', { class: 'badge ' + d.status }, d.status)),
          h('td', null, time(d.updatedAt)),
          h('td', null, answer(d.lastStatus, d.detail)))))),
      e.status === 'completed' ? null : h('p', { class: 'help' }, 'Refreshing every 2 seconds until complete.'));
    if (e.status !== 'completed') {
      timer = setTimeout(() => refresh().catch((err) => add(section, h('p', { class: 'error' }, err.message))), 2000);
    }
  };
  await refresh();
}
