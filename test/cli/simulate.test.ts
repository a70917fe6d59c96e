import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCurrentRun } from '../../contracts/index.ts';
import { simulate, SimulationInputError } from '../../cli/simulate/loop.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

/** The closed loop, small: nightly runs publish, the model dialer's outcomes flow back, zero violations. */
describe('dialwise simulate', () => {
  const { dir, cleanup } = tempDir();
  afterAll(() => cleanup());

  it('closes the loop: published every day, outcomes fed back with arm and propensity, zero compliance violations, the model beats random (by 25% in expected conversions) and the oracle beats random', async () => {
    const wh = await Warehouse.open(dir);
    try {
      const result = await simulate(wh, {
        dataDir: dir,
        customers: 2500,
        days: 3,
        seed: 42,
        historyDays: 60,
        dialsPerDay: 600,
        lines: 10,
        exploration: 0.1,
        k: 3,
        // pinned, so the run does not depend on the day the suite runs (the weekday of each
        // simulated day changes who answers): days 1–3 are Fri 20 – Sun 22 November 2026
        end: new Date('2026-11-23T00:00:00Z'),
      });
      expect(result.days).toHaveLength(3);
      expect(result.days.map((d) => d.dayStart.toISOString())).toEqual([
        '2026-11-20T00:00:00.000Z',
        '2026-11-21T00:00:00.000Z',
        '2026-11-22T00:00:00.000Z',
      ]);
      const sum = (policy: 'model' | 'random' | 'oracle', field: 'dials' | 'answered' | 'conversions') =>
        result.days.reduce((s, d) => s + d.stats[policy][field], 0);
      const per1000 = (policy: 'model' | 'random' | 'oracle') => (1000 * sum(policy, 'conversions')) / sum(policy, 'dials');
      const contactRate = (policy: 'model' | 'random' | 'oracle') => sum(policy, 'answered') / sum(policy, 'dials');
      for (const day of result.days) {
        for (const policy of ['model', 'random', 'oracle'] as const) {
          expect(day.stats[policy].dials).toBe(600);
          expect(day.stats[policy].complianceViolations + day.stats[policy].scheduleViolations).toBe(0);
        }
        expect(day.stats.model.arms.explore).toBeGreaterThan(20);
      }
      // The measuring stick works: ranking by the true probabilities beats random order.
      expect(per1000('oracle')).toBeGreaterThan(per1000('random'));
      expect(contactRate('oracle')).toBeGreaterThan(contactRate('random'));
      // The model beats random order on what the campaign is for. On this world (2,500 customers,
      // 600 dials a day spread over the day, one campaign over 3 days) each policy makes 1,800
      // dials and 35–70 sales, so realised conversions carry about ±20% Poisson noise on the
      // model ÷ random ratio, and small upstream changes move it (seed 42 measured 1.86, then 1.44
      // after unrelated ingest changes). The expected conversions of the calls each policy
      // connected, under the true probabilities, are the same figure without the sale draws:
      // model ÷ random = 1.53 (seed 42), 1.93 (seed 7), 1.66 (seed 11); realised 1.44, 1.71, 1.77.
      const expectedPer1000 = (policy: 'model' | 'random' | 'oracle') =>
        (1000 * result.days.reduce((s, d) => s + d.expectedConversions[policy], 0)) / sum(policy, 'dials');
      expect(expectedPer1000('model')).toBeGreaterThan(1.25 * expectedPer1000('random'));
      expect(per1000('model')).toBeGreaterThan(per1000('random'));
      // the expected figure tracks the realised one over all three policies (about 180 sales, ±7.5%
      // Poisson noise; measured 176.7 expected vs 188 realised, 190 vs 190, 169.6 vs 180)
      const all = (f: (p: 'model' | 'random' | 'oracle') => number) => f('model') + f('random') + f('oracle');
      const expectedAll = all((p) => result.days.reduce((s, d) => s + d.expectedConversions[p], 0));
      expect(Math.abs(all((p) => sum(p, 'conversions')) - expectedAll)).toBeLessThan(0.2 * expectedAll);
      expect(contactRate('model')).toBeGreaterThan(contactRate('random'));
      // each day is published and stored for the dashboards
      expect(readCurrentRun(dir).runId).toBe(result.days[2]!.publishedRun);
      const stored = await wh.query<{ n: number }>('SELECT count(*) AS n FROM simulation_days WHERE sim_id = $1', [result.simId]);
      expect(stored[0]!.n).toBe(9);
      // the model dialer's closed outcome segments were ingested by the next night, with arm and propensity
      const segments = readdirSync(join(dir, 'outcomes')).filter((f) => f.endsWith('.ndjson'));
      expect(segments.length).toBeGreaterThan(0);
      expect(existsSync(join(dir, 'outcomes', segments[0]!))).toBe(true);
      const fed = await wh.one<{ n: number; explore: number; props: number }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE a.arm = 'explore') AS explore, count(*) FILTER (WHERE a.propensity > 0) AS props
         FROM call_attempts a JOIN ingest_runs r USING (ingest_run_id) WHERE r.source LIKE 'outcomes/%'`,
      );
      expect(fed.n).toBe(1200); // days 1–2, ingested by the next nights' runs
      expect(fed.explore).toBeGreaterThan(20);
      expect(fed.props).toBe(1200);
      // the CRM's behaviour feed of days 1–2 arrived before nights 2–3: events after the history's end
      const feed = await wh.query<{ day: string; n: number }>(
        `SELECT (ts AT TIME ZONE 'UTC')::DATE::VARCHAR AS day, count(*)::INTEGER AS n FROM events WHERE ts >= $1 GROUP BY 1 ORDER BY 1`,
        [result.days[0]!.dayStart],
      );
      expect(feed.map((r) => r.day)).toEqual(result.days.slice(0, 2).map((d) => d.dayStart.toISOString().slice(0, 10)));
      expect(feed.every((r) => r.n > 50)).toBe(true);
    } finally {
      await wh.close();
    }
  }, 600_000);

  it('refuses an end after today (simulated dials must lie in the past) before generating anything', async () => {
    const wh = await Warehouse.open(join(dir, 'future'));
    try {
      const tomorrow = new Date(Date.now() + 2 * 86_400_000);
      const run = simulate(wh, { dataDir: join(dir, 'future'), customers: 100, days: 1, seed: 1, historyDays: 5, dialsPerDay: 10, lines: 1, exploration: 0, end: tomorrow });
      await expect(run).rejects.toThrow(SimulationInputError);
      await expect(run).rejects.toThrow(/after the start of today/);
      expect(existsSync(join(dir, 'future', 'generated'))).toBe(false);
    } finally {
      await wh.close();
    }
  });
});
