import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/index.ts';
import {
  attemptSpine,
  buildSnapshot,
  buildTrainingRows,
  FEATURES,
  readFeatureMatrix,
  SpineError,
  toFeatureMatrix,
} from '../../features/index.ts';
import { addAttempt, addConsent, addCustomer, addEvent, at, DAY_MS } from './fixtures.ts';

const START = '2024-04-01T00:00:00Z';
const ZONES = ['Australia/Sydney', 'America/New_York', 'Europe/London', 'Asia/Kolkata'];
const OCCUPATIONS = ['nurse', 'teacher', 'nurse', 'driver', null, 'teacher'];

/** A small deterministic history: 6 customers, 60 attempts over ten weeks, events, consents. */
async function seed(wh: Warehouse): Promise<string[]> {
  let s = 12345;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const ids = OCCUPATIONS.map((_, i) => `c${i}`);
  for (const [i, id] of ids.entries()) {
    await addCustomer(wh, {
      id,
      timezone: ZONES[i % ZONES.length],
      occupation: OCCUPATIONS[i],
      age: 20 + i * 9,
      tenure: i * 5,
      balance: i % 3 === 0 ? null : 100 * i,
      income: i % 2 ? 'high' : 'low',
      created: '2024-01-01T00:00:00Z',
    });
  }
  const attempts: string[] = [];
  for (let k = 0; k < 60; k++) {
    const customer = ids[Math.floor(rand() * ids.length)]!;
    const when = at(START, Math.floor(rand() * 70 * 24) * 3_600_000 + Math.floor(rand() * 60) * 60_000);
    const answered = rand() < 0.4;
    const converted = answered && rand() < 0.3;
    await addAttempt(wh, {
      id: `a${k}`,
      customer,
      at: when,
      disposition: answered ? 'answered' : rand() < 0.5 ? 'no_answer' : 'busy',
      converted,
      value: converted ? 10 + k : null,
      talk: answered ? 60 : null,
    });
    attempts.push(`a${k}`);
  }
  for (let k = 0; k < 40; k++) {
    await addEvent(wh, {
      id: `e${k}`,
      customer: ids[Math.floor(rand() * ids.length)]!,
      at: at('2024-02-01T00:00:00Z', Math.floor(rand() * 120 * 24) * 3_600_000),
      value: rand() < 0.5 ? null : Math.round(rand() * 100),
    });
  }
  await addConsent(wh, { id: 'k1', customer: 'c1', kind: 'consent_withdrawn', at: '2024-05-01T00:00:00Z' });
  await addConsent(wh, { id: 'k2', phone: 'ph-c2', kind: 'dnc', at: '2024-05-15T00:00:00Z' });
  return attempts;
}

describe('training rows: one feature vector per attempt, as of its own start', () => {
  let wh: Warehouse;
  let attemptIds: string[];

  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
    attemptIds = await seed(wh);
  });
  afterAll(async () => wh.close());

  it('equals the snapshot as of each attempt, for every feature', async () => {
    const result = await buildTrainingRows(wh, { spine: attemptSpine({ from: new Date(START), to: new Date('2025-01-01') }) });
    expect(result.rows).toBe(attemptIds.length);
    expect(result.table).toBe('training_rows');
    const rows = await wh.query<Record<string, unknown>>(`SELECT * FROM training_rows`);
    expect(rows).toHaveLength(attemptIds.length);
    // ordered by (as_of, customer_id)
    const times = rows.map((r) => (r.as_of as Date).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // labels of the attempt itself travel with the row
    expect(Object.keys(rows[0]!)).toEqual([...result.spineColumns, ...FEATURES.map((d) => d.name)]);

    // compare a spread of rows with full snapshots at those times
    const sample = [0, 7, 15, 23, 31, 38, 46, 53, 59].map((i) => rows[i]!);
    for (const r of sample) {
      const snap = await buildSnapshot(wh, { asOf: r.as_of as Date, skipDrift: true });
      const expected = await wh.one<Record<string, unknown>>(
        `SELECT * FROM customer_features WHERE snapshot_id = $id AND customer_id = $customer`,
        { id: snap.snapshotId, customer: r.customer_id as string },
      );
      for (const d of FEATURES) {
        const got = r[d.name];
        const want = expected[d.name];
        if (typeof want === 'number' && typeof got === 'number') expect(got, `${r.attempt_id} ${d.name}`).toBeCloseTo(want, 9);
        else expect(got, `${r.attempt_id} ${d.name}`).toEqual(want);
      }
    }
  });

  it("never lets an attempt's own outcome into its features", async () => {
    // c3 is called three times on one day; the middle call converts and opts out
    await addAttempt(wh, { id: 'x1', customer: 'c3', at: '2024-07-01T09:00:00Z', disposition: 'answered', converted: false });
    await addAttempt(wh, {
      id: 'x2',
      customer: 'c3',
      at: '2024-07-01T10:00:00Z',
      disposition: 'answered',
      converted: true,
      value: 500,
      optedOut: true,
      talk: 240,
    });
    // ingest records an in-call opt-out as a consent effective at the call's start
    await addConsent(wh, { id: 'opt-x2', customer: 'c3', phone: 'ph-c3', kind: 'opt_out', at: '2024-07-01T10:00:00Z' });
    await addAttempt(wh, { id: 'x3', customer: 'c3', at: '2024-07-01T11:00:00Z', disposition: 'no_answer' });
    await buildTrainingRows(wh, {
      spine: attemptSpine({ from: new Date('2024-07-01T00:00:00Z'), to: new Date('2024-07-02T00:00:00Z') }),
      into: 'day_rows',
    });
    const rows = await wh.query<Record<string, unknown>>(
      `SELECT attempt_id, converted, conversion_value, disposition, attempts_total, answered_total, conversions_total,
              conversion_value_total, opted_out, days_since_last_attempt, consecutive_unanswered
       FROM day_rows ORDER BY as_of`,
    );
    const [x1, x2, x3] = rows;
    const before = Number(x1!.attempts_total);
    // the label is on the row…
    expect(x2).toMatchObject({ attempt_id: 'x2', converted: true, conversion_value: 500, disposition: 'answered' });
    // …but the features know only the calls before it
    expect(Number(x2!.attempts_total)).toBe(before + 1);
    expect(Number(x2!.conversions_total)).toBe(Number(x1!.conversions_total));
    expect(Number(x2!.conversion_value_total)).toBe(Number(x1!.conversion_value_total));
    expect(x2!.opted_out).toBe(false);
    expect(Number(x2!.days_since_last_attempt)).toBeCloseTo(1 / 24, 10);
    // the next call sees it
    expect(Number(x3!.attempts_total)).toBe(before + 2);
    expect(Number(x3!.conversions_total)).toBe(Number(x1!.conversions_total) + 1);
    expect(Number(x3!.conversion_value_total)).toBe(Number(x1!.conversion_value_total) + 500);
    expect(x3!.opted_out).toBe(true);
    expect(Number(x3!.consecutive_unanswered)).toBe(0);
    expect(Number(x3!.answered_total)).toBe(Number(x1!.answered_total) + 2);
  });

  it('takes a spine table with extra columns and keeps them, in as-of order', async () => {
    await wh.run(`CREATE OR REPLACE TEMP TABLE my_spine AS
      SELECT * FROM (VALUES ('c0', TIMESTAMPTZ '2024-06-01 00:00:00+00', 1), ('c0', TIMESTAMPTZ '2024-05-01 00:00:00+00', 0),
                            ('nobody', TIMESTAMPTZ '2024-05-01 00:00:00+00', 1)) t(customer_id, as_of, label)`);
    const result = await buildTrainingRows(wh, { spine: { table: 'my_spine' }, into: 'spine_rows' });
    expect(result.rows).toBe(3);
    expect(result.spineColumns).toEqual(['customer_id', 'as_of', 'label']);
    const rows = await wh.query<{ customer_id: string; label: number; attempts_total: number; occupation: string | null }>(
      `SELECT customer_id, label, attempts_total, occupation FROM spine_rows`,
    );
    expect(rows.map((r) => [r.customer_id, r.label])).toEqual([
      ['c0', 0],
      ['nobody', 1],
      ['c0', 1],
    ]);
    // an unknown customer gets empty history and no profile, not an error
    expect(rows[1]).toMatchObject({ attempts_total: 0, occupation: null });
    expect(rows[2]!.attempts_total).toBeGreaterThanOrEqual(rows[0]!.attempts_total);
  });

  it('refuses spines it cannot use, with a typed error', async () => {
    await expect(buildTrainingRows(wh, { spine: { sql: `SELECT 'c0' AS customer_id, now() AS ts` } })).rejects.toThrow(SpineError);
    await expect(
      buildTrainingRows(wh, { spine: { sql: `SELECT 'c0' AS customer_id, now() AS as_of, 1 AS attempts_7d` } }),
    ).rejects.toThrow(/clash with feature names/);
    await expect(
      buildTrainingRows(wh, { spine: { sql: `SELECT 'c0' AS customer_id, NULL::TIMESTAMPTZ AS as_of` } }),
    ).rejects.toThrow(SpineError);
    // nothing left behind
    const temp = await wh.query(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_\\_%' ESCAPE '\\'`);
    expect(temp).toEqual([]);
  });

  it('turns rows into a row-major Float32Array (NaN for null) plus categorical columns', async () => {
    const m = await readFeatureMatrix(wh, { table: 'training_rows' }, { extra: ['attempt_id', 'converted'] });
    const categorical = FEATURES.filter((d) => d.type === 'categorical').map((d) => d.name);
    expect(m.categoricalColumns).toEqual(categorical);
    expect(m.numericColumns).toEqual(FEATURES.filter((d) => d.type !== 'categorical').map((d) => d.name));
    expect(m.rows).toBe(attemptIds.length);
    expect(m.numeric).toBeInstanceOf(Float32Array);
    expect(m.numeric.length).toBe(m.rows * m.numericColumns.length);
    const cols = await wh.columns(`SELECT attempt_id, days_since_last_attempt, opted_out, balance, occupation FROM training_rows`);
    const j = m.numericColumns.indexOf('days_since_last_attempt');
    const w = m.numericColumns.length;
    cols.days_since_last_attempt!.forEach((v, i) => {
      const cell = m.numeric[i * w + j]!;
      if (v === null) expect(cell).toBeNaN();
      else expect(cell).toBeCloseTo(Math.fround(v as number), 6);
    });
    const o = m.numericColumns.indexOf('opted_out');
    cols.opted_out!.forEach((v, i) => expect(m.numeric[i * w + o]).toBe(v ? 1 : 0));
    expect(m.categorical.occupation).toEqual(cols.occupation);
    expect(m.extra.attempt_id).toEqual(cols.attempt_id);

    const small = toFeatureMatrix(
      { balance: [1.5, null], opted_out: [true, false], region: ['north', null] },
      { features: FEATURES.filter((d) => ['balance', 'opted_out', 'region'].includes(d.name)) },
    );
    expect(Array.from(small.numeric)).toEqual([1.5, 1, Number.NaN, 0]);
    expect(small.categorical).toEqual({ region: ['north', null] });
  });

  it('reads a stored snapshot the same way', async () => {
    const snap = await buildSnapshot(wh, { asOf: new Date('2024-06-15T00:00:00Z'), skipDrift: true });
    const m = await readFeatureMatrix(wh, { snapshotId: snap.snapshotId }, { features: ['attempts_total', 'region'] });
    expect(m.rows).toBe(6);
    expect(m.extra.customer_id).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(m.numericColumns).toEqual(['attempts_total']);
    expect(m.categoricalColumns).toEqual(['region']);
    // the same numbers in shared memory, for the scoring workers
    const shared = await readFeatureMatrix(wh, { snapshotId: snap.snapshotId }, { features: ['attempts_total', 'region'], shared: true });
    expect(shared.numeric.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(m.numeric.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.numeric)).toEqual(Array.from(m.numeric));
  });
});
