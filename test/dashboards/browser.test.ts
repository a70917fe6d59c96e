// The dashboards in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against the real server over a small generated warehouse (test/dashboards/fixture.ts). Signs
// in, opens every page, checks every chart drew marks with no console errors, that filters
// change what is shown and live in the URL, and what each role sees. Screenshots of every page
// go to test-artifacts/ (look at them: a chart can render and still be unreadable).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../dashboards/pages/index.ts';
import { ChromiumMissingError, collectPageErrors, findChromium, launchChromium, type Browser } from './browser/chromium.ts';
import { chartState, chartStates, chooseFilter, filterOptions, signIn, waitForCharts } from './browser/pages.ts';
import { copyFixture, dashboardFixture, startServer, type DashboardFixture } from './fixture.ts';

const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');

describe('finding Chromium', () => {
  it('fails with the set-up step to run when there is none (never a silent skip)', () => {
    const missing = () => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(missing).toThrow(ChromiumMissingError);
    expect(missing).toThrow(/scripts\/setup\.sh/);
  });
});

describe('dashboards in Chromium', () => {
  let fixture: DashboardFixture;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Chromium first: when it is missing this fails at once with the setup hint.
    browser = await launchChromium();
    fixture = await dashboardFixture();
    server = await startServer(fixture);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A new tab (its own sessionStorage, so signed out), collecting console errors. */
  async function openTab(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    return { page, errors: collectPageErrors(page) };
  }

  it('asks for a token, refuses a wrong one, and signs in with a good one', async () => {
    const { page, errors } = await openTab();
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/segments');
    expect(await page.isVisible('#login-form')).toBe(true);
    expect(await page.isVisible('main')).toBe(false);

    await signIn(page, 'not-a-token');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).toContain('not accepted');

    await signIn(page, fixture.tokens.analyst);
    await waitForCharts(page);
    expect(await page.textContent('#who')).toContain('analyst');
    expect(await page.isVisible('main')).toBe(true);
    // The only console error is the refused token's 401.
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);

    // A token that stops working mid-visit brings the form back; signing in again reloads the
    // page with the filters kept, and the token never lands in the URL.
    await page.evaluate("sessionStorage.setItem('dialwise.token', 'revoked-token')");
    const segment = (await filterOptions(page, 'segment')).find((o) => o.value !== '')!.value;
    await page.selectOption('#filters select[name="segment"]', segment);
    await page.waitForSelector('#login-form', { state: 'visible' });
    await signIn(page, fixture.tokens.analyst);
    await page.waitForLoadState('load');
    await waitForCharts(page);
    expect(new URL(page.url()).searchParams.get('segment')).toBe(segment);
    expect(page.url()).not.toContain(fixture.tokens.analyst);
    for (const s of await chartStates(page)) expect(s.state, s.chart).toBe('ready');

    // Signing out forgets the token.
    await page.click('#logout');
    await page.waitForSelector('#login-form', { state: 'visible' });
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('draws every chart of every page with marks and no console errors', async () => {
    const { page, errors } = await openTab();
    await page.goto(`${server.url}/segments`);
    await signIn(page, fixture.tokens.analyst);
    await waitForCharts(page);
    for (const def of PAGES) {
      await page.goto(`${server.url}/${def.id}`);
      await waitForCharts(page);
      const states = await chartStates(page);
      expect(states.map((s) => s.chart).sort()).toEqual(def.cards.map((c) => c.chart).sort());
      for (const s of states) {
        expect({ chart: s.chart, state: s.state, message: s.message }).toEqual({ chart: s.chart, state: 'ready', message: '' });
        expect(s.svg, s.chart).toBe(true);
        expect(s.marks, `${def.id}/${s.chart} marks`).toBeGreaterThan(0);
        expect(s.rows, `${def.id}/${s.chart} rows`).toBeGreaterThan(0);
      }
      // Readable on a laptop: nothing wider than the 1366 px window, no chart wider than its card.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
      const overflowing = await page.$$eval('.chart', (charts) =>
        charts.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.parentElement?.getAttribute('data-chart')),
      );
      expect(overflowing).toEqual([]);
      expect(await page.textContent('#serving')).toMatch(/^run \S+ · as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
      if (def.kpis) expect(await page.$$eval('#kpis .kpi .value', (v) => v.map((x) => x.textContent))).not.toContain('–');
      await page.screenshot({ path: join(ARTIFACTS, `dashboards-${def.id}.png`), fullPage: true });
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('campaign, date and segment filters change the data and live in the URL', async () => {
    const { page, errors } = await openTab();
    await page.goto(`${server.url}/campaigns`);
    await signIn(page, fixture.tokens.analyst);
    await waitForCharts(page);
    const all = await chartState(page, 'campaign-daily');
    const allDials = await page.textContent('#kpis .kpi:first-child .value');

    // One campaign: fewer daily rows, fewer dials, and the URL says which.
    const campaigns = (await filterOptions(page, 'campaign')).filter((o) => o.value !== '');
    expect(campaigns.length).toBeGreaterThan(1);
    const chosen = campaigns[0]!.value;
    await chooseFilter(page, 'campaign', chosen);
    expect(new URL(page.url()).searchParams.get('campaign')).toBe(chosen);
    const one = await chartState(page, 'campaign-daily');
    expect(one.state).toBe('ready');
    expect(one.digest).not.toBe(all.digest);
    expect(one.rows).toBeLessThan(all.rows);
    expect(one.rows).toBeGreaterThan(1);
    expect(await page.textContent('#kpis .kpi:first-child .value')).not.toBe(allDials);

    // A date range: the daily chart keeps only those days.
    const days = await page.$$eval('#filters input[type="date"]', (inputs) => inputs.map((i) => i.getAttribute('min')));
    expect(days[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const from = days[0]!;
    await page.fill('#filters input[name="from"]', from);
    await page.fill('#filters input[name="to"]', from);
    await waitForCharts(page);
    const oneDay = await chartState(page, 'campaign-daily');
    expect(new URL(page.url()).searchParams.get('to')).toBe(from);
    expect(oneDay.rows).toBeLessThanOrEqual(1);
    expect(oneDay.digest).not.toBe(one.digest);

    // Days with no calls: every chart says so instead of drawing nothing.
    await page.goto(`${server.url}/campaigns?campaign=${encodeURIComponent(chosen)}&from=1999-01-01&to=1999-01-31`);
    await waitForCharts(page);
    for (const s of await chartStates(page)) {
      expect({ chart: s.chart, state: s.state, marks: s.marks }).toEqual({ chart: s.chart, state: 'empty', marks: 0 });
      expect(s.message).toBe('No data for these filters.');
    }
    await page.goBack();
    await waitForCharts(page);
    expect((await chartState(page, 'campaign-daily')).digest).toBe(oneDay.digest);

    // The URL alone reproduces the view (a shared link), in a fresh signed-in tab.
    const shared = page.url();
    const other = await openTab();
    await other.page.goto(`${server.url}/segments`);
    await signIn(other.page, fixture.tokens.analyst);
    await waitForCharts(other.page);
    await other.page.goto(shared);
    await waitForCharts(other.page);
    expect(await other.page.inputValue('#filters select[name="campaign"]')).toBe(chosen);
    expect((await chartState(other.page, 'campaign-daily')).digest).toBe(oneDay.digest);
    await other.page.close();

    // The nav keeps the filters; the segment filter narrows the best-hours heatmap to one segment.
    await page.click('nav a[data-page="segments"]');
    await waitForCharts(page);
    expect(new URL(page.url()).searchParams.get('campaign')).toBe(chosen);
    const everyone = await chartState(page, 'segment-best-hours');
    const segments = (await filterOptions(page, 'segment')).filter((o) => o.value !== '');
    expect(segments.length).toBeGreaterThan(1);
    await chooseFilter(page, 'segment', segments[0]!.value);
    const single = await chartState(page, 'segment-best-hours');
    expect(single.rows).toBe(168);
    expect(everyone.rows).toBe(168 * segments.length);
    expect(single.marks).toBeLessThan(everyone.marks);

    // Back in history restores the previous filters and data.
    await page.goBack();
    await waitForCharts(page);
    expect(new URL(page.url()).searchParams.get('segment')).toBeNull();
    expect((await chartState(page, 'segment-best-hours')).digest).toBe(everyone.digest);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows each card loading until its own data arrives', async () => {
    const { page, errors } = await openTab();
    // Hold the hourly answer back so the page is caught mid-load.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/campaigns/hourly*', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}/campaigns`);
    await signIn(page, fixture.tokens.analyst);
    await page.waitForSelector('[data-chart="campaign-daily"] .chart[data-state="ready"]');
    expect(await page.getAttribute('body', 'data-state')).toBe('loading');
    const hourly = await chartState(page, 'campaign-hourly');
    expect({ state: hourly.state, message: hourly.message, marks: hourly.marks }).toEqual({ state: 'loading', message: 'Loading…', marks: 0 });
    expect(await page.isVisible('[data-chart="campaign-hourly"] .state')).toBe(true);
    release();
    await waitForCharts(page);
    expect((await chartState(page, 'campaign-hourly')).state).toBe('ready');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the model version filter switches the calibration, lift and features to that version', async () => {
    const { page, errors } = await openTab();
    await page.goto(`${server.url}/models`);
    await signIn(page, fixture.tokens.analyst);
    await waitForCharts(page);
    const champion = await chartStates(page);
    const versions = (await filterOptions(page, 'version')).filter((o) => o.value !== '' && !o.label.includes('(champion)'));
    expect(versions.length).toBeGreaterThan(0);
    await chooseFilter(page, 'version', versions[0]!.value);
    expect(new URL(page.url()).searchParams.get('version')).toBe(versions[0]!.value);
    const other = await chartStates(page);
    const digest = (states: typeof other, chart: string) => states.find((s) => s.chart === chart)!.digest;
    // The history of every version stays; the per-version charts change.
    expect(digest(other, 'model-metrics')).toBe(digest(champion, 'model-metrics'));
    expect(digest(other, 'model-features')).not.toBe(digest(champion, 'model-features'));
    for (const s of other) expect(s.state, s.chart).toBe('ready');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('before anything is published, the segment cards are empty and say what to run', async () => {
    const bare = copyFixture(fixture);
    rmSync(join(bare.dataDir, 'published'), { recursive: true, force: true });
    const unpublished = await startServer(bare);
    try {
      const { page } = await openTab();
      await page.goto(`${unpublished.url}/segments`);
      await signIn(page, bare.tokens.analyst);
      await waitForCharts(page);
      for (const s of await chartStates(page)) {
        expect(s.state, s.chart).toBe('empty');
        expect(s.message).toMatch(/nothing is published yet: run `dialwise nightly`/);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'dashboards-segments-unpublished.png') });
      await page.close();
    } finally {
      await unpublished.close();
      bare.cleanup();
    }
  });

  it('a viewer sees the aggregate pages; a dialer token gets errors in the cards, not charts', async () => {
    const viewer = await openTab();
    await viewer.page.goto(`${server.url}/campaigns`);
    await signIn(viewer.page, fixture.tokens.viewer);
    await waitForCharts(viewer.page);
    expect(await viewer.page.textContent('#who')).toContain('viewer');
    for (const s of await chartStates(viewer.page)) expect(s.state, s.chart).toBe('ready');
    expect(viewer.errors).toEqual([]);
    await viewer.page.close();

    const dialer = await openTab();
    await dialer.page.goto(`${server.url}/models`);
    await signIn(dialer.page, fixture.tokens.dialer);
    await waitForCharts(dialer.page);
    for (const s of await chartStates(dialer.page)) {
      expect(s.state, s.chart).toBe('error');
      expect(s.marks).toBe(0);
    }
    expect((await chartState(dialer.page, 'model-metrics')).message).toMatch(/^Could not load: /);
    await dialer.page.screenshot({ path: join(ARTIFACTS, 'dashboards-models-as-dialer.png') });
    await dialer.page.close();
  });
});
