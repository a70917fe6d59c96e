// The pages without a browser: every Vega-Lite spec compiles and draws marks from rows shaped
// as the page scripts shape them, and registerPages serves the shells, scripts, bundles and
// specs those pages ask for.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_BUILDERS, PAGES, buildSpecs, registerPages, type ChartId } from '../../dashboards/pages/index.ts';

const STATIC_JS = join(import.meta.dirname, '../../dashboards/pages/static/js');

const segmentNames = ['Retired · mornings', 'Young renters', 'High balance'];
const days = ['2026-03-01', '2026-03-02', '2026-03-03'];

/** Rows like the ones static/js/*.js build from the API's answers (dashboards/API.md). */
const SAMPLE_ROWS: Record<ChartId, Record<string, unknown>[]> = {
  'segment-sizes': segmentNames.map((segment, i) => ({ segment, size: 100 * (i + 1), share: (i + 1) / 6 })),
  'segment-rates': segmentNames.flatMap((segment, i) => [
    { segment, metric: 'answer rate', rate: 0.2 + i / 20 },
    { segment, metric: 'conversion rate', rate: 0.05 + i / 50 },
  ]),
  'segment-profile': segmentNames.flatMap((segment, i) =>
    ['age', 'balance', 'recency'].map((feature, j) => ({ segment, feature, z: (i - 1) * (j + 1) * 1.7 })),
  ),
  'segment-best-hours': segmentNames.flatMap((segment, s) =>
    Array.from({ length: 168 }, (_, h) => ({ segment, weekday: Math.floor(h / 24), hour: h % 24, value: ((h + s * 7) % 24) / 40 })),
  ),
  'campaign-target': ['spring', 'retention'].flatMap((campaign, i) => [
    { campaign, metric: 'connect rate', actual: 0.3 + i / 20, target: 0.32, deviation: i / 20 - 0.02 },
    { campaign, metric: 'conversion rate', actual: 0.1, target: 0.09, deviation: 0.01 },
  ]),
  'campaign-daily': days.flatMap((day, i) =>
    ['c1', 'c2'].map((campaign_id) => ({ day, campaign_id, dials: 100, answered: 30 + i, converted: 3, abandoned: i })),
  ),
  'campaign-hourly': [9, 10, 14].map((hour, i) => ({ hour, dials: 50, answered: 15, converted: i + 1, conversion_rate: (i + 1) / 15 })),
  'campaign-funnel': [
    { stage: 'dialed', count: 1000 },
    { stage: 'answered', count: 300 },
    { stage: 'converted', count: 30 },
  ],
  'campaign-abandoned': days.map((day, i) => ({ day, answered: 100, abandoned: i * 2 })),
  'model-metrics': ['v1', 'v2'].flatMap((version, i) => [
    { version, created_at: `2026-03-0${i + 1}T02:15:00Z`, metric: 'ROC AUC', value: 0.7 + i / 100, status: i ? 'champion' : 'other' },
    { version, created_at: `2026-03-0${i + 1}T02:15:00Z`, metric: 'log loss', value: 0.3 - i / 100, status: i ? 'champion' : 'other' },
  ]),
  'model-calibration': [0.02, 0.05, 0.1].map((p) => ({ mean_predicted: p, observed_rate: p * 1.1, rows: 100 })),
  'model-gain': [0, 1, 2, 10].map((decile) => ({ decile, cumulative_gain: Math.sqrt(decile / 10), lift: 2, cumulative_lift: 2 })),
  'model-lift': [1, 2, 3].map((decile) => ({ decile, lift: 3 / decile, rate: 0.3 / decile, rows: 100 })),
  'model-features': ['age', 'recency', 'balance'].map((feature, i) => ({ feature, value: 1 / (i + 1) })),
  'feedback-conversions': [1, 2].flatMap((day) =>
    ['model', 'random', 'oracle'].map((policy, i) => ({ day, policy, conversions_per_1000_dials: 10 + i * 5, contact_rate: 0.3, dials: 100, conversions: 1 })),
  ),
  'feedback-contact': [1, 2].flatMap((day) =>
    ['model', 'random', 'oracle'].map((policy, i) => ({ day, policy, conversions_per_1000_dials: 10, contact_rate: 0.2 + i / 10, dials: 100, conversions: 1 })),
  ),
};

// vega-lite warns about this on every 'container'-wide chart with a banded height; harmless.
const KNOWN_WARNING = 'Dropping "fit-y" because spec has discrete height.';

interface Rendered {
  svg: string;
  marks: number;
  warnings: string[];
}

async function render(spec: TopLevelSpec, rows: Record<string, unknown>[]): Promise<Rendered> {
  const warnings: string[] = [];
  const logger = {
    level() {
      return this;
    },
    warn(...args: unknown[]) {
      warnings.push(args.join(' '));
      return this;
    },
    error(...args: unknown[]) {
      warnings.push(`ERROR ${args.join(' ')}`);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  } as unknown as vega.LoggerInterface;
  // Node has no container to measure: give 'container'-wide charts a laptop card's width.
  const sized = { ...spec, datasets: { rows } } as TopLevelSpec & { width?: unknown };
  if (sized.width === 'container') sized.width = 600;
  const view = new vega.View(vega.parse(compile(sized, { logger }).spec), { renderer: 'none', logger });
  const svg = await view.toSVG();
  view.finalize();
  // Every drawn item of a mark is a path/rect/line/text element inside a role-mark group.
  // (An empty mark is a self-closing <g …/>.)
  const marks = [...svg.matchAll(/<g class="mark-(?!group)[a-z]+ role-mark[^"]*"[^>]*?(?:\/>|>(.*?)<\/g>)/gs)]
    .map((m) => (m[1]?.match(/<(path|rect|line|text)\b/g) ?? []).length)
    .reduce((a, b) => a + b, 0);
  return { svg, marks, warnings: warnings.filter((w) => w !== KNOWN_WARNING) };
}

describe('Vega-Lite specs', () => {
  for (const id of Object.keys(CHART_BUILDERS) as ChartId[]) {
    it(`${id} draws marks from sample rows, without warnings`, async () => {
      const out = await render(buildSpecs()[id], SAMPLE_ROWS[id]);
      expect(out.warnings).toEqual([]);
      expect(out.marks).toBeGreaterThan(0);
    });
  }

  it('draws no data marks from no rows (the mark count above means something)', async () => {
    for (const [id, spec] of Object.entries(buildSpecs()) as [ChartId, TopLevelSpec][]) {
      if (id === 'campaign-abandoned') continue; // its limit line is drawn with or without days
      expect((await render(spec, [])).marks, id).toBe(0);
    }
  });

  it('every spec reads the named dataset, so the page can fill it', () => {
    for (const [id, spec] of Object.entries(buildSpecs())) {
      expect(JSON.stringify(spec), id).toContain('"data":{"name":"rows"}');
    }
  });

  it('the abandoned chart draws one limit rule at the param value, whatever the number of days', async () => {
    const spec = buildSpecs()['campaign-abandoned'] as TopLevelSpec & { params: { name: string; value: number }[] };
    spec.params[0]!.value = 0.05;
    const out = await render(spec, SAMPLE_ROWS['campaign-abandoned']);
    const rules = out.svg.match(/<g class="mark-rule role-mark[^>]*?(?:\/>|>(.*?)<\/g>)/s)?.[1] ?? '';
    expect((rules.match(/<line\b/g) ?? []).length).toBe(1);
    expect(out.svg).toContain('5% limit');
  });

  it('the heatmaps get one cell per row', async () => {
    const best = await render(buildSpecs()['segment-best-hours'], SAMPLE_ROWS['segment-best-hours']);
    const cells = [...best.svg.matchAll(/<g class="mark-rect role-mark[^>]*?(?:\/>|>(.*?)<\/g>)/gs)]
      .map((m) => (m[1]?.match(/<path\b/g) ?? []).length)
      .reduce((a, b) => a + b, 0);
    expect(cells).toBe(3 * 168);
  });
});

describe('registerPages', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    await registerPages(app);
    await app.ready();
  });
  afterAll(() => app.close());

  it('redirects / to the first page and keeps the filters', async () => {
    const res = await app.inject('/?campaign=spring&from=2026-03-01');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/segments?campaign=spring&from=2026-03-01');
  });

  it('serves every page with its cards, filters, nav and scripts', async () => {
    for (const page of PAGES) {
      const res = await app.inject(`/${page.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      for (const card of page.cards) expect(res.body).toContain(`data-chart="${card.chart}"`);
      for (const filter of page.filters) expect(res.body).toContain(`name="${filter}"`);
      for (const other of PAGES) expect(res.body).toContain(`href="/${other.id}"`);
      for (const src of res.body.matchAll(/(?:src|href)="(\/app\/[^"]+)"/g)) {
        const asset = await app.inject(src[1]!);
        expect(asset.statusCode, src[1]).toBe(200);
      }
    }
  });

  it('serves the vega bundles and nothing else from their folders', async () => {
    const embed = await app.inject('/app/vendor/vega-embed.min.js');
    expect(embed.statusCode).toBe(200);
    expect(embed.body).toContain('vegaEmbed');
    expect((await app.inject('/app/vendor/vega-schema.json')).statusCode).toBe(404);
    expect((await app.inject('/app/vendor/../package.json')).statusCode).toBe(404);
  });

  it('serves specs.json with every chart the page scripts draw, and every card has a spec', async () => {
    const specs = (await app.inject('/app/specs.json')).json() as Record<string, unknown>;
    expect(Object.keys(specs).sort()).toEqual(Object.keys(CHART_BUILDERS).sort());
    const drawn = new Set<string>();
    for (const file of readdirSync(STATIC_JS)) {
      const source = readFileSync(join(STATIC_JS, file), 'utf8');
      for (const m of source.matchAll(/renderChart\('([a-z-]+)'/g)) drawn.add(m[1]!);
    }
    const cards = new Set(PAGES.flatMap((p) => p.cards.map((c) => c.chart)));
    expect([...drawn].sort()).toEqual([...cards].sort());
    for (const id of cards) expect(specs).toHaveProperty(id);
  });
});
