import { get } from '../api.js';
import { add, h, link, plain, profileRoute, say, scroller, time, tree } from '../dom.js';
import { source } from './merges.js';

const PROFILE_ID = /^usr_[A-Za-z0-9]{16}$/;

/** Who changed which field of a profile, when, from what, to what: newest first, filtered by field. */
export async function historyPage(main, ctx) {
  const [id] = ctx.params;
  document.title = 'History of ' + plain(id) + ' · ProfileHub console';
  if (!PROFILE_ID.test(id)) {
    add(main, h('p', { class: 'card error', role: 'alert' }, 'This is not a profile id: ', h('code', null, id), '.'));
    return;
  }
  const route = '/profiles/' + encodeURIComponent(id) + '/history';
  const field = h('input', { id: 'history-field', name: 'field', value: ctx.query.get('field') || '',
    autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. traits.plan or identifiers.name' });
  const form = h('form', { class: 'card', role: 'search', 'aria-labelledby': 'history-title' },
    h('h1', { id: 'history-title' }, 'Field history of ', h('code', null, id)),
    h('p', null, link(profileRoute(id), 'Back to the profile')),
    h('label', { for: 'history-field' }, 'Field (and its sub-fields)'),
    h('div', { class: 'inline' }, field, h('button', { type: 'submit', class: 'primary', id: 'history-filter' }, 'Show')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    if (field.value.trim()) {
      q.set('field', field.value.trim());
    }
    ctx.go(route + (q.toString() ? '?' + q.toString() : ''));
  });
  main.append(form);

  const q = new URLSearchParams();
  ['field', 'pageToken'].forEach((k) => ctx.query.get(k) && q.set(k, ctx.query.get(k)));
  q.set('limit', '50');
  const page = await get('/identify/' + encodeURIComponent(id) + '/history?' + q.toString());
  const results = h('section', { class: 'card', 'aria-labelledby': 'history-results-title' },
    h('h2', { id: 'history-results-title' }, 'Changes, newest first'));
  main.append(results);
  if (!page.data.length) {
    add(results, h('p', { id: 'history-empty' }, 'No change of this field is kept.'));
  } else {
    add(results, scroller('Changes, newest first', h('table', { class: 'list', id: 'history' },
      h('thead', null, h('tr', null, ['When', 'Field', 'Old', 'New', 'Version', 'Cause', 'Source'].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', null, page.data.map((e) => h('tr', null,
        h('td', null, time(e.time)),
        h('td', null, h('code', null, e.field)),
        h('td', { class: 'clip' }, e.oldKnown ? tree(e.old) : h('span', { class: 'empty' }, 'not kept')),
        h('td', { class: 'clip' }, tree(e.new)),
        h('td', null, e.version === null ? '—' : 'v' + e.version),
        h('td', null, e.cause),
        h('td', { class: 'source' }, source(e.source))))))));
  }
  if (page.nextPageToken) {
    const next = new URLSearchParams(ctx.query);
    next.set('pageToken', page.nextPageToken);
    add(results, h('p', null, link(route + '?' + next.toString(), 'Older changes')));
  }
  say(page.data.length + ' changes shown');
}
