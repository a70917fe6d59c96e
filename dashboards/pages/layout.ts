// The pages: what each one shows (cards, filters) and the HTML shell they share. The shell
// holds no data; static/js/<page>.js fetches it from /api with the signed-in token.
import type { ChartId } from './specs/index.ts';

export type FilterName = 'campaign' | 'from' | 'to' | 'segment' | 'version' | 'sim';

export interface Card {
  chart: ChartId;
  title: string;
  /** One line under the title: what the chart shows and how to read it. */
  note: string;
  /** Spans both columns of the grid. */
  wide?: boolean;
}

export interface PageDef {
  id: 'segments' | 'campaigns' | 'models' | 'feedback';
  title: string;
  filters: FilterName[];
  /** A strip of headline numbers above the charts. */
  kpis?: boolean;
  cards: Card[];
}

export const PAGES: readonly PageDef[] = [
  {
    id: 'segments',
    title: 'Segments',
    filters: ['segment'],
    cards: [
      { chart: 'segment-sizes', title: 'Segment sizes', note: 'Customers per segment in the published run.' },
      { chart: 'segment-rates', title: 'Answer and conversion rate', note: 'Answered / dials and conversions / answered, calls before the run.' },
      { chart: 'segment-profile', title: 'Profile', note: 'Segment mean of each feature as a z-score against all customers (red above, blue below).', wide: true },
      { chart: 'segment-best-hours', title: 'Best hours to call', note: "Mean predicted answer probability by the callee's local hour and weekday.", wide: true },
    ],
  },
  {
    id: 'campaigns',
    title: 'Campaigns',
    filters: ['campaign', 'from', 'to', 'segment'],
    kpis: true,
    cards: [
      { chart: 'campaign-target', title: 'Target vs actual', note: 'Bar: actual; tick: target; label: deviation in percentage points.', wide: true },
      { chart: 'campaign-daily', title: 'Connect and conversion rate by day', note: 'Answered / dials and conversions / answered, all selected campaigns.' },
      { chart: 'campaign-hourly', title: "Conversion by the callee's local hour", note: 'Conversions / answered calls, by local hour of day.' },
      { chart: 'campaign-funnel', title: 'Funnel', note: 'Dialed → answered → converted (share of dialed).' },
      { chart: 'campaign-abandoned', title: 'Abandoned calls', note: 'Abandoned share of live calls per day against the legal limit.' },
    ],
  },
  {
    id: 'models',
    title: 'Models',
    filters: ['version'],
    cards: [
      { chart: 'model-metrics', title: 'Conversion model: quality by version', note: 'Out-of-time ROC AUC (higher is better) and log loss (lower is better) of every trained version.', wide: true },
      { chart: 'model-calibration', title: 'Calibration', note: 'Observed conversion rate per bin of predicted probability; the dashed line is perfect calibration.' },
      { chart: 'model-gain', title: 'Cumulative gain', note: 'Share of conversions found by calling the best-scored customers first; dashed: random order.' },
      { chart: 'model-lift', title: 'Lift by decile', note: "Each score decile's conversion rate over the average (dashed: 1)." },
      { chart: 'model-features', title: 'Top features', note: 'Mean absolute SHAP contribution on the validation window.' },
    ],
  },
  {
    id: 'feedback',
    title: 'Feedback loop',
    filters: ['sim'],
    kpis: true,
    cards: [
      { chart: 'feedback-conversions', title: 'Conversions per 1,000 dials', note: 'The same simulated days dialled by the model, in random order, and by an oracle that knows the true probabilities.' },
      { chart: 'feedback-contact', title: 'Contact rate', note: 'Answered / dials per simulated day.' },
    ],
  },
];

const VENDOR_SCRIPTS = ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js'];

const FILTER_CONTROLS: Record<FilterName, string> = {
  campaign: '<label>Campaign <select name="campaign"><option value="">All campaigns</option></select></label>',
  from: '<label>From <input type="date" name="from"></label>',
  to: '<label>To <input type="date" name="to"></label>',
  segment: '<label>Segment <select name="segment"><option value="">All segments</option></select></label>',
  version: '<label>Model version <select name="version"><option value="">Champion</option></select></label>',
  sim: '<label>Simulation <select name="sim"><option value="">Latest</option></select></label>',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderCard(card: Card): string {
  return `<section class="card${card.wide ? ' wide' : ''}" data-chart="${card.chart}">
      <h2>${escapeHtml(card.title)}</h2>
      <p class="note">${escapeHtml(card.note)}</p>
      <div class="chart" data-state="loading"><p class="state">Loading…</p></div>
    </section>`;
}

/** The full HTML of one page. */
export function renderPage(page: PageDef): string {
  const nav = PAGES.map(
    (p) => `<a data-page="${p.id}" href="/${p.id}"${p.id === page.id ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a>`,
  ).join('');
  const filters = page.filters.map((f) => FILTER_CONTROLS[f]).join('\n      ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(page.title)} · Dialwise</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/app/css/app.css">
  ${VENDOR_SCRIPTS.map((s) => `<script src="/app/vendor/${s}"></script>`).join('\n  ')}
  <script type="module" src="/app/js/${page.id}.js"></script>
</head>
<body data-page="${page.id}" data-auth="pending" data-state="loading">
  <header class="top">
    <a class="brand" href="/">Dialwise</a>
    <nav>${nav}</nav>
    <span class="serving" id="serving"></span>
    <span class="who" id="who"></span>
    <button type="button" id="logout">Sign out</button>
  </header>
  <form class="filters" id="filters" onsubmit="return false">
      ${filters}
      <button type="button" id="clear-filters">Clear filters</button>
  </form>
  <p id="banner" class="banner" hidden></p>
  <main>
    ${page.kpis ? '<div class="kpis" id="kpis"></div>' : ''}
    <div class="grid">
    ${page.cards.map(renderCard).join('\n    ')}
    </div>
  </main>
  <div class="login" id="login">
    <form id="login-form" method="post" action="#" onsubmit="return false">
      <h1>Dialwise</h1>
      <p>Sign in with your access token.</p>
      <label>Token <input type="password" id="token" name="token" autocomplete="off" required></label>
      <p class="error" id="login-error" hidden></p>
      <button type="submit">Sign in</button>
    </form>
  </div>
</body>
</html>
`;
}

export { VENDOR_SCRIPTS };
