import { api, get } from '../api.js';
import { act, add, button, confirmDialog, h, link, profileRoute, say, scroller, time } from '../dom.js';
import { answer } from './profiles.js';

/** Dead letters filtered by destination, vendor status and time; retry or discard one or many. */
export async function deadLettersPage(main, ctx) {
  document.title = 'Dead letters · ProfileHub console';
  const q = ctx.query;
  const { data: destinations } = await get('/sync/destinations');
  const select = h('select', { id: 'dl-destination', name: 'destination' }, h('option', { value: '' }, 'all'),
    destinations.map((d) => h('option', { value: d.name, selected: q.get('destination') === d.name }, d.name)));
  const status = h('input', { id: 'dl-status', name: 'status', inputmode: 'numeric', pattern: '[0-9]{3}',
    value: q.get('status') || '', placeholder: 'e.g. 400' });
  const since = h('input', { id: 'dl-since', name: 'since', type: 'datetime-local', value: local(q.get('since')) });
  const until = h('input', { id: 'dl-until', name: 'until', type: 'datetime-local', value: local(q.get('until')) });
  const form = h('form', { class: 'card', role: 'search', 'aria-labelledby': 'dl-title' },
    h('h1', { id: 'dl-title' }, 'Dead letters'),
    h('div', { class: 'grid' },
      h('div', null, h('label', { for: 'dl-destination' }, 'Destination'), select),
      h('div', null, h('label', { for: 'dl-status' }, 'Vendor HTTP status'), status),
      h('div', null, h('label', { for: 'dl-since' }, 'Dead since (your time)'), since),
      h('div', null, h('label', { for: 'dl-until' }, 'Dead before (your time)'), until)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'dl-filter' }, 'Filter')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (select.value) next.set('destination', select.value);
    if (status.value.trim()) next.set('status', status.value.trim());
    if (since.value) next.set('since', new Date(since.value).toISOString());
    if (until.value) next.set('until', new Date(until.value).toISOString());
    ctx.go('/dead-letters?' + next.toString());
  });
  main.append(form);

  const params = new URLSearchParams();
  ['destination', 'status', 'since', 'until', 'pageToken'].forEach((k) => q.get(k) && params.set(k, q.get(k)));
  params.set('limit', '50');
  const page = await get('/sync/dead-letters?' + params.toString());
  const results = h('section', { class: 'card', 'aria-labelledby': 'dl-results-title' },
    h('h2', { id: 'dl-results-title' }, 'Matching dead letters'));
  main.append(results);
  if (!page.data.length) {
    add(results, h('p', { id: 'dl-empty' }, 'No dead letter matches.'));
    return;
  }
  const boxes = [];
  const selected = () => boxes.filter((b) => b.checked).map((b) => b.value);
  const all = h('input', { type: 'checkbox', id: 'dl-all', 'aria-label': 'Select all on this page',
    onchange: () => boxes.forEach((b) => { b.checked = all.checked; }) });
  const retry = button('Retry selected', () => act(retry, async () => {
    const ids = selected();
    for (const id of ids) {
      await api('POST', '/sync/dead-letters/' + encodeURIComponent(id) + '/retry');
    }
    say(ids.length + ' dead letters queued again');
    ctx.go(currentRoute(q));
  }), { class: 'primary', id: 'dl-retry' });
  const discard = button('Discard selected…', async () => {
    const ids = selected();
    if (!ids.length) return;
    const ok = await confirmDialog({ title: 'Discard ' + ids.length + ' dead letters?',
      body: [h('p', null, 'They will never be sent. This cannot be undone.')], confirmLabel: 'Discard', danger: true });
    if (!ok) return;
    await act(discard, async () => {
      for (const id of ids) {
        await api('DELETE', '/sync/dead-letters/' + encodeURIComponent(id));
      }
      say(ids.length + ' dead letters discarded');
      ctx.go(currentRoute(q));
    });
  }, { class: 'danger', id: 'dl-discard' });
  const bar = h('div', { class: 'actions' }, retry, discard);
  if (q.get('destination')) {
    const retryAll = button('Retry every match at ' + q.get('destination'), () => act(retryAll, async () => {
      const p = new URLSearchParams();
      ['status', 'since', 'until'].forEach((k) => q.get(k) && p.set(k, q.get(k)));
      const { json } = await api('POST', '/sync/destinations/' + encodeURIComponent(q.get('destination'))
        + '/dead-letters/retry?' + p.toString());
      say(json.retried + ' dead letters queued again');
      ctx.go(currentRoute(q));
    }), { class: 'secondary', id: 'dl-retry-all' });
    bar.append(retryAll);
  }
  add(results, bar, scroller('Matching dead letters', h('table', { class: 'list', id: 'dead-letters' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, all),
      ['Id', 'Destination', 'Profile', 'Kind', 'Attempts', 'Dead at', 'Vendor\'s answer'].map((c) =>
        h('th', { scope: 'col' }, c)))),
    h('tbody', null, page.data.map((d) => {
      const box = h('input', { type: 'checkbox', value: String(d.id), 'aria-label': 'Select dead letter ' + d.id });
      boxes.push(box);
      return h('tr', { 'data-id': String(d.id) },
        h('td', null, box), h('td', null, String(d.id)), h('td', null, d.destination),
        h('td', null, link(profileRoute(d.userId), d.userId)), h('td', null, d.kind),
        h('td', null, String(d.attempts)), h('td', null, time(d.deadAt)),
        h('td', null, answer(d.lastStatus, d.lastError)));
    })))));
  if (page.nextPageToken) {
    const next = new URLSearchParams(q);
    next.set('pageToken', page.nextPageToken);
    add(results, h('p', null, link('/dead-letters?' + next.toString(), 'Next page')));
  }
}

function currentRoute(q) {
  const p = new URLSearchParams(q);
  p.delete('pageToken');
  return '/dead-letters?' + p.toString();
}

function local(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':'
    + pad(d.getMinutes());
}
