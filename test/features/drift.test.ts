import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/index.ts';
import { buildSnapshot, computeDrift, DEFAULT_PSI_ALARM, psi, snapshotStats, SnapshotNotFoundError } from '../../features/index.ts';

const T = new Date('2024-06-10T00:00:00Z');
// more customers than the 50,000-row quantile sample, so the sampled path is the one tested
const N = 60_000;

/** N customers and ~3 attempts each, pseudo-random but deterministic, straight in SQL. */
async function seed(wh: Warehouse): Promise<void> {
  await wh.run(
    `INSERT INTO customers (customer_id, phone_hash, timezone, age, occupation, region, income_band, tenure_months, balance, consent, created_at)
     SELECT 'c' || lpad(i::VARCHAR, 6, '0'), 'p' || i,
            (['Europe/London', 'America/Chicago', 'Asia/Tokyo'])[1 + (hash(i, 'tz') % 3)::INTEGER],
            18 + (hash(i, 'age') % 60)::INTEGER,
            (['nurse', 'teacher', 'driver', 'clerk'])[1 + (hash(i, 'occ') % 4)::INTEGER],
            'R' || (hash(i, 'region') % 5),
            CASE WHEN hash(i, 'inc') % 10 = 0 THEN NULL ELSE (['low', 'mid', 'high'])[1 + (hash(i, 'inc') % 3)::INTEGER] END,
            (hash(i, 'ten') % 120)::INTEGER,
            (hash(i, 'bal') % 100000) / 100.0,
            true,
            TIMESTAMPTZ '2024-01-01 00:00:00+00'
     FROM range($n) t(i)`,
    { n: N },
  );
  await wh.run(
    `INSERT INTO call_attempts (attempt_id, customer_id, phone_hash, started_at, disposition)
     SELECT 'a' || j, 'c' || lpad((hash(j, 'c') % $n)::VARCHAR, 6, '0'), NULL,
            TIMESTAMPTZ '2024-03-01 00:00:00+00' + to_seconds((hash(j, 't') % (100 * 86400))::BIGINT),
            CASE WHEN hash(j, 'd') % 3 = 0 THEN 'answered' ELSE 'no_answer' END
     FROM range($m) t(j)`,
    { n: N, m: 3 * N },
  );
}

describe('feature statistics and drift (PSI)', () => {
  let wh: Warehouse;
  let a: number;

  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
    await seed(wh);
    a = (await buildSnapshot(wh, { asOf: T })).snapshotId;
  });
  afterAll(async () => wh.close());

  it('computes PSI as Σ (q − p) ln(q / p)', () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(psi([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(0.4 * Math.log(1.8) - 0.4 * Math.log(0.2), 12);
    // an empty bin is floored, not infinite
    expect(Number.isFinite(psi([1, 0], [0.5, 0.5]))).toBe(true);
    expect(DEFAULT_PSI_ALARM).toBe(0.1);
  });

  it('stores null share, moments, quantiles and bins per feature', async () => {
    const stats = await snapshotStats(wh, a);
    const income = stats.find((s) => s.feature === 'income_band')!;
    const exact = await wh.one<{ nulls: number }>(`SELECT count(*) FILTER (WHERE income_band IS NULL) / count(*) AS nulls FROM customers`);
    expect(income.nullShare).toBeCloseTo(exact.nulls, 12);
    expect(income.histogram.kind).toBe('categorical');
    const balance = stats.find((s) => s.feature === 'balance')!;
    const m = await wh.one<{ mean: number; lo: number; hi: number; median: number }>(
      `SELECT avg(balance) AS mean, min(balance) AS lo, max(balance) AS hi, median(balance) AS median FROM customers`,
    );
    expect(balance.mean).toBeCloseTo(m.mean, 9);
    expect([balance.min, balance.max]).toEqual([m.lo, m.hi]);
    // quantiles come from a ~50,000-row sample: close to the exact median of a uniform spread
    expect(Math.abs(balance.p50! - m.median)).toBeLessThan(0.02 * (m.hi - m.lo));
    expect(balance.p05!).toBeLessThan(balance.p25!);
    expect(balance.p75!).toBeLessThan(balance.p95!);
    if (balance.histogram.kind !== 'numeric') throw new Error('balance should be binned');
    expect(balance.histogram.edges).toHaveLength(9);
    for (const share of balance.histogram.shares) expect(share).toBeCloseTo(0.1, 1);
    for (const s of stats) {
      const sum =
        s.histogram.kind === 'numeric'
          ? s.histogram.shares.reduce((x, y) => x + y, 0)
          : Object.values(s.histogram.shares).reduce((x, y) => x + y, 0);
      expect(sum + s.nullShare, s.feature).toBeCloseTo(1, 9);
    }
  });

  it('finds no drift between identical snapshots', async () => {
    const b = await buildSnapshot(wh, { asOf: T });
    expect(b.drift?.baselineSnapshotId).toBe(a);
    const drift = await computeDrift(wh, a, b.snapshotId);
    expect(drift.sameFeatureSet).toBe(true);
    expect(drift.maxPsi).toBeLessThan(1e-9);
    expect(drift.alarms).toEqual([]);
  });

  it('does not alarm when a point mass moves by a hair', async () => {
    // 30 more unanswered calls barely move the population's hour-of-week priors, which every
    // customer never called in a block carries: a mass that an edge on it would flip wholesale
    await wh.run(
      `INSERT INTO call_attempts (attempt_id, customer_id, started_at, disposition)
       SELECT 'hair' || j, 'c' || lpad((hash(j, 'h') % $n)::VARCHAR, 6, '0'),
              TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds((hash(j, 'ht') % (20 * 86400))::BIGINT), 'no_answer'
       FROM range(30) t(j)`,
      { n: N },
    );
    const b = await buildSnapshot(wh, { asOf: T, skipDrift: true });
    const moved = await wh.one<{ n: number }>(
      `SELECT count(*) FILTER (WHERE x.how_mon_00 <> y.how_mon_00)::INTEGER AS n
       FROM customer_features x JOIN customer_features y USING (customer_id)
       WHERE x.snapshot_id = $a AND y.snapshot_id = $b`,
      { a, b: b.snapshotId },
    );
    expect(moved.n).toBeGreaterThan(N / 2); // the prior moved for most customers…
    const drift = await computeDrift(wh, a, b.snapshotId);
    const how = drift.features.filter((f) => f.feature.startsWith('how_'));
    expect(how).toHaveLength(42);
    for (const f of how) expect(f.psi, f.feature).toBeLessThan(0.01); // …by too little to be drift
    expect(drift.alarms).toEqual([]);
  });

  it('raises an alarm (PSI > 0.1) for shifted features and only for them', async () => {
    await wh.run(`UPDATE customers SET balance = balance * 3 + 500`);
    await wh.run(`UPDATE customers SET occupation = 'nurse' WHERE hash(customer_id, 'shift') % 2 = 0`);
    // a burst of calls in the last week moves the 7-day counts
    await wh.run(
      `INSERT INTO call_attempts (attempt_id, customer_id, started_at, disposition)
       SELECT 'burst' || j, 'c' || lpad((hash(j, 'b') % $n)::VARCHAR, 6, '0'),
              TIMESTAMPTZ '2024-06-04 00:00:00+00' + to_seconds((hash(j, 'bt') % (5 * 86400))::BIGINT), 'no_answer'
       FROM range($n) t(j)`,
      { n: N },
    );
    const c = await buildSnapshot(wh, { asOf: T, skipDrift: true });
    const drift = await computeDrift(wh, a, c.snapshotId);
    const byName = new Map(drift.features.map((f) => [f.feature, f]));
    expect(byName.get('balance')!.psi).toBeGreaterThan(0.1);
    expect(byName.get('occupation')!.psi).toBeGreaterThan(0.1);
    expect(byName.get('attempts_7d')!.psi).toBeGreaterThan(0.1);
    expect(drift.alarms).toEqual(expect.arrayContaining(['balance', 'occupation', 'attempts_7d']));
    // a third more calls, none answered, lowers every hour-of-week rate: that is drift
    expect(drift.alarms.filter((f) => f.startsWith('how_')).length).toBeGreaterThan(20);
    for (const unchanged of ['age_band', 'region', 'income_band', 'tenure_months', 'rfm_frequency']) {
      expect(byName.get(unchanged)!.psi, unchanged).toBeLessThan(1e-9);
      expect(byName.get(unchanged)!.alarm).toBe(false);
    }
    // sorted, highest first; a custom threshold applies
    expect(drift.features[0]!.psi).toBe(drift.maxPsi);
    const strict = await computeDrift(wh, a, c.snapshotId, { threshold: 100 });
    expect(strict.alarms).toEqual([]);
  });

  it('says which snapshot is missing', async () => {
    await expect(computeDrift(wh, a, 999)).rejects.toThrow(SnapshotNotFoundError);
  });
});
