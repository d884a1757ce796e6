import { api, get } from '../api.js';
import { act, add, button, confirmDialog, facts, h, link, mergeRoute, plain, profileRoute, say, scroller, time }
  from '../dom.js';

/** The merges a profile took part in, newest first, each linking to its record. */
export async function mergesSection(id) {
  const page = await get('/identify/' + encodeURIComponent(id) + '/merges?limit=20');
  const section = h('section', { class: 'card', 'aria-labelledby': 'merges-title', id: 'merges' },
    h('h2', { id: 'merges-title' }, 'Merges'));
  if (!page.data.length) {
    return add(section, h('p', null, 'This profile took part in no merge.'));
  }
  return add(section, scroller('Merges', h('table', { class: 'list', id: 'merges-list' },
    h('thead', null, h('tr', null, ['Merge', 'Role', 'Survivor', 'Absorbed', 'Status', 'When'].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', null, page.data.map((m) => h('tr', { 'data-merge': m.id },
      h('td', null, link(mergeRoute(m.id), h('code', null, m.id))),
      h('td', null, m.role),
      h('td', null, m.role === 'survivor' ? h('code', null, m.survivorId) : link(profileRoute(m.survivorId), m.survivorId)),
      h('td', null, m.role === 'absorbed' ? h('code', null, m.absorbedId) : link(profileRoute(m.absorbedId), m.absorbedId)),
      h('td', null, h('span', { class: 'badge ' + m.status }, m.status)),
      h('td', null, time(m.createdAt))))))),
  page.nextPageToken ? h('p', { class: 'help' }, 'The 20 newest are shown.') : null);
}

/** Why a page shows another profile than the one asked for: the id was absorbed, and by which merge. */
export async function mergedNotice(asked, survivor) {
  const page = await get('/identify/' + encodeURIComponent(asked) + '/merges?limit=100').catch(() => ({ data: [] }));
  const merge = page.data.find((m) => m.absorbedId === asked && m.status === 'merged');
  return h('p', { class: 'card notice', id: 'merged-notice' },
    h('code', null, asked), ' was merged into ', h('code', null, survivor),
    merge ? [' by merge ', link(mergeRoute(merge.id), h('code', null, merge.id)), ' (', time(merge.createdAt), ')']
      : null,
    '; this is the profile it belongs to now.');
}

/** One merge: who asked, what each destination got, and undo while the earlier state is kept. */
export async function mergePage(main, ctx) {
  const [id] = ctx.params;
  document.title = 'Merge ' + plain(id) + ' · ProfileHub console';
  const m = await get('/merges/' + encodeURIComponent(id));
  const actions = h('div', { class: 'actions' });
  if (ctx.scopes.write && m.status === 'merged' && m.undoableUntil) {
    const undo = button('Undo this merge…', async () => {
      const ok = await confirmDialog({
        title: 'Undo merge ' + m.id + '?',
        body: [h('p', null, 'Restore ', h('code', null, m.survivorId), ' and ', h('code', null, m.absorbedId),
          ' as they were before the merge, here and at every destination.')],
        confirmLabel: 'Undo merge',
        danger: true,
      });
      if (!ok) {
        return;
      }
      await act(undo, async () => {
        await api('POST', '/merges/' + encodeURIComponent(m.id) + '/undo');
        say('Merge ' + m.id + ' undone');
        ctx.go(mergeRoute(m.id));
      });
    }, { class: 'danger', id: 'undo-merge' });
    actions.append(undo);
  }
  const refresh = button('Refresh', () => ctx.go(mergeRoute(m.id)), { class: 'secondary', id: 'refresh-merge' });
  actions.append(refresh);
  add(main,
    h('section', { class: 'card', 'aria-labelledby': 'merge-title' },
      h('h1', { id: 'merge-title' }, 'Merge ', h('code', null, m.id)),
      facts([
        ['Status', h('span', { class: 'badge ' + m.status, id: 'merge-status' }, m.status)],
        ['Survivor', link(profileRoute(m.survivorId), m.survivorId)],
        ['Absorbed', m.status === 'undone' ? link(profileRoute(m.absorbedId), m.absorbedId)
          : h('code', null, m.absorbedId)],
        ['On a conflict', m.prefer === 'from' ? 'the absorbed profile\'s value won' : 'the survivor\'s value won'],
        ['Merged', time(m.createdAt)],
        ['Undone', m.undoneAt ? time(m.undoneAt) : 'no'],
        ['Undoable until', m.undoableUntil ? time(m.undoableUntil) : 'no longer'],
        ['Asked by', source(m.source)],
      ]),
      actions),
    h('section', { class: 'card', 'aria-labelledby': 'merge-destinations-title' },
      h('h2', { id: 'merge-destinations-title' }, 'What each destination got'),
      m.destinations.length ? scroller('What each destination got', h('table', { class: 'list', id: 'merge-destinations' },
        h('thead', null, h('tr', null, ['Destination', 'Survivor\'s upsert', 'Absorbed user\'s removal',
          'Undo\'s upserts'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, m.destinations.map((d) => h('tr', { 'data-destination': d.name },
          h('th', { scope: 'row' }, d.name),
          h('td', null, delivery(d.survivor)),
          h('td', null, delivery(d.absorbed)),
          h('td', null, d.undo ? d.undo.map(delivery) : '—'))))))
        : h('p', null, 'No destination serves this workspace.')));
}

export function source(s) {
  if (!s || (!s.keyId && !s.label)) {
    return 'the service';
  }
  return [s.keyName ? s.keyName : '', s.keyId ? [' (', h('code', null, s.keyId), ')'] : '',
    s.label ? [' via ', h('code', null, s.label)] : ''];
}

function delivery(d) {
  return h('div', { class: 'delivery' }, h('span', { class: 'badge ' + d.status }, d.status.replace('_', ' ')),
    d.version === null || d.version === undefined ? '' : ' v' + d.version,
    d.detail ? [' ', h('span', { class: 'help' }, d.detail)] : '');
}
