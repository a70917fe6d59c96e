// Shared by every page: sign-in by token, the API client, filters kept in the URL, and chart
// cards with their loading / empty / error states. Plain ES module, no build step; vega,
// vega-lite and vega-embed are loaded as classic scripts before it (window.vegaEmbed).

const TOKEN_KEY = 'dialwise.token';
const FILTER_KEYS = ['campaign', 'from', 'to', 'segment', 'version', 'sim'];

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// ---- API ------------------------------------------------------------------------------------

/** GET an /api path with the stored token; empty params are left out. */
export async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const url = query.size ? `${path}?${query}` : path;
  const res = await fetch(url, { headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` } });
  const body = await res.json().catch(() => null);
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('Your session has ended: sign in again.');
  }
  if (!res.ok) throw new ApiError(res.status, body?.code ?? 'HTTP_' + res.status, body?.message ?? res.statusText);
  if (body?.meta?.stale) showBanner(`Showing the last good copy of the warehouse (read ${body.meta.warehouse_read_at ?? 'earlier'}): a nightly run may be writing.`);
  return body;
}

// ---- sign-in --------------------------------------------------------------------------------

function showLogin(message = '') {
  document.body.dataset.auth = 'signed-out';
  const error = document.getElementById('login-error');
  error.textContent = message;
  error.hidden = !message;
  document.getElementById('token').focus();
}

async function whoAmI() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return null;
  try {
    return await api('/api/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/**
 * Resolves with /api/me: at once when the stored token is still good, else once the form gets
 * one the API accepts. The form stays wired for the whole visit: when a token stops working
 * later (a 401 brings the form back), signing in again reloads the page with the new one.
 */
function signIn() {
  return new Promise((resolve) => {
    let signedIn = false;
    const form = document.getElementById('login-form');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const token = new FormData(form).get('token').trim();
      if (!token) return showLogin('Paste the token you were given.');
      sessionStorage.setItem(TOKEN_KEY, token);
      try {
        const me = await whoAmI();
        if (me) {
          form.reset();
          if (signedIn) return location.reload();
          signedIn = true;
          return resolve(me);
        }
        showLogin('That token was not accepted.');
      } catch (err) {
        showLogin(`Could not check the token: ${err.message}`);
      }
      sessionStorage.removeItem(TOKEN_KEY);
    });
    whoAmI()
      .catch(() => null)
      .then((me) => {
        if (!me) return showLogin();
        signedIn = true;
        resolve(me);
      });
  });
}

function showBanner(text) {
  const banner = document.getElementById('banner');
  banner.textContent = text;
  banner.hidden = false;
}

// ---- filters in the URL ---------------------------------------------------------------------

export function readFilters() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const key of FILTER_KEYS) if (params.get(key)) filters[key] = params.get(key);
  return filters;
}

/** The query string carries the filters so a view can be shared; nav links keep it. */
function writeFilters(filters) {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  const search = params.size ? `?${params}` : '';
  if (search !== location.search) history.pushState(null, '', location.pathname + search);
  for (const link of document.querySelectorAll('nav a[data-page]')) link.search = search;
}

/** Fills a filter <select> with options [{value, label}] after its "all" option. */
export function setOptions(name, options) {
  const select = document.querySelector(`#filters [name="${name}"]`);
  if (!select) return;
  const keep = select.querySelector('option[value=""]');
  select.replaceChildren(...(keep ? [keep] : []));
  for (const { value, label } of options) select.add(new Option(label, String(value)));
}

function syncControls(filters) {
  for (const control of document.querySelectorAll('#filters [name]')) control.value = filters[control.name] ?? '';
}

// ---- chart cards ----------------------------------------------------------------------------

let specs = null;
const views = new Map();

function card(id) {
  const el = document.querySelector(`[data-chart="${id}"] .chart`);
  if (!el) throw new Error(`no chart card "${id}" on this page`);
  return el;
}

function setState(el, state, message = '') {
  el.dataset.state = state;
  el.querySelector('.state').textContent = message;
}

/** A short fingerprint of the rows a chart shows (tests compare it across filter changes). */
function digest(rows) {
  const text = JSON.stringify(rows);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}

/** Removes what a card drew before (its vega view, listeners and SVG). */
function clear(id, el) {
  views.get(id)?.finalize();
  views.delete(id);
  el.querySelector('.vega')?.remove();
}

/** Draws chart `id` over `rows`; `params` sets values of the spec's named params. */
export async function renderChart(id, rows, params = {}, emptyMessage = 'No data for these filters.') {
  const el = card(id);
  clear(id, el);
  el.dataset.rows = String(rows.length);
  el.dataset.digest = digest(rows);
  if (rows.length === 0) return setState(el, 'empty', emptyMessage);
  const spec = structuredClone(specs[id]);
  spec.datasets = { rows };
  for (const p of spec.params ?? []) if (p.name in params) p.value = params[p.name];
  const target = document.createElement('div');
  target.className = 'vega';
  el.append(target);
  // Warnings off in the browser: vega-lite warns on every 'container'-wide chart with banded
  // height (a known quirk); test/dashboards/pages.test.ts checks the specs for real warnings.
  const result = await window.vegaEmbed(target, spec, { renderer: 'svg', actions: false, logLevel: window.vega.Error });
  // A newer load replaced this chart while it was drawing: drop this one.
  if (!target.isConnected) return result.view.finalize();
  views.set(id, result.view);
  setState(el, 'ready');
}

export function failChart(id, err, prefix = 'Could not load: ') {
  const el = card(id);
  clear(id, el);
  el.dataset.rows = '0';
  el.dataset.digest = '';
  setState(el, 'error', prefix + err.message);
}

function chartIds() {
  return [...document.querySelectorAll('[data-chart]')].map((c) => c.dataset.chart);
}

// ---- the page life cycle --------------------------------------------------------------------

/**
 * Runs a page: sign in, set up the filters (`setup(me)` fills the selects), then
 * `load(filters, stale)` on start and after every filter change; `load` draws every card (see
 * settle) and `stale()` turns true once a newer load has begun. The body's data-state says
 * when the latest load has settled.
 */
export async function startPage({ setup = async () => {}, load }) {
  document.getElementById('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
  const me = await signIn();
  document.body.dataset.auth = 'signed-in';
  document.getElementById('who').textContent = `${me.name} · ${me.role}`;
  showServing();

  specs = await fetch('/app/specs.json').then((r) => r.json());
  let generation = 0;
  const refresh = async () => {
    const mine = ++generation;
    const filters = readFilters();
    syncControls(filters);
    writeFilters(filters);
    document.body.dataset.state = 'loading';
    for (const id of chartIds()) setState(card(id), 'loading', 'Loading…');
    const kpis = document.getElementById('kpis');
    if (kpis) kpis.dataset.state = 'loading';
    const problem = validate(filters);
    if (problem) {
      for (const id of chartIds()) failChart(id, new Error(problem), 'Check the filters: ');
      kpis?.replaceChildren();
    } else {
      await load(filters, () => mine !== generation);
    }
    if (mine === generation) document.body.dataset.state = 'ready';
  };

  try {
    await setup(me);
  } catch (err) {
    showBanner(`Could not load the filter choices: ${err.message}`);
  }
  document.getElementById('filters').addEventListener('change', (event) => {
    const filters = readFilters();
    if (event.target.value) filters[event.target.name] = event.target.value;
    else delete filters[event.target.name];
    writeFilters(filters);
    refresh();
  });
  document.getElementById('clear-filters')?.addEventListener('click', () => {
    writeFilters({});
    refresh();
  });
  window.addEventListener('popstate', refresh);
  await refresh();
}

/** Which published run the numbers come from, in the header (every role may ask). */
async function showServing() {
  const el = document.getElementById('serving');
  try {
    const { published, warehouse } = await api('/api/status');
    const asOf = published?.as_of ? new Date(published.as_of).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : null;
    el.textContent = published ? `run ${published.run_id}${asOf ? ` · as of ${asOf}` : ''}` : 'nothing published yet';
    el.title = `warehouse read ${warehouse.read_at ?? 'never'}${warehouse.stale ? ' (stale)' : ''}`;
  } catch {
    el.textContent = '';
  }
}

function validate(filters) {
  if (filters.from && filters.to && filters.from > filters.to) return 'the start date is after the end date.';
  return null;
}

/**
 * Runs each chart's loader on its own so one failing request marks only its cards as failed.
 * `tasks` maps chart ids to async functions that draw them (and may draw more than one).
 */
export async function settle(tasks, stale) {
  await Promise.all(
    tasks.map(async ({ charts, run }) => {
      try {
        await run(stale);
      } catch (err) {
        if (stale()) return;
        // Nothing published yet is an empty dashboard, not a broken one: say what to run.
        if (err instanceof ApiError && err.code === 'NO_PUBLISHED_RUN') for (const id of charts) await renderChart(id, [], {}, err.message);
        else for (const id of charts) failChart(id, err);
      }
    }),
  );
}

// ---- small formatting helpers for KPI tiles -------------------------------------------------

export const fmt = {
  pct: (x, digits = 1) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`),
  int: (x) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-GB')),
  seconds: (x) => (x === null || x === undefined ? '–' : `${Math.floor(x / 60)}:${String(Math.round(x % 60)).padStart(2, '0')}`),
  num: (x, digits = 1) => (x === null || x === undefined ? '–' : x.toFixed(digits)),
};

/** Fills the KPI strip: [{label, value, note?, alert?}]. */
export function setKpis(tiles) {
  const strip = document.getElementById('kpis');
  strip.dataset.state = 'ready';
  strip.replaceChildren(
    ...tiles.map(({ label, value, note, alert }) => {
      const tile = document.createElement('div');
      tile.className = alert ? 'kpi alert' : 'kpi';
      tile.innerHTML = '<span class="label"></span><span class="value"></span><span class="note"></span>';
      tile.querySelector('.label').textContent = label;
      tile.querySelector('.value').textContent = value;
      tile.querySelector('.note').textContent = note ?? '';
      return tile;
    }),
  );
}
