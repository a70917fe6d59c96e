// What the browser tests read off a dashboard page: the state of each chart card and how many
// marks its SVG holds. The page scripts (dashboards/pages/static/js/app.js) mark every card with
// data-state (loading | ready | empty | error), data-rows and data-digest (a fingerprint of the
// rows drawn), and the body with data-state once every card has settled.
import type { Page } from 'playwright-core';

// The callbacks below run in the page. The project compiles without the DOM library, so they
// describe the few element properties they read structurally.
interface El {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): { length: number };
}

export interface ChartState {
  chart: string;
  state: string;
  message: string;
  rows: number;
  digest: string;
  /** Drawn items (paths, rects, lines, text) inside the chart's data marks, axes and legends excluded. */
  marks: number;
  /** true when the chart is an SVG (the pages ask vega-embed for the SVG renderer). */
  svg: boolean;
}

/** Waits until every card has settled (after a load or a filter change). */
export async function waitForCharts(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForSelector('body[data-auth="signed-in"][data-state="ready"]', { timeout });
}

export async function chartStates(page: Page): Promise<ChartState[]> {
  return page.$$eval('[data-chart]', (cards) =>
    cards.map((card) => {
      const el = (card as unknown as El).querySelector('.chart')!;
      const svg = el.querySelector('svg');
      const marks = svg
        ? svg.querySelectorAll(
            'g.role-mark:not(.mark-group) > path, g.role-mark:not(.mark-group) > rect, g.role-mark:not(.mark-group) > line, g.role-mark:not(.mark-group) > text',
          ).length
        : 0;
      return {
        chart: (card as unknown as El).dataset.chart ?? '',
        state: el.dataset.state ?? '',
        message: el.querySelector('.state')?.textContent ?? '',
        rows: Number(el.dataset.rows ?? 0),
        digest: el.dataset.digest ?? '',
        marks,
        svg: svg !== null,
      };
    }),
  );
}

export async function chartState(page: Page, chart: string): Promise<ChartState> {
  const found = (await chartStates(page)).find((c) => c.chart === chart);
  if (!found) throw new Error(`no chart "${chart}" on ${page.url()}`);
  return found;
}

/** Signs in on whatever page is open (the login form shows when no token is stored). */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token', { state: 'visible' });
  await page.fill('#token', token);
  await page.click('#login-form button[type="submit"]');
}

/** Chooses an option of a filter <select> and waits for the charts to reload. */
export async function chooseFilter(page: Page, name: string, value: string): Promise<void> {
  await page.selectOption(`#filters select[name="${name}"]`, value);
  await waitForCharts(page);
}

export async function filterOptions(page: Page, name: string): Promise<{ value: string; label: string }[]> {
  return page.$$eval(`#filters select[name="${name}"] option`, (options) =>
    options.map((o) => ({ value: (o as unknown as { value: string }).value, label: o.textContent ?? '' })),
  );
}
