import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyCalibration,
  applyIsotonic,
  brier,
  calibrationBins,
  crossFitCalibration,
  ece,
  fitIsotonic,
  fitPlatt,
  isotonicRegression,
  liftByDecile,
  logLoss,
  MetricsInputError,
  prAuc,
  rocAuc,
  sigmoid,
} from '../../models/metrics/index.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Deterministic uniform floats. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

describe('ranking metrics (hand-computed)', () => {
  it('ROC AUC of the textbook example is 0.75 and PR AUC (average precision) is 5/6', () => {
    const y = [0, 0, 1, 1];
    const p = [0.1, 0.4, 0.35, 0.8];
    expect(rocAuc(y, p)).toBeCloseTo(0.75, 12);
    // thresholds 0.8 → R ½ P 1; 0.4 → R ½; 0.35 → R 1 P ⅔: ½·1 + ½·⅔
    expect(prAuc(y, p)).toBeCloseTo(5 / 6, 12);
  });

  it('ROC AUC counts tied scores as one half', () => {
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    // positive 0.2 ties negative 0.2 (½), beats 0.1 (1); positive 0.9 beats both: 3.5 / 4
    expect(rocAuc([0, 1, 0, 1], [0.2, 0.2, 0.1, 0.9])).toBeCloseTo(0.875, 12);
    // tied scores contribute the same whatever their input order
    expect(rocAuc([1, 0, 0, 1], [0.2, 0.2, 0.1, 0.9])).toBeCloseTo(0.875, 12);
  });

  it('AUC is NaN without both classes; a perfect ranking scores 1 and a reversed one 0', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
    expect(prAuc([0, 0], [0.2, 0.3])).toBeNaN();
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
  });

  it('weights act as row counts', () => {
    const y = [0, 1, 0, 1, 1];
    const p = [0.3, 0.2, 0.6, 0.7, 0.3];
    const w = [2, 1, 3, 1, 2];
    const yy: number[] = [];
    const pp: number[] = [];
    y.forEach((v, i) => {
      for (let k = 0; k < (w[i] as number); k++) {
        yy.push(v);
        pp.push(p[i] as number);
      }
    });
    expect(rocAuc(y, p, w)).toBeCloseTo(rocAuc(yy, pp), 12);
    expect(prAuc(y, p, w)).toBeCloseTo(prAuc(yy, pp), 12);
    expect(logLoss(y, p, w)).toBeCloseTo(logLoss(yy, pp), 12);
    expect(brier(y, p, w)).toBeCloseTo(brier(yy, pp), 12);
    expect(ece(y, p, { w })).toBeCloseTo(ece(yy, pp), 12);
  });

  it('refuses mismatched lengths with a typed error', () => {
    expect(() => rocAuc([0, 1], [0.5])).toThrow(MetricsInputError);
    expect(() => logLoss([0, 1], [0.5, 0.5], [1])).toThrow(/one weight per row/);
  });
});

describe('probability metrics (hand-computed)', () => {
  it('log loss and Brier score', () => {
    // −(ln 0.8 + ln 0.7) / 2 and (0.2² + 0.3²) / 2
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expect(brier([1, 0], [0.8, 0.3])).toBeCloseTo(0.065, 12);
    // clipped, never infinite
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true);
  });

  it('ECE over 10 equal-width bins', () => {
    // bins: 0 → {0.05: y 0}, 1 → {0.15, 0.18: one positive}, 9 → {0.95: y 1}
    // ¼·0.05 + ½·|0.5 − 0.165| + ¼·0.05 = 0.1925
    const y = [0, 1, 0, 1];
    const p = [0.05, 0.15, 0.18, 0.95];
    expect(ece(y, p)).toBeCloseTo(0.1925, 12);
    const bins = calibrationBins(y, p);
    expect(bins).toHaveLength(10);
    expect(bins[1]).toMatchObject({ rows: 2, share: 0.5 });
    expect(bins[1]!.meanPredicted).toBeCloseTo(0.165, 12);
    expect(bins[9]!.rows).toBe(1); // p = 1 would also land in the last bin
    expect(ece([1], [1])).toBe(0);
  });

  it('lift and cumulative gain by decile', () => {
    const p = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
    const y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0];
    const d = liftByDecile(y, p);
    expect(d).toHaveLength(10);
    expect(d[0]!.lift).toBeCloseTo(1 / 0.3, 12);
    expect(d.map((r) => r.cumulativeGain)).toEqual([1 / 3, 2 / 3, 2 / 3, 1, 1, 1, 1, 1, 1, 1].map((v) => expect.closeTo(v, 12)));
    expect(d[3]!.cumulativeLift).toBeCloseTo(0.75 / 0.3, 12);
    // 23 rows: the first 3 deciles get 3 rows, the rest 2
    const d23 = liftByDecile(Array.from({ length: 23 }, (_, i) => i % 2), Array.from({ length: 23 }, (_, i) => i / 23));
    expect(d23.map((r) => r.rows)).toEqual([3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
  });
});

describe('calibration', () => {
  it('isotonic regression pools adjacent violators', () => {
    const fit = isotonicRegression([1, 2, 3, 4, 5, 6], [1, 3, 2, 4, 3, 5]);
    expect(Array.from(fit.y)).toEqual([1, 2.5, 2.5, 3.5, 3.5, 5]);
    // tied x are merged first: x = 1 → mean ½ over 2 rows, then pooled with x = 2 (y 0): ⅓
    const tied = isotonicRegression([1, 1, 2], [0, 1, 0]);
    expect(Array.from(tied.x)).toEqual([1, 2]);
    expect(tied.y[0]).toBeCloseTo(1 / 3, 12);
    expect(tied.y[1]).toBeCloseTo(1 / 3, 12);
    // weights: a heavy low point wins the pool
    const weighted = isotonicRegression([1, 2], [1, 0], [3, 1]);
    expect(Array.from(weighted.y)).toEqual([0.75, 0.75]);
  });

  it('the isotonic calibrator interpolates between knots and clips outside', () => {
    const cal = fitIsotonic([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]);
    expect(applyIsotonic(cal, 0.05)).toBe(0);
    expect(applyIsotonic(cal, 0.25)).toBeCloseTo(0.5, 12);
    expect(applyIsotonic(cal, 0.9)).toBe(1);
    // only the ends of flat runs are kept
    expect(cal.x).toEqual([0.1, 0.2, 0.3, 0.4]);
    const flat = fitIsotonic([0.1, 0.2, 0.3, 0.4, 0.5], [0, 0, 0, 0, 1]);
    expect(flat.x).toEqual([0.1, 0.4, 0.5]);
  });

  it('smoothed isotonic shrinks each block towards the overall rate and stays monotone', () => {
    const p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const y = [0, 0, 0, 1, 1, 1];
    expect(fitIsotonic(p, y).y).toEqual([0, 0, 1, 1]);
    // blocks {0.1–0.3: 0 of 3} and {0.4–0.6: 3 of 3}, two pseudo-rows at ½: 1/5 and 4/5
    const smooth = fitIsotonic(p, y, undefined, { smoothing: 2 });
    expect(smooth.y[0]).toBeCloseTo(1 / 5, 12);
    expect(smooth.y.at(-1)).toBeCloseTo(4 / 5, 12);
    // a tiny block that would overtake its heavy neighbour is pooled again
    const q = Array.from({ length: 101 }, (_, i) => i / 100);
    const yy = q.map((_, i) => (i === 0 ? 0 : i < 100 ? (i % 10 === 0 ? 1 : 0) : 1));
    const s2 = fitIsotonic(q, yy, undefined, { smoothing: 5 });
    for (let i = 1; i < s2.y.length; i++) expect(s2.y[i]!).toBeGreaterThanOrEqual(s2.y[i - 1]!);
  });

  it('Platt scaling recovers a known logistic relation', () => {
    const r = rng(7);
    const n = 20_000;
    const raw = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = 1.5 * normal(r);
      raw[i] = sigmoid(s); // the model's raw probability
      y[i] = r() < sigmoid(0.5 * s - 1) ? 1 : 0; // truth: over-confident raw scores, shifted
    }
    const cal = fitPlatt(raw, y, undefined, { smoothTargets: false });
    expect(cal.a).toBeCloseTo(0.5, 1);
    expect(cal.b).toBeCloseTo(-1, 1);
    const calibrated = applyCalibration(cal, raw);
    expect(ece(y, calibrated)).toBeLessThan(0.02);
    expect(ece(y, raw)).toBeGreaterThan(0.1);
  });

  it('cross-fitted calibration never uses a row to calibrate itself', () => {
    // Each row's label is unique noise; an in-sample isotonic fit would memorise it, out-of-fold cannot.
    const r = rng(3);
    const n = 2_000;
    const p = Float64Array.from({ length: n }, () => r());
    const y = Float64Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
    const inSample = applyCalibration(fitIsotonic(p, y), p);
    const outOfFold = crossFitCalibration('isotonic', p, y, undefined, { folds: 5, seed: 1 });
    expect(logLoss(y, outOfFold)).toBeGreaterThan(logLoss(y, inSample));
  });
});

const PYTHON = '/usr/bin/python3';
const hasSklearn = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' }).status === 0;
if (!hasSklearn) console.warn(`SKIPPING the scikit-learn comparison: ${PYTHON} cannot import sklearn (install python3-sklearn).`);

describe('agreement with scikit-learn', () => {
  it.skipIf(!hasSklearn)('ROC AUC, average precision, log loss, Brier, isotonic and Platt match on random weighted data with ties', () => {
    const r = rng(11);
    const n = 3_000;
    const y: number[] = [];
    const p: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = normal(r);
      // rounded scores make many ties
      p.push(Math.round(sigmoid(s - 1) * 50) / 50);
      y.push(r() < sigmoid(1.3 * s - 1.2) ? 1 : 0);
      w.push(0.5 + Math.floor(r() * 4));
    }
    const logits = p.map((v) => Math.log(Math.max(1e-7, Math.min(1 - 1e-7, v)) / (1 - Math.max(1e-7, Math.min(1 - 1e-7, v)))));
    const grid = Array.from({ length: 101 }, (_, i) => i / 100);
    const { dir, cleanup } = tempDir();
    try {
      const input = join(dir, 'in.json');
      writeFileSync(input, JSON.stringify({ y, p, w, logits, grid }));
      const script = `
import json, sys, numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, log_loss, brier_score_loss
from sklearn.isotonic import IsotonicRegression
from sklearn.calibration import _sigmoid_calibration
d = json.load(open(sys.argv[1]))
y, p, w = np.array(d['y']), np.array(d['p']), np.array(d['w'])
iso = IsotonicRegression(out_of_bounds='clip').fit(p, y, sample_weight=w)
a, b = _sigmoid_calibration(np.array(d['logits']), y, sample_weight=w)
print(json.dumps({
  'auc': roc_auc_score(y, p), 'auc_w': roc_auc_score(y, p, sample_weight=w),
  'ap': average_precision_score(y, p), 'ap_w': average_precision_score(y, p, sample_weight=w),
  'll': log_loss(y, p), 'll_w': log_loss(y, p, sample_weight=w),
  'brier_w': brier_score_loss(y, p, sample_weight=w),
  'iso': iso.predict(np.array(d['grid'])).tolist(),
  'platt': [float(-a), float(-b)],
}))
`;
      const out = spawnSync(PYTHON, ['-c', script, input], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const sk = JSON.parse(out.stdout) as {
        auc: number; auc_w: number; ap: number; ap_w: number; ll: number; ll_w: number; brier_w: number;
        iso: number[]; platt: [number, number];
      };
      expect(rocAuc(y, p)).toBeCloseTo(sk.auc, 10);
      expect(rocAuc(y, p, w)).toBeCloseTo(sk.auc_w, 10);
      expect(prAuc(y, p)).toBeCloseTo(sk.ap, 10);
      expect(prAuc(y, p, w)).toBeCloseTo(sk.ap_w, 10);
      expect(logLoss(y, p)).toBeCloseTo(sk.ll, 10);
      expect(logLoss(y, p, w)).toBeCloseTo(sk.ll_w, 10);
      expect(brier(y, p, w)).toBeCloseTo(sk.brier_w, 10);
      const iso = fitIsotonic(p, y, w);
      grid.forEach((g, i) => expect(applyIsotonic(iso, g)).toBeCloseTo(sk.iso[i] as number, 9));
      const platt = fitPlatt(logits, y, w, { scores: 'logit' });
      expect(platt.a).toBeCloseTo(sk.platt[0], 4);
      expect(platt.b).toBeCloseTo(sk.platt[1], 4);
    } finally {
      cleanup();
    }
  });
});
