import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Booster,
  DMatrix,
  XGBoostError,
  XGBoostLibraryMissingError,
  XGBoostUsageError,
  installHint,
  isMaximizeMetric,
  openXGBoostLibrary,
  parseEvalLine,
  train,
  xgboostInfo,
} from '../../models/xgboost/index.ts';

const REPO = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'dialwise-xgb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic uniform [0, 1) generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniformMatrix(nrow: number, ncol: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(nrow * ncol);
  for (let i = 0; i < x.length; i++) x[i] = r();
  return x;
}

/** Labels from a rule over each row. */
function labelsFor(x: Float32Array, ncol: number, rule: (row: Float32Array) => number): Float32Array {
  const n = x.length / ncol;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = rule(x.subarray(i * ncol, (i + 1) * ncol));
  return y;
}

/** A non-linear binary problem with label noise, so that boosting keeps improving for a while. */
function noisyProblem(nrow: number, seed: number): { x: Float32Array; y: Float32Array; ncol: number } {
  const ncol = 5;
  const x = uniformMatrix(nrow, ncol, seed);
  const noise = rng(seed + 1);
  const y = labelsFor(x, ncol, (r) => {
    const logit = 4 * (r[0]! - 0.5) + 3 * Math.sin(6 * r[1]!) * (r[2]! - 0.5) + (r[3]! > 0.7 ? 1 : -0.3);
    return noise() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  });
  return { x, y, ncol };
}

describe('libxgboost loading', () => {
  it('finds the installed library and reports its version', () => {
    const info = xgboostInfo();
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.path).toMatch(/xgboost/);
  });

  it('XGBOOST_LIBRARY pointing to a missing file gives XGBoostLibraryMissingError with the install command', () => {
    const attempt = () =>
      openXGBoostLibrary({
        platform: 'linux',
        arch: 'x64',
        env: { XGBOOST_LIBRARY: join(tmp, 'nope', 'libxgboost.so') },
        osRelease: 'NAME="Debian GNU/Linux"\nID=debian\n',
      });
    expect(attempt).toThrow(XGBoostLibraryMissingError);
    try {
      attempt();
    } catch (err) {
      const e = err as XGBoostLibraryMissingError;
      expect(e.code).toBe('XGBOOST_LIBRARY_MISSING');
      expect(e.reason).toBe('not-found');
      expect(e.message).toContain(join(tmp, 'nope', 'libxgboost.so'));
      expect(e.message).toContain('sudo apt-get install libxgboost0');
    }
  });

  it('a file that is not a shared library is reported as load-failed, not crashed on', () => {
    const fake = join(tmp, 'libxgboost-fake.so');
    writeFileSync(fake, 'not an ELF file');
    expect(() => openXGBoostLibrary({ platform: 'linux', arch: 'x64', env: { XGBOOST_LIBRARY: fake } })).toThrow(
      expect.objectContaining({ name: 'XGBoostLibraryMissingError', reason: 'load-failed' }),
    );
  });

  it('names the install command for each platform', () => {
    expect(installHint({ platform: 'darwin', arch: 'arm64', env: {} })).toContain('brew install xgboost');
    expect(installHint({ platform: 'linux', arch: 'x64', env: {}, osRelease: 'ID=ubuntu\nID_LIKE=debian\n' })).toContain(
      'sudo apt-get install libxgboost0',
    );
    const other = installHint({ platform: 'linux', arch: 'x64', env: {}, osRelease: 'ID=fedora\n' });
    expect(other).not.toContain('apt-get');
    expect(other).toContain('XGBOOST_LIBRARY=');
  });

  it('the real process with a bad XGBOOST_LIBRARY fails on first use with the typed error', () => {
    const script = `
      const { DMatrix } = await import('./models/xgboost/index.ts');
      try { new DMatrix(new Float32Array(2), { nrow: 1, ncol: 2 }); console.log('NO ERROR'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, reason: e.reason, message: e.message })); }`;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, XGBOOST_LIBRARY: '/definitely/missing/libxgboost.so' },
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim()) as { name: string; reason: string; message: string };
    expect(out.name).toBe('XGBoostLibraryMissingError');
    expect(out.reason).toBe('not-found');
    expect(out.message).toContain('/definitely/missing/libxgboost.so');
  });
});

describe('DMatrix', () => {
  it('checks the shape and info vectors before calling the library', () => {
    expect(() => new DMatrix(new Float32Array(5), { nrow: 2, ncol: 3 })).toThrow(XGBoostUsageError);
    expect(() => new DMatrix(new Float32Array(6), { nrow: 2, ncol: 3, label: [1] })).toThrow(/label has 1 values; expected 2/);
    expect(() => new DMatrix(new Float32Array(6), { nrow: 2, ncol: 3, featureNames: ['a', 'b'] })).toThrow(XGBoostUsageError);
  });

  it('treats NaN as missing and round-trips labels and weights', () => {
    const x = new Float32Array([1, NaN, 3, NaN, NaN, 6]);
    const d = new DMatrix(x, { nrow: 3, ncol: 2, label: [0, 1, 0], weight: new Float32Array([1, 2, 3]) });
    expect(d.numNonMissing()).toBe(3);
    expect(Array.from(d.label)).toEqual([0, 1, 0]);
    expect(Array.from(d.weight)).toEqual([1, 2, 3]);
    d.dispose();
    d.dispose(); // idempotent, no double free
    expect(d.disposed).toBe(true);
    expect(() => d.label).toThrow(XGBoostUsageError);
  });

  it('frees matrices and boosters nobody disposed (finaliser) without double-freeing disposed ones', () => {
    // 50 undisposed matrices of 8 MB each would leak ~400 MB if the finaliser did nothing.
    const script = `
      const { DMatrix, Booster } = await import('./models/xgboost/index.ts');
      const { setTimeout } = await import('node:timers/promises');
      const data = new Float32Array(1_000_000).fill(1);
      const rss0 = process.memoryUsage().rss;
      for (let i = 0; i < 100; i++) {
        const d = new DMatrix(data, { nrow: 100_000, ncol: 10 });
        const b = new Booster({ cache: [d] });
        if (i % 2) { d.dispose(); b.dispose(); }
        if (i % 10 === 9) { globalThis.gc(); await setTimeout(10); }
      }
      for (let k = 0; k < 5; k++) { globalThis.gc(); await setTimeout(20); }
      console.log((process.memoryUsage().rss - rss0) / 1e6);`;
    const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    expect(Number(res.stdout.trim())).toBeLessThan(150);
  });
});

describe('training and prediction', () => {
  it('learns the known split y = x0 > 0.5 with one depth-1 tree', () => {
    const n = 2000;
    const x = uniformMatrix(n, 2, 11);
    const y = labelsFor(x, 2, (r) => (r[0]! > 0.5 ? 1 : 0));
    const d = new DMatrix(x, { nrow: n, ncol: 2, label: y });
    // 'exact' splits midway between neighbouring values; 'hist' would cut at a bin boundary near 0.5.
    const b = train({ params: { objective: 'binary:logistic', max_depth: 1, eta: 1, tree_method: 'exact' }, dtrain: d, numBoostRound: 1 });

    const model = JSON.parse(b.saveModelToString());
    const tree = model.learner.gradient_booster.model.trees[0];
    expect(model.learner.gradient_booster.model.trees).toHaveLength(1);
    expect(tree.split_indices[0]).toBe(0);
    expect(Math.abs(tree.split_conditions[0] - 0.5)).toBeLessThan(0.01);
    const dump = b.dumpModel()[0]!;
    expect(dump).toMatch(/^0:\[f0<0\.(49|50)\d*\]/);

    const p = b.predict(d);
    expect(p).toBeInstanceOf(Float32Array);
    expect(p).toHaveLength(n);
    for (let i = 0; i < n; i++) {
      if (y[i] === 1) expect(p[i]).toBeGreaterThan(0.5);
      else expect(p[i]).toBeLessThan(0.5);
    }
    // margin = logit(probability)
    const m = b.predict(d, { outputMargin: true });
    expect(1 / (1 + Math.exp(-m[0]!))).toBeCloseTo(p[0]!, 5);
    b.dispose();
    d.dispose();
  });

  it('save → load (file, buffer, string, UBJSON) gives identical predictions and keeps names and attributes', () => {
    const { x, y, ncol } = noisyProblem(1500, 21);
    const names = ['recency', 'frequency', 'tenure', 'balance', 'age'];
    const d = new DMatrix(x, { nrow: 1500, ncol, label: y, featureNames: names });
    const b = train({
      params: { objective: 'binary:logistic', max_depth: 3, eta: 0.3, eval_metric: 'logloss', seed: 3 },
      dtrain: d,
      numBoostRound: 30,
      evals: [[d, 'train']],
      earlyStoppingRounds: 5,
    });
    b.setAttr('dialwise_version', '0.1.0');
    const expected = b.predict(d);
    const file = join(tmp, 'model.json');
    b.saveModel(file);
    const loaded = [
      Booster.loadModel(file),
      Booster.fromBuffer(b.saveModelToBuffer()),
      Booster.fromBuffer(b.saveModelToString()),
      Booster.fromBuffer(b.saveModelToBuffer('ubj')),
    ];
    for (const l of loaded) {
      expect(l.predict(d)).toEqual(expected);
      expect(l.featureNames).toEqual(names);
      expect(l.boostedRounds()).toBe(b.boostedRounds());
      expect(l.bestIteration).toBe(b.bestIteration);
      expect(l.getAttr('dialwise_version')).toBe('0.1.0');
      l.dispose();
    }
    expect(() => Booster.fromBuffer('{"not": "a model"}')).toThrow(XGBoostError);
    b.dispose();
    d.dispose();
  });

  it('SHAP contributions have ncol + 1 columns (bias last) and sum to the margin', () => {
    const { x, y, ncol } = noisyProblem(800, 31);
    const d = new DMatrix(x, { nrow: 800, ncol, label: y });
    const b = train({ params: { objective: 'binary:logistic', max_depth: 4, eta: 0.3, seed: 5 }, dtrain: d, numBoostRound: 25 });
    const margin = b.predict(d, { outputMargin: true });
    const contribs = b.predictContributions(d);
    expect(b.predictWithShape(d, 'contributions').shape).toEqual([800, ncol + 1]);
    expect(contribs).toHaveLength(800 * (ncol + 1));
    const bias = contribs[ncol]!;
    for (let i = 0; i < 800; i++) {
      const row = contribs.subarray(i * (ncol + 1), (i + 1) * (ncol + 1));
      const sum = row.reduce((a, v) => a + v, 0);
      expect(Math.abs(sum - margin[i]!)).toBeLessThan(1e-4);
      expect(row[ncol]).toBe(bias); // the bias term is the same for every row
    }
    // x4 is pure noise: its contributions must be small next to x0's.
    const meanAbs = (j: number) => {
      let s = 0;
      for (let i = 0; i < 800; i++) s += Math.abs(contribs[i * (ncol + 1) + j]!);
      return s / 800;
    };
    expect(meanAbs(0)).toBeGreaterThan(5 * meanAbs(4));
    b.dispose();
    d.dispose();
  });

  it('early stopping stops, sets bestIteration/bestScore from the last metric of the last eval set, and records history', () => {
    const { x, y, ncol } = noisyProblem(3000, 41);
    const valid = noisyProblem(1000, 42);
    const dtrain = new DMatrix(x, { nrow: 3000, ncol, label: y });
    const dvalid = new DMatrix(valid.x, { nrow: 1000, ncol, label: valid.y });
    const seen: number[] = [];
    const b = train({
      // A large eta over-fits quickly, so validation logloss turns up well before 300 rounds.
      params: { objective: 'binary:logistic', max_depth: 6, eta: 0.8, eval_metric: ['auc', 'logloss'], seed: 7 },
      dtrain,
      numBoostRound: 300,
      evals: [
        [dtrain, 'train'],
        [dvalid, 'valid'],
      ],
      earlyStoppingRounds: 5,
      onIteration: ({ iteration }) => {
        seen.push(iteration);
      },
    });
    const h = b.evalHistory;
    expect(Object.keys(h)).toEqual(['train', 'valid']);
    expect(Object.keys(h.train!)).toEqual(['auc', 'logloss']);
    expect(Object.keys(h.valid!)).toEqual(['auc', 'logloss']);
    const rounds = b.boostedRounds();
    expect(rounds).toBeLessThan(300);
    expect(seen).toHaveLength(rounds);
    expect(h.valid!.logloss).toHaveLength(rounds);
    const best = b.bestIteration!;
    // logloss is minimised: the best round holds the minimum, and 5 rounds without improvement followed.
    const vl = h.valid!.logloss!;
    expect(best).toBe(vl.indexOf(Math.min(...vl)));
    expect(rounds).toBe(best + 1 + 5);
    expect(b.bestScore).toBeCloseTo(vl[best]!, 12);

    // 'best' limits prediction to rounds [0, best + 1).
    const pBest = b.predict(dvalid, { iterationRange: 'best' });
    expect(pBest).toEqual(b.predict(dvalid, { iterationRange: [0, best + 1] }));
    expect(pBest).not.toEqual(b.predict(dvalid));
    b.dispose();

    // With the metrics the other way round, auc (maximised) drives early stopping.
    const b2 = train({
      params: { objective: 'binary:logistic', max_depth: 6, eta: 0.8, eval_metric: ['logloss', 'auc'], seed: 7 },
      dtrain,
      numBoostRound: 300,
      evals: [[dvalid, 'valid']],
      earlyStoppingRounds: 5,
    });
    const auc = b2.evalHistory.valid!.auc!;
    expect(b2.bestIteration).toBe(auc.indexOf(Math.max(...auc)));
    expect(b2.boostedRounds()).toBe(b2.bestIteration! + 6);
    b2.dispose();

    expect(() => train({ params: {}, dtrain, earlyStoppingRounds: 3 })).toThrow(/needs at least one eval set/);
    const stoppedByCallback = train({ params: {}, dtrain, numBoostRound: 50, onIteration: ({ iteration }) => iteration === 2 });
    expect(stoppedByCallback.boostedRounds()).toBe(3);
    stoppedByCallback.dispose();
    dtrain.dispose();
    dvalid.dispose();
  });

  it('sends NaN values down the learned missing branch', () => {
    // y = x0 > 0.5, and rows whose x0 is unknown are positives: the split must send missing right.
    const n = 3000;
    const x = uniformMatrix(n, 2, 51);
    const r = rng(52);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (r() < 0.2) {
        x[i * 2] = NaN;
        y[i] = 1;
      } else {
        y[i] = x[i * 2]! > 0.5 ? 1 : 0;
      }
    }
    const d = new DMatrix(x, { nrow: n, ncol: 2, label: y });
    const b = train({ params: { objective: 'binary:logistic', max_depth: 1, eta: 1 }, dtrain: d, numBoostRound: 1 });
    const node = JSON.parse(b.dumpModel({ format: 'json' })[0]!);
    expect(node.split).toBe('f0');
    expect(node.missing).toBe(node.no); // missing goes with x0 ≥ threshold
    const probe = new DMatrix(new Float32Array([NaN, 0.3, 0.1, 0.3, 0.9, 0.3]), { nrow: 3, ncol: 2 });
    const [pNaN, pLow, pHigh] = b.predict(probe);
    expect(pNaN).toBe(pHigh);
    expect(pNaN).not.toBe(pLow);
    // The same rows with 0 instead of NaN are not missing, so they go left.
    const zero = new DMatrix(new Float32Array([0, 0.3]), { nrow: 1, ncol: 2 });
    expect(b.predict(zero)[0]).toBe(pLow);
    for (const m of [b, d, probe, zero]) m.dispose();
  });

  it('weights change the fit (weighted leaf means)', () => {
    const n = 1000;
    const x = uniformMatrix(n, 2, 61);
    const r = rng(62);
    const y = new Float32Array(n).map(() => (r() < 0.5 ? 1 : 0));
    const w = y.map((v) => (v === 1 ? 9 : 1));
    // lambda 0, eta 1, base_score 0: each leaf predicts the (weighted) mean label of its rows.
    const params = { objective: 'reg:squarederror', max_depth: 2, eta: 1, lambda: 0, base_score: 0, min_child_weight: 0 } as const;
    const plain = new DMatrix(x, { nrow: n, ncol: 2, label: y });
    const weighted = new DMatrix(x, { nrow: n, ncol: 2, label: y, weight: w });
    const bPlain = train({ params, dtrain: plain, numBoostRound: 1 });
    const bWeighted = train({ params, dtrain: weighted, numBoostRound: 1 });
    const mean = (p: Float32Array, ws?: Float32Array) => {
      let s = 0;
      let t = 0;
      p.forEach((v, i) => {
        const wi = ws ? ws[i]! : 1;
        s += v * wi;
        t += wi;
      });
      return s / t;
    };
    const yMean = mean(y);
    const yWeighted = mean(y, w);
    expect(mean(bPlain.predict(plain))).toBeCloseTo(yMean, 4);
    expect(mean(bWeighted.predict(plain), w)).toBeCloseTo(yWeighted, 4);
    expect(yWeighted - yMean).toBeGreaterThan(0.3);
    for (const m of [bPlain, bWeighted, plain, weighted]) m.dispose();
  });

  it('feature importance by gain, weight, cover and total_gain uses the feature names', () => {
    const n = 3000;
    const x = uniformMatrix(n, 3, 71);
    const noise = rng(72);
    const y = labelsFor(x, 3, (r) => 5 * r[0]! + 0.5 * r[1]! + 0.05 * noise());
    const d = new DMatrix(x, { nrow: n, ncol: 3, label: y, featureNames: ['strong', 'weak', 'noise'] });
    const b = train({ params: { objective: 'reg:squarederror', max_depth: 3, eta: 0.3, seed: 1 }, dtrain: d, numBoostRound: 20 });
    const gain = b.featureImportance('gain');
    const totalGain = b.featureImportance('total_gain');
    const weight = b.featureImportance('weight');
    const cover = b.featureImportance('cover');
    expect(Object.keys(gain).sort()).toEqual(Object.keys(weight).sort());
    expect(gain.strong!).toBeGreaterThan(10 * (gain.weak ?? 0));
    expect(totalGain.strong!).toBeGreaterThan(totalGain.weak ?? 0);
    for (const f of Object.keys(gain)) {
      expect(totalGain[f]! / weight[f]!).toBeCloseTo(gain[f]!, 0);
      expect(cover[f]!).toBeGreaterThan(0);
    }
    b.dispose();
    d.dispose();
  });

  it('refuses data whose feature names differ from the model', () => {
    const d = new DMatrix(uniformMatrix(50, 2, 81), { nrow: 50, ncol: 2, label: new Float32Array(50), featureNames: ['a', 'b'] });
    const b = train({ params: {}, dtrain: d, numBoostRound: 1 });
    const other = new DMatrix(uniformMatrix(5, 2, 82), { nrow: 5, ncol: 2, featureNames: ['b', 'a'] });
    expect(() => b.predict(other)).toThrow(/same names in another order/);
    expect(b.predict(other, { validateFeatures: false })).toHaveLength(5);
    for (const m of [b, d, other]) m.dispose();
    expect(() => b.predict(d)).toThrow(XGBoostUsageError);
  });
});

describe('errors from libxgboost', () => {
  const d = new DMatrix(uniformMatrix(20, 2, 91), { nrow: 20, ncol: 2, label: new Float32Array(20) });
  afterAll(() => d.dispose());

  it('an unknown objective is an XGBoostError with the library message and the failing call', () => {
    try {
      train({ params: { objective: 'binary:nonsense' }, dtrain: d, numBoostRound: 1 });
      expect.unreachable('training with an unknown objective must fail');
    } catch (err) {
      expect(err).toBeInstanceOf(XGBoostError);
      const e = err as XGBoostError;
      expect(e.code).toBe('XGBOOST_ERROR');
      expect(e.call).toBe('XGBoosterUpdateOneIter');
      expect(e.libraryMessage).toContain('Unknown objective function: `binary:nonsense`');
      expect(e.libraryMessage).not.toContain('Stack trace');
      expect(e.message).toContain('XGBoosterUpdateOneIter failed: Unknown objective function');
    }
  });

  it('an out-of-range value is an XGBoostError naming the parameter', () => {
    expect(() => train({ params: { max_depth: -1 }, dtrain: d, numBoostRound: 1 })).toThrow(
      expect.objectContaining({ name: 'XGBoostError', libraryMessage: expect.stringContaining('max_depth') }),
    );
    expect(() => train({ params: { eval_metric: 'no-such-metric' }, dtrain: d, numBoostRound: 1, evals: [[d, 'train']] })).toThrow(
      /Unknown metric function no-such-metric/,
    );
  });
});

describe('helpers', () => {
  it('parses evaluation lines like Python (data name before the first dash)', () => {
    expect(parseEvalLine('[7]\ttrain-auc:0.75\tvalid-ndcg@5-:0.5\tvalid-error@0.7:0.125')).toEqual([
      { data: 'train', metric: 'auc', value: 0.75 },
      { data: 'valid', metric: 'ndcg@5-', value: 0.5 },
      { data: 'valid', metric: 'error@0.7', value: 0.125 },
    ]);
  });

  it('maximises auc/aucpr/map/ndcg and minimises the rest (mape included)', () => {
    expect(['auc', 'aucpr', 'map@3', 'ndcg@5-'].map(isMaximizeMetric)).toEqual([true, true, true, true]);
    expect(['logloss', 'rmse', 'error', 'mape'].map(isMaximizeMetric)).toEqual([false, false, false, false]);
  });
});

const PYTHON = '/usr/bin/python3';
const pythonHasXGBoost = spawnSync(PYTHON, ['-c', 'import xgboost, numpy'], { encoding: 'utf8' }).status === 0;
if (!pythonHasXGBoost) {
  console.warn(`SKIPPING the Python interop test: ${PYTHON} cannot import xgboost (install python3-xgboost).`);
}

describe('interoperability with Python xgboost (Debian python3-xgboost)', () => {
  it.skipIf(!pythonHasXGBoost)(
    `a model saved by us loads in Python with the same predictions, and back${pythonHasXGBoost ? '' : ` (skipped: ${PYTHON} lacks xgboost)`}`,
    () => {
      const { x, y, ncol } = noisyProblem(1000, 101);
      const names = ['f_a', 'f_b', 'f_c', 'f_d', 'f_e'];
      const d = new DMatrix(x, { nrow: 1000, ncol, label: y, featureNames: names });
      const b = train({ params: { objective: 'binary:logistic', max_depth: 4, eta: 0.2, seed: 9 }, dtrain: d, numBoostRound: 40 });
      const modelPath = join(tmp, 'ours.json');
      const dataPath = join(tmp, 'x.f32');
      const pyPredPath = join(tmp, 'py-pred.f32');
      const pyModelPath = join(tmp, 'python.json');
      b.saveModel(modelPath);
      writeFileSync(dataPath, x);
      const script = `
import sys, json, numpy as np, xgboost as xgb
model, data, pred_out, model_out, ncol = sys.argv[1:6]
X = np.fromfile(data, dtype=np.float32).reshape(-1, int(ncol))
names = json.loads(sys.argv[6])
bst = xgb.Booster(model_file=model)
assert bst.feature_names == names, bst.feature_names
dm = xgb.DMatrix(X, feature_names=names)
bst.predict(dm).astype(np.float32).tofile(pred_out)
# and a Python-trained model for the reverse direction
y = (X[:, 0] + X[:, 1] > 1).astype(np.float32)
py = xgb.train({"objective": "binary:logistic", "max_depth": 3, "seed": 1}, xgb.DMatrix(X, label=y, feature_names=names), 10)
py.save_model(model_out)
print(json.dumps([float(v) for v in py.predict(dm)[:20]]))
`;
      const res = spawnSync(PYTHON, ['-c', script, modelPath, dataPath, pyPredPath, pyModelPath, String(ncol), JSON.stringify(names)], {
        encoding: 'utf8',
      });
      expect(res.status, res.stderr).toBe(0);
      const pyPred = new Float32Array(new Uint8Array(readFileSync(pyPredPath)).buffer);
      const ours = b.predict(d);
      expect(pyPred).toHaveLength(ours.length);
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - pyPred[i]!));
      expect(maxDiff).toBeLessThan(1e-6);

      const fromPython = Booster.loadModel(pyModelPath);
      const pyFirst = JSON.parse(res.stdout.trim()) as number[];
      const oursOnPy = fromPython.predict(d).subarray(0, 20);
      pyFirst.forEach((v, i) => expect(Math.abs(oursOnPy[i]! - v)).toBeLessThan(1e-6));
      for (const m of [b, d, fromPython]) m.dispose();
    },
  );
});
