import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/index.ts';
import {
  buildSnapshot,
  FEATURES,
  formatFeatureList,
  HOUR_OF_WEEK_BLOCKS,
  hourOfWeekFeature,
  latestSnapshot,
  listFeatures,
  listSnapshots,
  snapshotStats,
} from '../../features/index.ts';
import { addAttempt, addConsent, addCustomer, addEvent, at, DAY_MS, snapshotRows } from './fixtures.ts';

// T is a Monday, 00:00 UTC. Every hand-computed value below is as of T.
const T = '2024-06-10T00:00:00Z';
const HOUR = 3_600_000;

/**
 * syd (Sydney, nurse) and nyc (New York, nurse) are called at the same UTC instant on
 * 2024-06-03 13:00: Monday 23:00 in Sydney (block mon_20), Monday 09:00 in New York (mon_08).
 * nyc's January call at 12:30 UTC is 07:30 EST (mon_04; it would be mon_08 under EDT).
 * dst (Sydney, pilot) is called on 2024-04-06, the day Sydney leaves daylight time at 16:00 UTC:
 * 13:00 UTC is Sunday 00:00 AEDT (+11) and 17:30 UTC is Sunday 03:30 AEST (+10), both sun_00.
 * r1…r5 have k events each (value 10), the last one k days before T.
 */
async function seed(wh: Warehouse): Promise<void> {
  await addCustomer(wh, { id: 'syd', timezone: 'Australia/Sydney', occupation: 'nurse', age: 30, tenure: 12, balance: 100 });
  await addCustomer(wh, { id: 'nyc', timezone: 'America/New_York', occupation: 'nurse', age: 70, balance: 50 });
  await addCustomer(wh, { id: 'n0', occupation: 'nurse', dnc: true });
  await addCustomer(wh, { id: 'dst', timezone: 'Australia/Sydney', occupation: 'pilot' });
  await addCustomer(wh, { id: 'p0', timezone: 'Australia/Sydney', occupation: 'pilot' });
  for (let k = 1; k <= 5; k++) await addCustomer(wh, { id: `r${k}`, occupation: 'clerk' });
  await addCustomer(wh, { id: 'late', created: '2024-07-01T00:00:00Z' });

  await addAttempt(wh, { id: 's1', customer: 'syd', at: '2024-05-01T01:00:00Z', disposition: 'answered', converted: false });
  await addAttempt(wh, { id: 's2', customer: 'syd', at: '2024-06-01T02:00:00Z', disposition: 'answered', converted: true, value: 25 });
  await addAttempt(wh, { id: 's3', customer: 'syd', at: '2024-06-03T13:00:00Z', disposition: 'no_answer' });
  await addAttempt(wh, { id: 's4', customer: 'syd', at: '2024-06-05T23:00:00Z', disposition: 'no_answer' });
  await addAttempt(wh, { id: 's5', customer: 'syd', at: '2024-06-07T23:00:00Z', disposition: 'voicemail' });
  await addAttempt(wh, { id: 's6', customer: 'syd', at: '2024-06-08T23:30:00Z', disposition: 'busy' });
  await addAttempt(wh, { id: 'y1', customer: 'nyc', at: '2024-01-08T12:30:00Z', disposition: 'answered' });
  await addAttempt(wh, { id: 'y2', customer: 'nyc', at: '2024-06-03T13:00:00Z', disposition: 'answered' });
  await addAttempt(wh, { id: 'd1', customer: 'dst', at: '2024-04-06T13:00:00Z', disposition: 'answered' });
  await addAttempt(wh, { id: 'd2', customer: 'dst', at: '2024-04-06T17:30:00Z', disposition: 'answered' });

  for (let k = 1; k <= 5; k++) {
    for (let j = 0; j < k; j++) await addEvent(wh, { id: `e${k}-${j}`, customer: `r${k}`, at: at(T, -(k + j) * DAY_MS), value: 10 });
  }
  // outside the 365-day window: counts for nothing but could move recency if it were later
  await addEvent(wh, { id: 'e-old', customer: 'r5', at: '2023-01-01T00:00:00Z', value: 1000 });

  await addConsent(wh, { id: 'k1', customer: 'syd', kind: 'consent_withdrawn', at: '2024-02-01T00:00:00Z' });
  await addConsent(wh, { id: 'k2', customer: 'syd', kind: 'consent_granted', at: '2024-03-01T00:00:00Z' });
  await addConsent(wh, { id: 'k3', customer: 'p0', kind: 'consent_withdrawn', at: '2024-05-01T00:00:00Z' });
  // an opt-out recorded against nyc's number only
  await addConsent(wh, { id: 'k4', phone: 'ph-nyc', kind: 'opt_out', at: '2024-06-05T00:00:00Z' });
}

/** Rows at or after T: none of them may change a snapshot as of T. */
async function addLaterRows(wh: Warehouse): Promise<void> {
  // the attempt that starts exactly at T, with every post-call field set, and its opt-out
  await addAttempt(wh, {
    id: 's7',
    customer: 'syd',
    at: T,
    disposition: 'answered',
    converted: true,
    value: 99,
    optedOut: true,
    talk: 300,
  });
  await addConsent(wh, { id: 'k5', customer: 'syd', phone: 'ph-syd', kind: 'opt_out', at: T });
  await addAttempt(wh, { id: 'y3', customer: 'nyc', at: at(T, HOUR), disposition: 'answered', converted: true, value: 50 });
  await addAttempt(wh, { id: 'r1-a', customer: 'r1', at: at(T, 2 * DAY_MS), disposition: 'answered' });
  await addAttempt(wh, { id: 'p0-a', customer: 'p0', at: at(T, 3 * HOUR), disposition: 'answered' });
  await addEvent(wh, { id: 'e-late-1', customer: 'r1', at: T, value: 500 });
  await addEvent(wh, { id: 'e-late-2', customer: 'syd', at: at(T, DAY_MS), value: 500 });
  await addConsent(wh, { id: 'k6', customer: 'p0', kind: 'consent_granted', at: at(T, HOUR) });
  await addConsent(wh, { id: 'k7', customer: 'r2', kind: 'dnc', at: at(T, HOUR) });
  await addCustomer(wh, { id: 'atT', created: T });
}

describe('feature snapshots (point in time)', () => {
  let wh: Warehouse;
  let first: Awaited<ReturnType<typeof buildSnapshot>>;
  let rows: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
    await seed(wh);
    first = await buildSnapshot(wh, { asOf: new Date(T) });
    rows = await snapshotRows(wh, first.snapshotId);
  });
  afterAll(async () => wh.close());

  const row = (id: string) => {
    const r = rows.get(id);
    if (!r) throw new Error(`no row for ${id}`);
    return r;
  };
  const num = (id: string, feature: string) => Number(row(id)[feature]);

  it('has one row per customer created before as-of, and every registered feature', async () => {
    expect(first.rows).toBe(10);
    expect([...rows.keys()].sort()).toEqual(['dst', 'n0', 'nyc', 'p0', 'r1', 'r2', 'r3', 'r4', 'r5', 'syd']);
    expect(Object.keys(row('syd'))).toEqual(['customer_id', ...FEATURES.map((d) => d.name)]);
    expect(first.featureCount).toBe(FEATURES.length);
    expect(first.drift).toBeNull(); // nothing to compare with yet
  });

  it('computes the static profile as of the snapshot time', () => {
    expect(row('syd').age_band).toBe('25-34');
    expect(row('nyc').age_band).toBe('65+');
    expect(row('n0').age_band).toBeNull();
    expect(row('syd').occupation).toBe('nurse');
    // 12 months on 2024-01-01, plus trunc(161 days / 30.4375) = 5 months by 2024-06-10
    expect(row('syd').tenure_months).toBe(17);
    expect(row('syd').balance).toBe(100);
    // withdrawn then granted again: granted; p0 withdrew; the CRM flag otherwise
    expect(row('syd').consent).toBe(true);
    expect(row('p0').consent).toBe(false);
    expect(row('r1').consent).toBe(true);
  });

  it('counts earlier attempts in 7/30/90-day windows, streaks and recency', () => {
    // syd: 05-01 answered, 06-01 answered, then 06-03, 06-05, 06-07, 06-08 23:30 unanswered
    expect(num('syd', 'attempts_7d')).toBe(4);
    expect(num('syd', 'answered_7d')).toBe(0);
    expect(num('syd', 'attempts_30d')).toBe(5);
    expect(num('syd', 'answered_30d')).toBe(1);
    expect(num('syd', 'attempts_90d')).toBe(6);
    expect(num('syd', 'answered_90d')).toBe(2);
    expect(num('syd', 'attempts_total')).toBe(6);
    expect(num('syd', 'answered_total')).toBe(2);
    expect(num('syd', 'consecutive_unanswered')).toBe(4);
    expect(num('syd', 'days_since_last_attempt')).toBeCloseTo(24.5 / 24, 10);
    expect(num('syd', 'days_since_last_answer')).toBeCloseTo(8 + 22 / 24, 10);
    expect(row('r1').days_since_last_attempt).toBeNull();
    expect(row('r1').days_since_last_answer).toBeNull();
    expect(num('r1', 'consecutive_unanswered')).toBe(0);
    expect(num('nyc', 'consecutive_unanswered')).toBe(0);
  });

  it('smooths the answer rate with a beta prior at the population rate', () => {
    // 10 attempts before T's day, 6 answered: p = (6 + 1) / (10 + 2)
    const p = 7 / 12;
    expect(num('syd', 'answer_rate_smoothed')).toBeCloseTo((2 + 10 * p) / (6 + 10), 12);
    // two answered calls out of two: nowhere near 100 %
    expect(num('nyc', 'answer_rate_smoothed')).toBeCloseTo((2 + 10 * p) / (2 + 10), 12);
    expect(num('nyc', 'answer_rate_smoothed')).toBeLessThan(0.7);
    expect(num('r1', 'answer_rate_smoothed')).toBeCloseTo(p, 12);
  });

  it('flags opt-outs on the customer, on the number and in the CRM', () => {
    expect(row('nyc').opted_out).toBe(true); // opt-out on nyc's number
    expect(row('n0').opted_out).toBe(true); // CRM do-not-call flag
    expect(row('syd').opted_out).toBe(false);
  });

  it("puts each call in the customer's local hour-of-week block (IANA zone, DST included)", () => {
    const how = (id: string, name: string) => num(id, name);
    // n0 and p0 have no calls: their rate in a block is the occupation prior itself
    // same instant, 2024-06-03 13:00 UTC: Sydney Monday 23:00 (unanswered), New York Monday 09:00 (answered)
    expect(how('syd', 'how_mon_20')).toBeCloseTo((0 + 4 * how('n0', 'how_mon_20')) / (1 + 4), 12);
    expect(how('syd', 'how_mon_08')).toBeCloseTo(how('n0', 'how_mon_08'), 12);
    expect(how('nyc', 'how_mon_08')).toBeCloseTo((1 + 4 * how('n0', 'how_mon_08')) / (1 + 4), 12);
    expect(how('nyc', 'how_mon_20')).toBeCloseTo(how('n0', 'how_mon_20'), 12);
    // January: EST, 12:30 UTC is 07:30 local
    expect(how('nyc', 'how_mon_04')).toBeCloseTo((1 + 4 * how('n0', 'how_mon_04')) / (1 + 4), 12);
    // the DST change day in Sydney: both calls land on Sunday 00:00-04:00
    expect(how('dst', 'how_sun_00')).toBeCloseTo((2 + 4 * how('p0', 'how_sun_00')) / (2 + 4), 12);
    expect(how('dst', 'how_sat_20')).toBeCloseTo(how('p0', 'how_sat_20'), 12);
    expect(how('dst', 'how_sun_04')).toBeCloseTo(how('p0', 'how_sun_04'), 12);
    // other blocks untouched: syd's Saturday noon answer is the only call in sat_12
    expect(how('syd', 'how_sat_12')).toBeGreaterThan(how('n0', 'how_sat_12'));
  });

  it('shrinks towards the occupation and population rates exactly as documented', () => {
    const p = 7 / 12;
    // a block nobody was ever called in: everyone's rate there is the population rate
    expect(num('n0', 'how_tue_00')).toBeCloseTo(p, 12);
    // mon_20: one unanswered call in the whole population, by a nurse (syd)
    const block = (0 + 20 * p) / (1 + 20);
    const nurse = (0 + 50 * block) / (1 + 50);
    expect(num('n0', 'how_mon_20')).toBeCloseTo(nurse, 12);
    expect(num('syd', 'how_mon_20')).toBeCloseTo((4 * nurse) / 5, 12);
    // a pilot's prior for mon_20 sees the nurse's call only through the block rate
    expect(num('p0', 'how_mon_20')).toBeCloseTo((0 + 50 * block) / (0 + 50), 12);
  });

  it('computes RFM and quintile scores against the population as of the day', () => {
    // frequencies of the 10 customers: 0×5, 1, 2, 3, 4, 5 → breakpoints [0, 0, 1, 3];
    // recency among r1…r5: 1…5 days → [1, 2, 3, 4]; monetary 10·k → [0, 0, 10, 30]
    const expected: Record<string, [number, number, number, number, number, number]> = {
      // recency, frequency, monetary, R, F, M
      r1: [1, 1, 10, 5, 3, 3],
      r2: [2, 2, 20, 4, 4, 4],
      r3: [3, 3, 30, 3, 4, 4],
      r4: [4, 4, 40, 2, 5, 5],
      r5: [5, 5, 50, 1, 5, 5],
    };
    for (const [id, [r, f, m, rs, fs, ms]] of Object.entries(expected)) {
      expect(num(id, 'rfm_recency_days'), id).toBeCloseTo(r, 10);
      expect([num(id, 'rfm_frequency'), num(id, 'rfm_monetary')], id).toEqual([f, m]);
      expect([num(id, 'rfm_r_score'), num(id, 'rfm_f_score'), num(id, 'rfm_m_score')], id).toEqual([rs, fs, ms]);
    }
    expect(row('syd').rfm_recency_days).toBeNull();
    expect([num('syd', 'rfm_r_score'), num('syd', 'rfm_f_score'), num('syd', 'rfm_m_score')]).toEqual([1, 1, 1]);
  });

  it('summarises past conversions', () => {
    expect(num('syd', 'conversions_total')).toBe(1);
    expect(num('syd', 'conversion_value_total')).toBe(25);
    expect(num('syd', 'days_since_last_conversion')).toBeCloseTo(8 + 22 / 24, 10);
    expect(num('nyc', 'conversions_total')).toBe(0);
    expect(row('nyc').days_since_last_conversion).toBeNull();
  });

  it('does not change when attempts, events, conversions, consents and customers arrive at or after as-of', async () => {
    await addLaterRows(wh);
    const again = await buildSnapshot(wh, { asOf: new Date(T) });
    expect(again.snapshotId).not.toBe(first.snapshotId);
    expect(again.rows).toBe(first.rows);
    const rebuilt = await snapshotRows(wh, again.snapshotId);
    expect([...rebuilt.keys()]).toEqual([...rows.keys()]);
    for (const [id, before] of rows) expect(rebuilt.get(id), id).toEqual(before);
    // identical data, identical distributions: the drift check against the previous snapshot finds nothing
    expect(again.drift?.baselineSnapshotId).toBe(first.snapshotId);
    expect(again.drift?.maxPsi).toBe(0);
    expect(again.drift?.alarms).toEqual([]);

    // …while a snapshot a few days later does see them
    const later = await buildSnapshot(wh, { asOf: new Date(at(T, 3 * DAY_MS)), skipDrift: true });
    const laterRows = await snapshotRows(wh, later.snapshotId);
    expect(laterRows.get('syd')?.attempts_total).toBe(7);
    expect(laterRows.get('syd')?.conversions_total).toBe(2);
    expect(laterRows.get('syd')?.opted_out).toBe(true);
    expect(laterRows.get('p0')?.consent).toBe(true);
    expect(laterRows.has('atT')).toBe(true);
    expect(laterRows.has('late')).toBe(false);
  });

  it('records snapshots and their statistics', async () => {
    const all = await listSnapshots(wh);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const latest = await latestSnapshot(wh);
    expect(latest?.asOf.toISOString()).toBe(at(T, 3 * DAY_MS));
    expect((await latestSnapshot(wh, { asOfBefore: new Date(T) }))?.asOf.toISOString()).toBe(new Date(T).toISOString());
    const stats = await snapshotStats(wh, first.snapshotId);
    expect(stats.map((s) => s.feature)).toEqual(FEATURES.map((d) => d.name));
    const balance = stats.find((s) => s.feature === 'balance')!;
    expect(balance.nullShare).toBeCloseTo(8 / 10, 12);
    expect(balance.mean).toBeCloseTo(75, 12);
    expect(balance.min).toBe(50);
    expect(balance.max).toBe(100);
    const age = stats.find((s) => s.feature === 'age_band')!;
    expect(age.histogram).toEqual({ kind: 'categorical', shares: { '25-34': 0.1, '65+': 0.1 } });
    expect(age.nullShare).toBeCloseTo(0.8, 12);
    const attempts = stats.find((s) => s.feature === 'attempts_total')!;
    expect(attempts.p50).toBe(0);
    expect(attempts.histogram.kind).toBe('numeric');
    if (attempts.histogram.kind === 'numeric') {
      expect(attempts.histogram.shares.reduce((a, b) => a + b, 0) + attempts.nullShare).toBeCloseTo(1, 12);
    }
  });

  it('builds atomically: a failed build leaves earlier snapshots as they were', async () => {
    const before = await listSnapshots(wh);
    const { n: featureRows } = await wh.one<{ n: number }>('SELECT count(*) AS n FROM customer_features');
    // a customer in a zone ICU does not know makes the build fail half-way
    await addCustomer(wh, { id: 'zz', timezone: 'Mars/Olympus_Mons' });
    await addAttempt(wh, { id: 'zz-1', customer: 'zz', at: '2024-06-01T00:00:00Z' });
    await expect(buildSnapshot(wh, { asOf: new Date(T) })).rejects.toThrow();
    expect(await listSnapshots(wh)).toEqual(before);
    expect((await wh.one<{ n: number }>('SELECT count(*) AS n FROM customer_features')).n).toBe(featureRows);
    const temp = await wh.query(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_\\_%' ESCAPE '\\'`);
    expect(temp).toEqual([]);
    await wh.run(`DELETE FROM call_attempts WHERE customer_id = 'zz'`);
    await wh.run(`DELETE FROM customers WHERE customer_id = 'zz'`);
    expect((await buildSnapshot(wh, { asOf: new Date(T), skipDrift: true })).rows).toBe(10);
  });
});

describe('feature registry', () => {
  it('lists every feature once, with a family, a type and a description', () => {
    const features = listFeatures();
    expect(new Set(features.map((d) => d.name)).size).toBe(features.length);
    expect(new Set(features.map((d) => d.family))).toEqual(
      new Set(['profile', 'contact_history', 'hour_of_week', 'rfm', 'conversion_history']),
    );
    for (const d of features) {
      expect(d.description.length, d.name).toBeGreaterThan(10);
      expect(['numeric', 'categorical', 'boolean']).toContain(d.type);
    }
    expect(features.filter((d) => d.family === 'hour_of_week')).toHaveLength(HOUR_OF_WEEK_BLOCKS);
    expect(hourOfWeekFeature(0)).toBe('how_mon_00');
    expect(hourOfWeekFeature(41)).toBe('how_sun_20');
    const text = formatFeatureList();
    for (const d of features) expect(text).toContain(d.name);
    expect(text).toContain(`${features.length} features in 5 families`);
  });

  it('matches the customer_features table column for column', async () => {
    const wh = await Warehouse.open(':memory:');
    const cols = await wh.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customer_features' ORDER BY ordinal_position`,
    );
    expect(cols.map((c) => c.column_name)).toEqual(['snapshot_id', 'customer_id', ...FEATURES.map((d) => d.name)]);
    expect(cols.slice(2).map((c) => c.data_type)).toEqual(FEATURES.map((d) => d.sqlType));
    await wh.close();
  });

  it('reports progress step by step and refuses an invalid as-of', async () => {
    const wh = await Warehouse.open(':memory:');
    await addCustomer(wh, { id: 'a' });
    const seen: number[] = [];
    await buildSnapshot(wh, { asOf: new Date(T), onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    await expect(buildSnapshot(wh, { asOf: new Date('invalid') })).rejects.toThrow(TypeError);
    await wh.close();
  });
});
