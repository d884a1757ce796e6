import uPlot from '/console/vendor/uplot/uPlot.esm.js';
import { api, get } from '../api.js';
import { act, add, ago, button, clear, confirmDialog, facts, h, say, showError, time } from '../dom.js';

const REFRESH_MS = 10000;

export async function destinationsPage(main, ctx) {
  document.title = 'Destinations · ProfileHub console';
  const list = h('div', { class: 'destinations', id: 'destinations' });
  main.append(h('h1', null, 'Destinations'),
    h('p', { class: 'help' }, 'Figures are this workspace\'s; charts show the last hour per minute, as recorded by every ',
      'instance in the database. Refreshed every 10 seconds.'), list);
  const charts = [];
  const backfills = {};
  let timer = null;
  let left = false;
  ctx.onLeave(() => { left = true; clearTimeout(timer); charts.forEach((c) => c.destroy()); });

  const refresh = async () => {
    const { data } = await get('/sync/destinations');
    const series = await Promise.all(data.map((d) => get('/sync/destinations/' + encodeURIComponent(d.name)
      + '/deliveries?minutes=60').catch(() => null)));
    if (left) {
      return;
    }
    charts.splice(0).forEach((c) => c.destroy());
    clear(list);
    if (!data.length) {
      list.append(h('p', { class: 'card' }, 'No destination serves this workspace.'));
    }
    data.forEach((d, i) => list.append(card(d, series[i], charts, backfills, refresh)));
    timer = setTimeout(() => refresh().catch(showError), REFRESH_MS);
  };
  await refresh();
}

function card(d, series, charts, backfills, refresh) {
  const id = 'dest-' + d.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const toggle = d.paused
    ? button('Resume', () => act(toggle, async () => {
      await api('POST', '/sync/destinations/' + encodeURIComponent(d.name) + '/resume');
      say(d.name + ' resumed');
      await refresh();
    }), { class: 'primary', 'data-action': 'resume' })
    : button('Pause', () => act(toggle, async () => {
      await api('POST', '/sync/destinations/' + encodeURIComponent(d.name) + '/pause');
      say(d.name + ' paused');
      await refresh();
    }), { class: 'secondary', 'data-action': 'pause' });
  const progress = h('p', { class: 'progress', 'aria-live': 'polite', 'data-backfill': '' });
  const backfill = button('Backfill…', () => startBackfill(backfill, d.name, progress, backfills),
    { class: 'secondary', 'data-action': 'backfill' });
  if (backfills[d.name]) {
    showBackfill(progress, backfills[d.name]);
  }
  const chart = h('div', { class: 'chart', role: 'img', 'aria-label': chartLabel(d.name, series) });
  const section = h('section', { class: 'card destination', id, 'data-name': d.name, 'aria-labelledby': id + '-title' },
    h('h2', { id: id + '-title' }, d.name, ' ', h('span', { class: 'badge ' + (d.paused ? 'paused' : 'active') },
      d.paused ? 'paused' : 'active')),
    facts([
      ['Type', d.type], ['URL', h('code', null, d.url)],
      ['Pending', h('span', { 'data-field': 'pending' }, String(d.pending))],
      ['In flight', String(d.inFlight)],
      ['Dead', h('span', { 'data-field': 'dead' }, String(d.dead))],
      ['Delivered, last hour', h('span', { 'data-field': 'delivered' }, String(d.deliveredLastHour))],
      ['Oldest pending', ago(d.oldestPendingAgeSeconds)],
      d.paused ? ['Paused', [h('span', { 'data-field': 'paused-reason' }, d.pausedReason || 'no reason given'), ' (',
        time(d.pausedAt), ')']] : null,
      ['Last error', d.lastError ? [h('code', { 'data-field': 'last-error' }, d.lastError), ' (', time(d.lastErrorAt), ')']
        : '—'],
    ]),
    h('div', { class: 'actions' }, toggle, backfill), progress, chart);
  if (series) {
    requestAnimationFrame(() => charts.push(plot(chart, series)));
  }
  return section;
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

function plot(el, series) {
  const xs = series.minutes.map((m) => Date.parse(m.minute) / 1000);
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
  }, [xs, series.minutes.map((m) => m.delivered), series.minutes.map((m) => m.retried),
    series.minutes.map((m) => m.dead), series.minutes.map((m) => m.lagAvgMs)], el);
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
