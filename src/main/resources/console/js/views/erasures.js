import { api, get } from '../api.js';
import { act, add, button, clear, facts, h, link, plain, say, scroller, time } from '../dom.js';
import { answer } from './profiles.js';

const erasureRoute = (id) => '/erasures/' + encodeURIComponent(id);
const PROFILE_ID = /^usr_[A-Za-z0-9]{16}$/;

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
  return add(section, scroller(title, h('table', { class: 'list', id },
    h('thead', null, h('tr', null, ['Profile', 'Requested', 'Completed', 'Destinations'].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', null, page.data.map((e) => h('tr', null,
      h('td', null, link(erasureRoute(e.userId), e.userId)),
      h('td', null, time(e.requestedAt)),
      h('td', null, time(e.completedAt)),
      h('td', null, e.destinations.map((d) => d.name + ': ' + d.status).join(', ') || '—')))))),
  page.nextPageToken ? h('p', { class: 'help' }, 'Showing the first 50.') : null);
}

/**
 * One erasure, followed until every destination has settled. The page is built once and its figures updated in
 * place: the live region speaks only when the status changes, not on every poll.
 */
export async function erasurePage(main, ctx) {
  const [id] = ctx.params;
  document.title = 'Erasure of ' + plain(id) + ' · ProfileHub console';
  if (!PROFILE_ID.test(id)) {
    add(main, h('p', { class: 'card error', role: 'alert' }, 'This is not a profile id: ', h('code', null, id), '.'));
    return;
  }
  const path = '/erasures/' + encodeURIComponent(id);
  const first = await get(path);
  const status = h('span', { class: 'badge', id: 'erasure-status' });
  const completed = h('span', { 'data-field': 'completed' });
  const live = h('p', { id: 'erasure-live', role: 'status', 'aria-live': 'polite' });
  const following = h('p', { class: 'help', id: 'erasure-following' });
  const rows = h('tbody');
  main.append(h('section', { class: 'card', 'aria-labelledby': 'erasure-title' },
    h('h1', { id: 'erasure-title' }, 'Erasure of ', h('code', null, first.userId)),
    facts([['Status', status], ['Requested', time(first.requestedAt)], ['Completed', completed],
      ['Suppressed', first.suppressed ? 'yes: the same unique identifiers cannot create a profile again' : 'no']]),
    live,
    scroller('Erasure at each destination', h('table', { class: 'list', id: 'erasure-destinations' },
      h('thead', null, h('tr', null, ['Destination', 'Status', 'Updated', 'Vendor\'s last answer', ''].map((c) =>
        h('th', { scope: 'col' }, c)))),
      rows)),
    following));

  let timer = null;
  let left = false;
  let shownStatus = null;
  let settled = null;
  ctx.onLeave(() => { left = true; clearTimeout(timer); });
  const show = (e) => {
    const text = e.status.replace('_', ' ');
    if (text !== shownStatus) {
      shownStatus = text;
      status.className = 'badge ' + e.status;
      status.textContent = text;
      clear(completed).append(time(e.completedAt));
      // Said once per change of status, so a screen reader hears the erasure finish, not every poll.
      live.textContent = e.status === 'completed'
        ? 'Erasure completed' + (e.destinations.some((d) => d.status === 'dead') ? '; a destination refused it' : '')
        : 'Erasure in progress';
    }
    const key = JSON.stringify(e.destinations);
    if (key !== settled) {
      settled = key;
      clear(rows).append(...e.destinations.map((d) => row(d, e, ctx, follow)));
    }
    const note = e.status === 'completed' ? '' : 'Following until every destination has answered.';
    if (following.textContent !== note) {
      following.textContent = note;
    }
  };
  const poll = async () => {
    try {
      const e = await get(path);
      if (left) {
        return;
      }
      show(e);
      if (e.status !== 'completed') {
        timer = setTimeout(poll, 2000);
      }
    } catch (err) {
      following.textContent = err.message;
    }
  };
  // After a retry the erasure is in progress again: follow it again until it ends.
  const follow = () => {
    clearTimeout(timer);
    poll();
  };
  show(first);
  if (first.status !== 'completed') {
    timer = setTimeout(poll, 2000);
  }
}

function row(d, e, ctx, follow) {
  let action = '';
  if (d.status === 'dead' && ctx.scopes.admin) {
    const retry = button('Retry', () => act(retry, async () => {
      const q = new URLSearchParams({ userId: e.userId, destination: d.name, limit: '100' });
      const page = await get('/sync/dead-letters?' + q.toString());
      for (const letter of page.data) {
        await api('POST', '/sync/dead-letters/' + encodeURIComponent(letter.id) + '/retry');
      }
      say('Erasure at ' + d.name + ' sent again');
      follow();
    }), { class: 'secondary small', 'data-retry': d.name, 'aria-label': 'Retry the erasure at ' + d.name });
    action = retry;
  }
  return h('tr', { 'data-destination': d.name },
    h('th', { scope: 'row' }, d.name),
    h('td', null, h('span', { class: 'badge ' + d.status }, d.status)),
    h('td', null, time(d.updatedAt)),
    h('td', null, answer(d.lastStatus, d.detail)),
    h('td', null, action));
}
