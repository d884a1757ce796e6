import uPlot from '/console/vendor/uplot/uPlot.esm.js';
import { api, get } from '../api.js';
import { act, add, ago, button, clear, confirmDialog, h, plain, say, showError, time } from '../dom.js';

const REFRESH_MS = 10000;

export async function destinationsPage(main, ctx) {
  document.title = 'Destinations · ProfileHub console';
  const list = h('div', { class: 'destinations', id: 'destinations' });
  main.append(h('h1', null, 'Destinations'),
    h('p', { class: 'help' }, 'Figures are this workspace\'s; charts show the last hour per minute, as recorded by every ',
      'instance in the database. Refreshed every 10 seconds.'), list);
  // One card per destination, built once and then updated in place: a redraw would take the keyboard focus
  // (and a screen reader's place) away from whoever is using a button on it.
  const cards = new Map();
  const backfills = {};
  let timer = null;
  let left = false;
  ctx.onLeave(() => { left = true; clearTimeout(timer); cards.forEach((c) => c.destroy()); });

  const refresh = async () => {
    clearTimeout(timer);
    const { data } = await get('/sync/destinations');
    const series = await Promise.all(data.map((d) => get('/sync/destinations/' + encodeURIComponent(d.name)
      + '/deliveries?minutes=60').catch(() => null)));
    if (left) {
      return;
    }
    const names = data.map((d) => d.name);
    if (names.join('\n') !== [...cards.keys()].join('\n')) {
      cards.forEach((c) => c.destroy());
      cards.clear();
      clear(list);
      data.forEach((d) => {
        const c = card(d, backfills, refresh);
        cards.set(d.name, c);
        list.append(c.section);
      });
    }
    if (!data.length && !list.children.length) {
      list.append(h('p', { class: 'card' }, 'No destination serves this workspace.'));
    }
    data.forEach((d, i) => cards.get(d.name).update(d, series[i]));
    // How many refreshes have been drawn: a test (or a curious operator) can tell an update happened.
    list.dataset.refreshes = String(Number(list.dataset.refreshes || 0) + 1);
    timer = setTimeout(() => refresh().catch(showError), REFRESH_MS);
  };
  await refresh();
}

/** Sets an element's text only when it differs, so nothing is announced or repainted for nothing. */
function text(el, value) {
  if (el.textContent !== plain(value)) {
    add(clear(el), value);
  }
}

function card(d, backfills, refresh) {
  const id = 'dest-' + d.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const badge = h('span', { class: 'badge' });
  // One button that pauses or resumes: it keeps the focus when its action flips.
  const toggle = button('Pause', () => act(toggle, async () => {
    const resume = toggle.dataset.action === 'resume';
    await api('POST', '/sync/destinations/' + encodeURIComponent(d.name) + (resume ? '/resume' : '/pause'));
    say(d.name + (resume ? ' resumed' : ' paused'));
    await refresh();
  }), { class: 'secondary', 'data-action': 'pause' });
  const progress = h('p', { class: 'progress', 'aria-live': 'polite', 'data-backfill': '' });
  const backfill = button('Backfill…', () => startBackfill(backfill, d.name, progress, backfills),
    { class: 'secondary', 'data-action': 'backfill' });
  if (backfills[d.name]) {
    showBackfill(progress, backfills[d.name]);
  }
  const field = (name) => h('span', { 'data-field': name });
  const fields = {
    pending: field('pending'), inFlight: field('in-flight'), dead: field('dead'), delivered: field('delivered'),
    oldest: field('oldest'), paused: h('span', { 'data-field': 'paused' }), lastError: h('span'),
  };
  const pausedRow = h('div', { class: 'paused-row' }, h('dt', null, 'Paused'), h('dd', null, fields.paused));
  const chart = h('div', { class: 'chart', role: 'img' });
  const section = h('section', { class: 'card destination', id, 'data-name': d.name, 'aria-labelledby': id + '-title' },
    h('h2', { id: id + '-title' }, d.name, ' ', badge),
    h('dl', { class: 'facts' },
      h('dt', null, 'Type'), h('dd', null, d.type), h('dt', null, 'URL'), h('dd', null, h('code', null, d.url)),
      h('dt', null, 'Pending'), h('dd', null, fields.pending), h('dt', null, 'In flight'), h('dd', null, fields.inFlight),
      h('dt', null, 'Dead'), h('dd', null, fields.dead),
      h('dt', null, 'Delivered, last hour'), h('dd', null, fields.delivered),
      h('dt', null, 'Oldest pending'), h('dd', null, fields.oldest),
      pausedRow,
      h('dt', null, 'Last error'), h('dd', null, fields.lastError)),
    h('div', { class: 'actions' }, toggle, backfill), progress, chart);
  let plotted = null;
  let lastErrorKey = null;
  let pausedKey = null;
  return {
    section,
    destroy: () => { if (plotted) plotted.destroy(); },
    update(next, series) {
      text(badge, next.paused ? 'paused' : 'active');
      badge.className = 'badge ' + (next.paused ? 'paused' : 'active');
      const action = next.paused ? 'resume' : 'pause';
      if (toggle.dataset.action !== action) {
        toggle.dataset.action = action;
        toggle.textContent = next.paused ? 'Resume' : 'Pause';
        toggle.className = next.paused ? 'primary' : 'secondary';
      }
      text(fields.pending, String(next.pending));
      text(fields.inFlight, String(next.inFlight));
      text(fields.dead, String(next.dead));
      text(fields.delivered, String(next.deliveredLastHour));
      text(fields.oldest, ago(next.oldestPendingAgeSeconds));
      pausedRow.hidden = !next.paused;
      const pk = JSON.stringify([next.paused, next.pausedReason, next.pausedAt]);
      if (pk !== pausedKey) {
        pausedKey = pk;
        clear(fields.paused);
        if (next.paused) {
          add(fields.paused, h('span', { 'data-field': 'paused-reason' }, next.pausedReason || 'no reason given'),
            ' (', time(next.pausedAt), ')');
        }
      }
      const ek = JSON.stringify([next.lastError, next.lastErrorAt]);
      if (ek !== lastErrorKey) {
        lastErrorKey = ek;
        add(clear(fields.lastError), next.lastError
          ? [h('code', { 'data-field': 'last-error' }, next.lastError), ' (', time(next.lastErrorAt), ')'] : '—');
      }
      chart.setAttribute('aria-label', plain(chartLabel(next.name, series)));
      if (series) {
        const data = columns(series);
        if (plotted) {
          plotted.setData(data);
        } else {
          requestAnimationFrame(() => { plotted = plot(chart, data); });
        }
      }
    },
  };
}

function chartLabel(name, series) {
  if (!series) {
    return 'No delivery figures for ' + name;
  }
  const total = series.minutes.reduce((n, m) => n + m.delivered, 0);
  const lags = series.minutes.filter((m) => m.lagMaxMs !== null).map((m) => m.lagMaxMs);
  return 'Deliveries per minute to ' + name + ' over the last hour: ' + total + ' in all'
    + (lags.length ? ', slowest ' + Math.max(...lags) + ' ms from queue to vendor' : '');
}

function columns(series) {
  return [series.minutes.map((m) => Date.parse(m.minute) / 1000), series.minutes.map((m) => m.delivered),
    series.minutes.map((m) => m.retried), series.minutes.map((m) => m.dead), series.minutes.map((m) => m.lagAvgMs)];
}

function plot(el, data) {
  const width = Math.max(280, el.clientWidth || 600);
  return new uPlot({
    width,
    height: 180,
    legend: { show: true },
    scales: { x: { time: true }, n: {}, ms: {} },
    axes: [{}, { scale: 'n', label: 'events / min' }, { scale: 'ms', side: 1, label: 'lag ms', grid: { show: false } }],
    series: [
      {},
      { label: 'delivered', scale: 'n', stroke: '#1f6feb', fill: 'rgba(31,111,235,0.12)', width: 2 },
      { label: 'retried', scale: 'n', stroke: '#bf8700', width: 1 },
      { label: 'dead', scale: 'n', stroke: '#cf222e', width: 1 },
      { label: 'avg lag', scale: 'ms', stroke: '#6e40c9', width: 1, dash: [4, 4] },
    ],
  }, data, el);
}

async function startBackfill(btn, name, progress, backfills) {
  const ok = await confirmDialog({
    title: 'Backfill ' + name + '?',
    body: [h('p', null, 'Queue a full upsert of every profile of this workspace for ', h('strong', null, name), '.')],
    confirmLabel: 'Start backfill',
  });
  if (!ok) {
    return;
  }
  await act(btn, async () => {
    const { json } = await api('POST', '/sync/destinations/' + encodeURIComponent(name) + '/backfill');
    backfills[name] = json;
    showBackfill(progress, json);
    follow(progress, name, json.id, backfills);
  });
}

function follow(progress, name, id, backfills) {
  setTimeout(async () => {
    try {
      const job = await get('/sync/backfills/' + encodeURIComponent(id));
      backfills[name] = job;
      const target = document.querySelector('[data-name="' + CSS.escape(name) + '"] [data-backfill]') || progress;
      showBackfill(target, job);
      if (job.status === 'running') {
        follow(progress, name, id, backfills);
      }
    } catch (e) {
      showError(e);
    }
  }, 1000);
}

function showBackfill(el, job) {
  clear(el);
  add(el, 'Backfill ', h('code', null, job.id), ': ', h('strong', null, job.status), ', ',
    String(job.enqueued), ' profiles queued', job.error ? ' — ' + job.error : '');
}
