// XGBoost's OpenMP threads wait passively: test files run two at a time on two cores.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST_CALL_FIELDS, Sfc32 } from '../../contracts/index.ts';
import {
  assertNoLeakage,
  CURRENT_ATTEMPT_FIELDS,
  DENIED_FEATURES,
  ipwWeights,
  LeakageError,
  loadAttemptDataset,
  loadConversionModel,
  modelFeatureDefs,
  scoreConversion,
  scoreMatrix,
  TableModelError,
  trainConversion,
  trainContact,
  DMatrix,
  fitConversionBooster,
  monotoneConstraints,
  train,
  TreePaths,
  MonotoneConstraintError,
  type AttemptDataset,
  type FitResult,
} from '../../models/index.ts';
import { encodeMatrix, featureTypesOf, modelNamesOf } from '../../models/common/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FIXTURE_START, seedCallCentre } from './call-centre-fixture.ts';

const DAY = 86_400_000;
const asOf = new Date(FIXTURE_START.getTime() + 40 * DAY);

function columnsOf(d: AttemptDataset): string[] {
  return [...d.matrix.numericColumns, ...d.matrix.categoricalColumns, ...Object.keys(d.matrix.extra)];
}

describe('deny-list: nothing known only after the call reaches the features', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
    await seedCallCentre(wh, { customers: 200, days: 20, perDay: 2 });
  });
  afterAll(async () => wh.close());

  it('the deny-list holds every post-call field of the contract and the attempt\'s own columns', () => {
    for (const f of POST_CALL_FIELDS) expect(DENIED_FEATURES).toContain(f);
    for (const f of CURRENT_ATTEMPT_FIELDS) expect(DENIED_FEATURES).toContain(f);
    expect(modelFeatureDefs().map((d) => d.name).filter((n) => DENIED_FEATURES.includes(n))).toEqual([]);
    expect(() => assertNoLeakage(['balance', 'talk_seconds'])).toThrow(LeakageError);
    expect(() => assertNoLeakage(['balance', 'Converted'])).toThrow(/known only after the call/);
    expect(() => assertNoLeakage(['balance', 'occupation'])).not.toThrow();
  });

  it('conversion and contact feature matrices carry no denied column (labels ride outside the matrix)', async () => {
    for (const label of ['converted', 'answered'] as const) {
      const d = await loadAttemptDataset(wh, { label, to: asOf });
      expect(d.rows).toBeGreaterThan(0);
      const cols = columnsOf(d);
      expect(cols.filter((c) => DENIED_FEATURES.includes(c))).toEqual([]);
      expect(Object.keys(d.matrix.extra)).toEqual([]);
    }
  });

  it("changing the current attempt's outcome changes nothing in its feature row; changing an earlier one does change later rows", async () => {
    const before = await loadAttemptDataset(wh, { label: 'converted', to: asOf });
    // every customer's last attempt: its post-call fields can only reach its own row, if anything leaks
    await wh.run(`
      UPDATE call_attempts SET converted = NOT coalesce(converted, false), talk_seconds = talk_seconds + 999, ring_seconds = 1,
             conversion_value = 12345, opted_out = true, transferred = true, handled_by = 'robot'
      WHERE (customer_id, started_at) IN (SELECT customer_id, max(started_at) FROM call_attempts GROUP BY customer_id)`);
    const after = await loadAttemptDataset(wh, { label: 'converted', to: asOf });
    expect(after.rows).toBe(before.rows);
    expect(after.customerId).toEqual(before.customerId);
    expect(after.matrix.numeric).toEqual(before.matrix.numeric);
    expect(after.matrix.categorical).toEqual(before.matrix.categorical);
    // the labels themselves did change: the test would see a leak
    expect(after.label).not.toEqual(before.label);

    // sanity: an earlier attempt's outcome is history for later rows (conversions_total moves)
    await wh.run(`
      UPDATE call_attempts SET converted = true, conversion_value = 10
      WHERE disposition = 'answered' AND (customer_id, started_at) IN (SELECT customer_id, min(started_at) FROM call_attempts GROUP BY customer_id)`);
    const later = await loadAttemptDataset(wh, { label: 'converted', to: asOf });
    expect(later.matrix.numeric).not.toEqual(after.matrix.numeric);
  });
});

describe('inverse-propensity weights', () => {
  it('are 1 / propensity, clipped, with weight 1 for imported history, normalised to mean 1', () => {
    const arm = [null, 'model', 'explore', 'model', 'holdout', 'model'];
    const propensity = [null, 0.5, 0.01, 0.25, 1, null];
    const r = ipwWeights(arm, propensity, { clip: 20 });
    expect(Array.from(r.raw)).toEqual([1, 2, 20, 4, 1, 1]);
    expect(r).toMatchObject({ logged: 5, clipped: 1, missingPropensity: 1 });
    const mean = Array.from(r.weights).reduce((a, b) => a + b, 0) / r.weights.length;
    expect(mean).toBeCloseTo(1, 6);
    // ratios survive normalisation
    expect(r.weights[2]! / r.weights[0]!).toBeCloseTo(20, 5);
    expect(r.weights[1]! / r.weights[0]!).toBeCloseTo(2, 5);
    // history only: every weight is 1
    expect(Array.from(ipwWeights([null, null], [null, null]).weights)).toEqual([1, 1]);
  });

  it('conversion and contact training weight logged attempts (and report it); --no-ipw does not', async () => {
    const { dir, cleanup } = tempDir();
    const wh = await Warehouse.open(dir);
    try {
      await seedCallCentre(wh, { customers: 300, days: 40, loggedShare: 0.4 });
      const answered = await wh.one<{ logged: number; explore: number }>(
        `SELECT count_if(arm IS NOT NULL) AS logged, count_if(arm = 'explore') AS explore
         FROM call_attempts WHERE disposition = 'answered' AND started_at < $to`,
        { to: asOf },
      );
      const weighted = await trainConversion(wh, { asOf, validDays: 10 });
      // explore rows have propensity 0.04: 1 / 0.04 = 25 is clipped to 20
      expect(weighted.metrics.weighting).toEqual({ ipw: true, logged: answered.logged, clipped: answered.explore, missingPropensity: 0, clip: 20 });
      expect(weighted.metrics.valid.weighted).toBe(true);
      const plain = await trainConversion(wh, { asOf, validDays: 10, ipw: false });
      expect(plain.metrics.weighting.ipw).toBe(false);
      expect(plain.metrics.valid.weighted).toBe(false);
      expect(plain.metrics.valid.positives).toBe(Math.round(plain.metrics.valid.positives));

      const contact = await trainContact(wh, { asOf, validDays: 10, network: { maxEpochs: 2 } });
      const all = await wh.one<{ logged: number }>(`SELECT count_if(arm IS NOT NULL) AS logged FROM call_attempts WHERE started_at < $to`, { to: asOf });
      expect(contact.metrics.weighting.logged).toBe(all.logged);
      expect(contact.metrics.weighting.clipped).toBeGreaterThan(0);
    } finally {
      await wh.close();
      cleanup();
    }
  });
});

describe('conversion model on call attempts', () => {
  let wh: Warehouse;
  let dir: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    wh = await Warehouse.open(dir);
    await seedCallCentre(wh, { customers: 600, days: 40 });
  });
  afterAll(async () => {
    await wh.close();
    cleanup();
  });

  it('learns the planted signal, stores every promised metric, and never uses a denied column', async () => {
    const r = await trainConversion(wh, { asOf, validDays: 10 });
    const m = r.metrics;
    expect(m.summary.rocAuc).toBeGreaterThan(0.75);
    expect(m.summary.ece).toBeLessThan(0.06);
    for (const k of ['rocAuc', 'prAuc', 'logLoss', 'brier', 'ece'] as const) expect(Number.isFinite(m.summary[k])).toBe(true);
    expect(m.valid.deciles).toHaveLength(10);
    expect(m.valid.deciles[0]!.lift).toBeGreaterThan(1.5);
    expect(m.valid.deciles.at(-1)!.cumulativeGain).toBeCloseTo(1, 9);
    // the planted drivers come out on top
    const top = m.topFeaturesByShap.slice(0, 4).map((f) => f.feature);
    expect(top).toContain('balance');
    expect(top).toContain('occupation');
    expect(m.topFeaturesByGain.length).toBeGreaterThan(3);
    expect(['none', 'platt', 'isotonic']).toContain(m.calibration.method);
    expect(Object.keys(m.calibration.crossFittedLogLoss).sort()).toEqual(['isotonic', 'none', 'platt']);
    // registry row: features and hash, windows, metrics
    const v = r.version;
    expect(v.features.map((f) => f.name).filter((n) => DENIED_FEATURES.includes(n))).toEqual([]);
    expect(v.window.validFrom?.toISOString()).toBe(new Date(asOf.getTime() - 10 * DAY).toISOString());
    expect((v.metrics.summary as { rocAuc: number }).rocAuc).toBe(m.summary.rocAuc);
    // the booster itself knows only allowed names
    const model = await loadConversionModel(wh, v.version);
    expect(model.booster.featureNames!.filter((n) => DENIED_FEATURES.includes(n))).toEqual([]);
    model.dispose();
  });

  it('scores feature rows with calibrated probabilities and top-3 reasons, strongest first, as readable phrases', async () => {
    const r = await trainConversion(wh, { asOf, validDays: 10, calibration: 'isotonic' });
    expect(r.metrics.calibration.method).toBe('isotonic');
    const data = await loadAttemptDataset(wh, { label: 'converted', from: new Date(asOf.getTime() - 10 * DAY), to: asOf });
    const s = await scoreConversion(wh, { version: r.version.version, matrix: data.matrix });
    expect(s.rows).toBe(data.rows);
    expect(s.contributions).toBe('exact');
    expect(s.pConvert.every((p) => p > 0 && p < 1)).toBe(true);
    for (let i = 0; i < 20; i++) {
      const reasons = s.reasonsOf(i);
      expect(reasons).toHaveLength(3);
      const mags = reasons.map((x) => Math.abs(x.contribution));
      expect(mags[0]!).toBeGreaterThanOrEqual(mags[1]!);
      expect(mags[1]!).toBeGreaterThanOrEqual(mags[2]!);
      for (const x of reasons) expect(x.phrase).toMatch(/^[a-z_0-9]+ .*\([+−]\d+\.\d\d\)$/);
    }
    const balanceReason = Array.from({ length: s.rows }, (_, i) => s.reasonsOf(i)).flat().find((x) => x.feature === 'balance');
    expect(balanceReason?.phrase).toMatch(/^balance (high|low|typical) \([+−]/);
    // the fast approximation agrees on the strongest reason for most rows
    const model = await loadConversionModel(wh, r.version.version);
    const approx = scoreMatrix(model, data.matrix, null, { contributions: 'approx' });
    // leaf-path attributions are XGBoost's own approximate contributions, and their sum is the margin
    const x = encodeMatrix(model.encoding, data.matrix);
    const d = new DMatrix(x, { nrow: data.rows, ncol: model.encoding.columns.length, featureNames: modelNamesOf(model.encoding), featureTypes: featureTypesOf(model.encoding) });
    const range: [number, number] = [0, model.meta.iterationEnd];
    const xgbApprox = model.booster.predictContributions(d, { iterationRange: range, approximate: true });
    const leaves = model.booster.predictWithShape(d, 'leaf', { iterationRange: range }).values;
    const ours = model.paths().contributions(leaves, data.rows);
    d.dispose();
    model.dispose();
    expect(ours.length).toBe(xgbApprox.length);
    for (let i = 0; i < ours.length; i++) expect(ours[i]!).toBeCloseTo(xgbApprox[i]!, 4);
    for (let i = 0; i < s.rows; i++) {
      expect(approx.pRaw[i]!).toBeCloseTo(s.pRaw[i]!, 6);
      const k0 = approx.reasonColumn[i * 3]!;
      expect(approx.reasonContribution[i * 3]!).toBeCloseTo(ours[i * (model.encoding.columns.length + 1) + k0]!, 6);
    }
    let same = 0;
    for (let i = 0; i < s.rows; i++) if (approx.reasonColumn[i * 3] === s.reasonColumn[i * 3]) same++;
    expect(same / s.rows).toBeGreaterThan(0.7);
  });

  it('refuses to train on a window with a single class, saying what to do', async () => {
    const other = await Warehouse.open(':memory:');
    try {
      await seedCallCentre(other, { customers: 50, days: 10 });
      await other.run('UPDATE call_attempts SET converted = false, conversion_value = NULL');
      await expect(trainConversion(other, { modelsDir: dir, validDays: 3 })).rejects.toThrow(/no positive labels .* use a longer window/);
      await expect(trainConversion(other, { validDays: 3 })).rejects.toThrow(/in-memory warehouse has no data directory/);
    } finally {
      await other.close();
    }
  });
});

describe('conversion model on any table (--table T --label y --exclude …)', () => {
  let wh: Warehouse;
  let dir: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    wh = await Warehouse.open(dir);
    // a campaign export: one row per customer, text categories, a leaky duration, an id column
    await wh.run(`
      CREATE TABLE bank_campaign AS
      SELECT printf('K%06d', i) AS client_id,
             18 + (hash(i, 1) % 60)::INTEGER AS age,
             CASE hash(i, 2) % 5 WHEN 0 THEN 'admin.' WHEN 1 THEN 'blue-collar' WHEN 2 THEN 'retired' WHEN 3 THEN 'student' ELSE 'services' END AS job,
             CASE hash(i, 3) % 3 WHEN 0 THEN 'cellular' WHEN 1 THEN 'telephone' ELSE NULL END AS contact,
             (hash(i, 4) % 5000)::DOUBLE AS balance,
             hash(i, 5) % 2 = 0 AS housing,
             TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_minutes((i * 7)::INTEGER) AS called_at,
             (hash(i, 6) % 1000000) / 1e6 AS u
      FROM range(4000) t(i)`);
    await wh.run(`
      ALTER TABLE bank_campaign ADD COLUMN y VARCHAR;
      UPDATE bank_campaign SET y = CASE WHEN u < 1 / (1 + exp(-(-2.5 + 1.8 * (job IN ('retired', 'student'))::INT + balance / 2500.0
                                                              - 1.0 * housing::INT))) THEN 'yes' ELSE 'no' END;
      ALTER TABLE bank_campaign ADD COLUMN duration DOUBLE;
      UPDATE bank_campaign SET duration = CASE WHEN y = 'yes' THEN 400 ELSE 90 END + (hash(client_id) % 50);
      ALTER TABLE bank_campaign ADD COLUMN talk_seconds DOUBLE;
      UPDATE bank_campaign SET talk_seconds = duration;
      ALTER TABLE bank_campaign DROP COLUMN u;`);
  });
  afterAll(async () => {
    await wh.close();
    cleanup();
  });

  it('encodes text columns as categories, drops ids, deny-listed and excluded columns, and learns the outcome', async () => {
    const r = await trainConversion(wh, { table: { table: 'bank_campaign', label: 'y', exclude: ['duration'] }, seed: 3 });
    const v = r.version;
    expect(v.kind).toBe('conversion@bank_campaign');
    expect(v.source).toBe('table:bank_campaign');
    expect(v.window.split).toBe('random');
    expect(v.features).toEqual([
      { name: 'age', type: 'numeric' },
      { name: 'balance', type: 'numeric' },
      { name: 'housing', type: 'boolean' },
      { name: 'job', type: 'categorical' },
      { name: 'contact', type: 'categorical' },
    ]);
    const dropped = Object.fromEntries(r.dropped.map((d) => [d.column, d.reason]));
    expect(dropped.duration).toMatch(/excluded/);
    expect(dropped.talk_seconds).toMatch(/deny-list/);
    expect(dropped.client_id).toMatch(/identifier/);
    expect(dropped.called_at).toMatch(/time-column/);
    expect(r.metrics.summary.rocAuc).toBeGreaterThan(0.7);
    expect(r.metrics.summary.rocAuc).toBeLessThan(0.95); // it did not see the leaky duration
    expect(v.params).toMatchObject({ table: 'bank_campaign', label: 'y', positive: 'yes', exclude: ['duration'] });

    // scoring the table with the stored schema
    const s = await scoreConversion(wh, { version: v.version });
    expect(s.rows).toBe(4000);
    expect(s.reasonsOf(0).length).toBe(3);
  });

  it('splits out of time with --time-column, and the gate can evaluate on later rows', async () => {
    const r = await trainConversion(wh, { table: { table: 'bank_campaign', label: 'y', exclude: ['duration'], timeColumn: 'called_at' }, validFraction: 0.25 });
    expect(r.version.window.split).toBe('out-of-time');
    expect(r.version.window.rowsValid).toBe(1000);
    expect(r.version.window.validFrom!.getTime()).toBeGreaterThan(new Date('2024-01-01').getTime());
  });

  it('says what to do when the table cannot be modelled as asked', async () => {
    await expect(trainConversion(wh, { table: { table: 'nope', label: 'y' } })).rejects.toThrow(TableModelError);
    await expect(trainConversion(wh, { table: { table: 'bank_campaign', label: 'outcome' } })).rejects.toThrow(/has no column outcome/);
    await expect(trainConversion(wh, { table: { table: 'bank_campaign', label: 'y', exclude: ['durration'] } })).rejects.toThrow(/does not have/);
    await expect(trainConversion(wh, { table: { table: 'bank_campaign', label: 'job' } })).rejects.toThrow(/--positive/);
    const r = await trainConversion(wh, { table: { table: 'bank_campaign', label: 'job', positive: 'retired', exclude: ['duration', 'y'] } });
    expect(r.version.params).toMatchObject({ positive: 'retired' });
  });
});

describe('monotone constraints: contact fatigue the history shows backwards', () => {
  // Rows where recent answers go WITH conversion (as in re-targeted history): unconstrained,
  // the booster learns p_convert rising with answered_7d; the default constraint forbids it.
  const n = 6000;
  const numericColumns = ['answered_7d', 'balance'];
  const numeric = new Float32Array(n * 2);
  const label = new Float32Array(n);
  const sfc = new Sfc32(7, 11, 13);
  const rng = { float: () => sfc.nextU32() / 2 ** 32 };
  for (let i = 0; i < n; i++) {
    const answered = Math.floor(rng.float() * 4);
    const balance = rng.float() * 10;
    numeric[i * 2] = answered;
    numeric[i * 2 + 1] = balance;
    label[i] = rng.float() < 1 / (1 + Math.exp(-(-2.5 + 0.7 * answered + 0.2 * balance))) ? 1 : 0;
  }
  const matrix = { rows: n, numericColumns, numeric, categoricalColumns: [], categorical: {}, extra: {} };
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const input = {
    matrix,
    label,
    train: all.filter((i) => i % 5 !== 0),
    valid: all.filter((i) => i % 5 === 0),
    ipw: null,
    ipwClip: null,
    types: { answered_7d: 'numeric', balance: 'numeric' } as const,
    descriptions: { answered_7d: 'answered attempts in the 7 days before as-of', balance: 'balance' },
  };
  /** raw model probability at answered_7d = 0..3 for each balance, row-major. */
  function curve(booster: FitResult): number[][] {
    const balances = [1, 5, 9];
    const x = new Float32Array(balances.length * 4 * 2);
    balances.forEach((b, j) => [0, 1, 2, 3].forEach((a, k) => x.set([a, b], (j * 4 + k) * 2)));
    const d = new DMatrix(x, { nrow: balances.length * 4, ncol: 2, featureNames: modelNamesOf(booster.encoding), featureTypes: featureTypesOf(booster.encoding) });
    try {
      const p = booster.booster.predict(d, { iterationRange: [0, booster.iterationEnd] });
      return balances.map((_, j) => Array.from(p.subarray(j * 4, j * 4 + 4)));
    } finally {
      d.dispose();
    }
  }

  it('by default p_convert never rises with answered_7d; without the constraint it learns the history’s sign', () => {
    const constrained = fitConversionBooster(input, { numBoostRound: 200, earlyStoppingRounds: 20 });
    const free = fitConversionBooster(input, { numBoostRound: 200, earlyStoppingRounds: 20, monotone: {} });
    try {
      expect(constrained.params.monotone_constraints).toBe('(-1,0)');
      expect(free.params.monotone_constraints).toBeUndefined();
      for (const row of curve(constrained)) for (let k = 1; k < 4; k++) expect(row[k]!).toBeLessThanOrEqual(row[k - 1]! + 1e-7);
      for (const row of curve(free)) expect(row[3]!).toBeGreaterThan(row[0]! + 0.1);
    } finally {
      constrained.booster.dispose();
      free.booster.dispose();
    }
  });

  it('a constraint on a categorical feature is refused with a typed error', () => {
    expect(() => monotoneConstraints(['occupation', 'balance'], ['c', 'q'], { occupation: -1 })).toThrow(MonotoneConstraintError);
    expect(monotoneConstraints(['occupation', 'balance'], ['c', 'q'], { answered_7d: -1 })).toBeUndefined();
  });
});

describe('the trees walked in JS (paths.ts) for approximate reasons', () => {
  // A small model with what the walk must get right: categorical partition splits over 80 levels
  // (bit sets of three words), one-hot splits, missing values sent left and right, and at
  // prediction time categories that are negative, fractional, unseen or beyond every set.
  const ncol = 3;
  const names = ['plan', 'usage', 'tenure'];
  const types = ['c', 'q', 'q'];
  let booster: ReturnType<typeof train>;
  let paths: TreePaths;
  const rounds = 30;
  beforeAll(() => {
    const n = 6000;
    const rand = new Sfc32(7, 11, 13);
    const effect = Array.from({ length: 80 }, () => rand.uniform() * 4 - 2);
    const x = new Float32Array(n * ncol);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(rand.uniform() * 80);
      const a = rand.uniform();
      const b = rand.uniform();
      x[i * 3] = rand.uniform() < 0.1 ? Number.NaN : c;
      x[i * 3 + 1] = rand.uniform() < 0.15 ? Number.NaN : a;
      x[i * 3 + 2] = b;
      const z = (Number.isNaN(x[i * 3]!) ? 1 : effect[c]!) + (Number.isNaN(x[i * 3 + 1]!) ? -1 : 3 * (a - 0.5)) + (b > 0.7 ? 1 : 0);
      y[i] = rand.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const d = new DMatrix(x, { nrow: n, ncol, label: y, featureNames: names, featureTypes: types });
    booster = train({
      params: { objective: 'binary:logistic', tree_method: 'hist', max_cat_to_onehot: 4, max_depth: 4, eta: 0.3, nthread: 1, seed: 1 },
      dtrain: d,
      numBoostRound: rounds,
    });
    d.dispose();
    paths = new TreePaths(booster.saveModelToString(), rounds, ncol);
  });
  afterAll(() => booster?.dispose());

  it('reaches the leaves XGBoost reaches, for odd categories and missing values too', () => {
    const trees = JSON.parse(booster.saveModelToString().replace(/([[,])NaN(?=[,\]])/g, '$1null')).learner.gradient_booster.model.trees as {
      categories: number[];
      default_left: number[];
      left_children: number[];
    }[];
    // the model has what the test is about
    expect(Math.max(...trees.flatMap((t) => t.categories))).toBeGreaterThan(64);
    const inner = trees.flatMap((t) => t.default_left.filter((_, i) => t.left_children[i] !== -1));
    expect(inner.filter((v) => v === 1).length).toBeGreaterThan(0);
    expect(inner.filter((v) => v === 0).length).toBeGreaterThan(0);

    const odd = [0, 1, 5, 31, 32, 33, 63, 64, 79, -1, -0.5, 0.5, 3.7, 80, 95, 200, 1e7, 16_777_215, 16_777_216, 2e7, Number.NaN];
    const usage = [Number.NaN, 0.05, 0.2, 0.5, 0.8, 0.95];
    const rows = odd.length * usage.length * 2;
    const q = new Float32Array(rows * ncol);
    for (let i = 0; i < rows; i++) {
      q[i * 3] = odd[i % odd.length]!;
      q[i * 3 + 1] = usage[Math.floor(i / odd.length) % usage.length]!;
      q[i * 3 + 2] = i < rows / 2 ? 0.1 : 0.9;
    }
    const d = new DMatrix(q, { nrow: rows, ncol, featureNames: names, featureTypes: types });
    const leaves = booster.predictWithShape(d, 'leaf', { iterationRange: [0, rounds] }).values;
    d.dispose();
    const walked = new Float32Array(leaves.length);
    paths.walk(q, rows, walked);
    expect(walked).toEqual(leaves);

    // one pass over the rows gives exactly what adding up XGBoost's leaves gives
    const margin = [new Float64Array(rows), new Float64Array(rows)];
    const column = [new Int16Array(rows * 2), new Int16Array(rows * 2)];
    const value = [new Float32Array(rows * 2), new Float32Array(rows * 2)];
    paths.accumulate(leaves, rows, 2, margin[0]!, column[0]!, value[0]!);
    paths.score(q, rows, 2, margin[1]!, column[1]!, value[1]!);
    expect(margin[1]).toEqual(margin[0]);
    expect(column[1]).toEqual(column[0]);
    expect(value[1]).toEqual(value[0]);
    // and the margin is XGBoost's
    const dm = new DMatrix(q, { nrow: rows, ncol, featureNames: names, featureTypes: types });
    const xgbMargin = booster.predict(dm, { outputMargin: true });
    dm.dispose();
    for (let i = 0; i < rows; i++) expect(margin[1]![i]!).toBeCloseTo(xgbMargin[i]!, 5);
    const marginOnly = new Float64Array(rows);
    paths.score(q, rows, 0, marginOnly, new Int16Array(0), new Float32Array(0));
    expect(marginOnly).toEqual(margin[0]);
  });
});
