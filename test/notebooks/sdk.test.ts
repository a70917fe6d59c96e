import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// the package's public entry, through its own name (package.json "exports")
import {
  bar,
  buildSnapshot,
  buildTrainingRows,
  attemptSpine,
  calibration,
  ChartError,
  CompareError,
  compareVersions,
  dataDir,
  heatmap,
  histogram,
  lift,
  binaryReport,
  listVersions,
  NotInNotebookError,
  openWarehouse,
  QueryError,
  trainConversion,
  type Warehouse,
} from 'dialwise';
import * as sdk from 'dialwise';
import { modelsCommand } from '../../cli/commands/models.ts';
import { ingestFile } from '../../pipelines/index.ts';
import { generate } from '../../simulation/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const DAY_MS = 86_400_000;

/** The SDK a notebook imports, exercised on a small generated warehouse. */
describe("SDK: import … from 'dialwise'", () => {
  const { dir, cleanup } = tempDir('dialwise-sdk-');
  let customers = 0;
  let compared: { a: string; b: string; window: { from: Date; to: Date }; better: string; logLossDelta: number } | null = null;

  beforeAll(async () => {
    const out = join(dir, 'generated');
    const manifest = await generate({ customers: 300, days: 30, seed: 5, outDir: out, dirtyShare: 0.01, endDate: Date.UTC(2026, 5, 1) });
    const wh = await openWarehouse({ dataDir: dir, write: true });
    try {
      for (const [file, kind] of [['customers.csv', 'customers'], ['events.csv', 'events'], ['call_log.csv', 'call-attempts']] as const) {
        await ingestFile(wh, join(out, file), { kind, mapping: join(out, manifest.files[file]!.mapping!) });
      }
      customers = (await wh.one<{ n: number }>('SELECT count(*) AS n FROM customers')).n;
    } finally {
      await wh.close();
    }
  }, 120_000);
  afterAll(() => cleanup());

  it('exports the public surface and nothing internal', () => {
    for (const name of ['openWarehouse', 'trainConversion', 'trainContact', 'segmentCustomers', 'compareVersions', 'buildSnapshot', 'buildTrainingRows', 'histogram', 'bar', 'heatmap', 'calibration', 'lift', 'runSimulation']) {
      expect(typeof (sdk as Record<string, unknown>)[name], name).toBe('function');
    }
    // internals stay internal: the raw XGBoost binding, the registry's writers, the CLI program
    for (const name of ['Booster', 'registerVersion', 'buildProgram', 'ingestFile', 'quoteIdent', 'ensureSdkTypes']) {
      expect(name in sdk, name).toBe(false);
    }
  });

  it('opens the warehouse read-only by default, from DIALWISE_HOME like the CLI', async () => {
    const before = process.env.DIALWISE_HOME;
    process.env.DIALWISE_HOME = dir;
    try {
      expect(dataDir()).toBe(dir);
      const wh = await openWarehouse();
      try {
        expect(wh.readOnly).toBe(true);
        await expect(wh.run('CREATE TABLE scratch_table (a INTEGER)')).rejects.toBeInstanceOf(QueryError);
        expect((await wh.one<{ n: number }>('SELECT count(*) AS n FROM customers')).n).toBe(customers);
      } finally {
        await wh.close();
      }
    } finally {
      if (before === undefined) delete process.env.DIALWISE_HOME;
      else process.env.DIALWISE_HOME = before;
    }
  });

  it('runs SQL with bound parameters and returns rows or an Arrow table', async () => {
    const wh = await openWarehouse({ dataDir: dir });
    try {
      const all = await wh.query<{ disposition: string }>('SELECT disposition FROM call_attempts');
      const answered = all.filter((r) => r.disposition === 'answered').length;
      expect(answered).toBeGreaterThan(0);
      const rows = await wh.query<{ n: number }>('SELECT count(*) AS n FROM call_attempts WHERE disposition = $d', { d: 'answered' });
      expect(rows[0]!.n).toBe(answered);
      // a parameter is a value, never SQL
      const injected = await wh.query('SELECT * FROM call_attempts WHERE disposition = $d', { d: "answered' OR '1'='1" });
      expect(injected).toHaveLength(0);
      const table = await wh.arrow('SELECT disposition, count(*) AS n FROM call_attempts GROUP BY 1 ORDER BY 1');
      const byDisposition = new Map(table.toArray().map((r: { disposition: string; n: number }) => [r.disposition, Number(r.n)]));
      expect(byDisposition.get('answered')).toBe(answered);
      expect([...byDisposition.values()].reduce((s, n) => s + n, 0)).toBe(all.length);
    } finally {
      await wh.close();
    }
  });

  it('builds a feature snapshot and a point-in-time training set', async () => {
    const wh = await openWarehouse({ dataDir: dir, write: true });
    try {
      const last = (await wh.one<{ t: Date }>('SELECT max(started_at) AS t FROM call_attempts')).t;
      const snapshot = await buildSnapshot(wh, { asOf: new Date(last.getTime() + 1), skipDrift: true });
      expect(snapshot.rows).toBe(customers);
      const from = new Date(last.getTime() - 7 * DAY_MS);
      const to = new Date(last.getTime() + 1);
      const training = await buildTrainingRows(wh, { spine: attemptSpine({ from, to }) });
      const expected = await wh.one<{ n: number }>('SELECT count(*) AS n FROM call_attempts WHERE started_at >= $from AND started_at < $to', { from, to });
      expect(training.rows).toBe(expected.n);
      // point in time: a row's count of earlier attempts never includes itself or later ones
      expect(training.features.map((f) => f.name)).toContain('attempts_total');
      const check = await wh.one<{ bad: number; later: number }>(
        `SELECT count(*) FILTER (WHERE t.attempts_total <> (SELECT count(*) FROM call_attempts a WHERE a.customer_id = t.customer_id AND a.started_at < t.as_of)) AS bad,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM call_attempts a WHERE a.customer_id = t.customer_id AND a.started_at >= t.as_of)) AS later
         FROM ${training.table} t`,
      );
      expect(check.bad).toBe(0);
      // …and the check has teeth: many rows have later attempts that a leaky feature would count
      expect(check.later).toBeGreaterThan(0);
    } finally {
      await wh.close();
    }
  }, 120_000);

  it('trains on any table with custom parameters, registers versions and compares two of them', async () => {
    const wh = await openWarehouse({ dataDir: dir, write: true });
    try {
      // y depends on x through a threshold, with 10% of labels flipped (a seeded LCG, so the test is repeatable)
      let seed = 12345;
      const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      await wh.run('CREATE TABLE leads_history (lead_id INTEGER, x DOUBLE, colour VARCHAR, seen_at TIMESTAMPTZ, bought BOOLEAN)');
      for (let i = 0; i < 1200; i++) {
        const x = rand();
        const flip = rand() < 0.1;
        await wh.run('INSERT INTO leads_history VALUES ($i, $x, $c, $t, $y)', {
          i, x, c: ['red', 'green', 'blue'][i % 3]!, t: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000), y: (x > 0.6) !== flip,
        });
      }
      const table = { table: 'leads_history', label: 'bought', exclude: ['lead_id'], timeColumn: 'seen_at' };
      const good = await trainConversion(wh, { table, params: { max_depth: 3, eta: 0.3 }, numBoostRound: 40, calibration: 'none' });
      const weak = await trainConversion(wh, { table, params: { max_depth: 1, eta: 0.001 }, numBoostRound: 2, earlyStoppingRounds: 1, calibration: 'none' });
      expect(good.version.kind).toBe('conversion@leads_history');
      expect(good.metrics.summary.rocAuc).toBeGreaterThan(0.8);
      const versions = await listVersions(wh, { kind: 'conversion@leads_history' });
      expect(versions.map((v) => v.version).sort()).toEqual([good.version.version, weak.version.version].sort());

      const window = { from: new Date(Date.UTC(2026, 0, 1) + 1000 * 3_600_000), to: new Date(Date.UTC(2026, 0, 1) + 1200 * 3_600_000) };
      const cmp = await compareVersions(wh, weak.version.version, good.version.version, { window });
      expect(cmp.a.rows).toBe(200);
      expect(cmp.b.rows).toBe(200);
      expect(cmp.better).toBe(good.version.version);
      expect(cmp.delta.logLoss).toBeLessThan(0);
      expect(cmp.delta.logLoss).toBeCloseTo(cmp.b.metrics.logLoss - cmp.a.metrics.logLoss, 12);
      compared = { a: weak.version.version, b: good.version.version, window, better: cmp.better, logLossDelta: cmp.delta.logLoss };
      await expect(compareVersions(wh, good.version.version, good.version.version, { window })).rejects.toBeInstanceOf(CompareError);
      // a table model has no default window (its rows are not call attempts)
      await expect(compareVersions(wh, weak.version.version, good.version.version)).rejects.toBeInstanceOf(CompareError);
    } finally {
      await wh.close();
    }
  }, 180_000);

  it('`dialwise models compare` gives the same comparison as the SDK (one implementation)', async () => {
    expect(compared).not.toBeNull();
    const c = compared!;
    const program = new Command('dialwise').exitOverride().addOption(new Option('--data-dir <dir>'));
    program.addCommand(modelsCommand());
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void printed.push(String(s)));
    try {
      await program.parseAsync(['--data-dir', dir, 'models', 'compare', c.a, c.b, '--from', c.window.from.toISOString(), '--to', c.window.to.toISOString(), '--json'], { from: 'user' });
    } finally {
      log.mockRestore();
    }
    const out = JSON.parse(printed.join('\n')) as { better: string; delta: { logLoss: number }; a: { version: string } };
    expect(out.a.version).toBe(c.a);
    expect(out.better).toBe(c.better);
    expect(out.delta.logLoss).toBeCloseTo(c.logLossDelta, 12);
  });

  it('renders Vega-Lite charts to SVG and PNG on the server, and refuses bad input with typed errors', async () => {
    const rows = [
      { segment: 'a', rate: 0.2, n: 10 },
      { segment: 'b', rate: 0.5, n: 20 },
      { segment: 'c', rate: 0.3, n: 30 },
    ];
    const svg = await bar(rows, { x: 'segment', y: 'rate', title: 'Rates by segment' }).toSvg();
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Rates by segment');
    for (const s of ['a', 'b', 'c']) expect(svg).toContain(`>${s}<`);

    const values = Array.from({ length: 200 }, (_, i) => ({ v: (i * 37) % 100 }));
    const hist = histogram(values, 'v', { maxBins: 10 });
    const path = join(dir, 'hist.png');
    await hist.save(path);
    const png = readFileSync(path);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svgPath = await hist.save(join(dir, 'hist.svg'));
    expect(readFileSync(svgPath, 'utf8')).toMatch(/^<svg/);

    const report = binaryReport(Float64Array.from([0, 0, 1, 1, 0, 1, 0, 1, 1, 0]), Float64Array.from([0.1, 0.2, 0.8, 0.7, 0.3, 0.9, 0.4, 0.6, 0.55, 0.35]));
    expect(await calibration(report.calibration, { title: 'Calibration' }).toSvg()).toContain('observed rate');
    expect(await lift(report.deciles).toSvg()).toContain('score decile');
    expect(await heatmap([{ h: 1, d: 'Mon', p: 0.2 }, { h: 2, d: 'Mon', p: 0.4 }], { x: 'h', y: 'd', color: 'p' }).toSvg()).toContain('<svg');

    expect(() => bar(rows, { x: 'segment', y: 'missing' })).toThrow(ChartError);
    expect(() => histogram([], 'v')).toThrow(ChartError);
    await expect(hist.save(join(dir, 'hist.gif'))).rejects.toBeInstanceOf(ChartError);
    expect(existsSync(join(dir, 'hist.gif'))).toBe(false);
    // outside a Jupyter kernel there is nowhere to display
    await expect(hist.show()).rejects.toBeInstanceOf(NotInNotebookError);
  });
});

export type { Warehouse };
