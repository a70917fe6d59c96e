/**
 * Probability calibration fitted on an out-of-time window: isotonic regression (pool adjacent
 * violators) and Platt scaling (a logistic fit on the log-odds). Calibrators are plain JSON so
 * they are stored beside the model and applied at scoring without the training code.
 */
import { MetricsInputError } from './errors.ts';
import type { Numbers } from './classification.ts';

export interface IsotonicCalibrator {
  method: 'isotonic';
  /** Increasing raw-score knots … */
  x: number[];
  /** … and the non-decreasing calibrated value at each; linear in between, clipped outside. */
  y: number[];
}

export interface PlattCalibrator {
  method: 'platt';
  /** calibrated = sigmoid(a · logit(raw) + b) */
  a: number;
  b: number;
}

export interface IdentityCalibrator {
  method: 'none';
}

export type Calibrator = IsotonicCalibrator | PlattCalibrator | IdentityCalibrator;
export type CalibrationMethod = Calibrator['method'];

const LOGIT_EPS = 1e-7;

export function logit(p: number): number {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
  return Math.log(q / (1 - q));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function checkXY(x: Numbers, y: Numbers, w: Numbers | undefined, what: string): void {
  if (x.length !== y.length) throw new MetricsInputError(`${what}: ${x.length} scores but ${y.length} labels`);
  if (w !== undefined && w.length !== x.length) throw new MetricsInputError(`${what}: ${w.length} weights for ${x.length} rows`);
  if (x.length === 0) throw new MetricsInputError(`${what}: no rows to fit on; use a longer validation window`);
}

/**
 * Weighted isotonic (non-decreasing) regression of y on x by pool-adjacent-violators.
 * Tied x values are first merged into their weighted mean, as scikit-learn does, so the fit
 * is a function of x. Returns the distinct x values and the fitted value at each.
 */
export function isotonicRegression(x: Numbers, y: Numbers, w?: Numbers): { x: Float64Array; y: Float64Array; w: Float64Array } {
  checkXY(x, y, w, 'isotonicRegression');
  const order = Array.from({ length: x.length }, (_, i) => i).filter((i) => !Number.isNaN(x[i] as number));
  order.sort((a, b) => (x[a] as number) - (x[b] as number) || a - b);
  // merge ties
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  for (const i of order) {
    const xi = x[i] as number;
    const wi = w === undefined ? 1 : (w[i] as number);
    const yi = y[i] as number;
    if (ux.length > 0 && ux[ux.length - 1] === xi) {
      const k = ux.length - 1;
      const total = (uw[k] as number) + wi;
      uy[k] = total > 0 ? ((uy[k] as number) * (uw[k] as number) + yi * wi) / total : (uy[k] as number);
      uw[k] = total;
    } else {
      ux.push(xi);
      uy.push(yi);
      uw.push(wi);
    }
  }
  // PAV over blocks: each block holds a weighted mean and the number of points it covers
  const mean: number[] = [];
  const weight: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < ux.length; i++) {
    mean.push(uy[i] as number);
    weight.push(uw[i] as number);
    size.push(1);
    while (mean.length > 1 && (mean[mean.length - 2] as number) > (mean[mean.length - 1] as number)) {
      const m2 = mean.pop() as number;
      const w2 = weight.pop() as number;
      const s2 = size.pop() as number;
      const k = mean.length - 1;
      const w1 = weight[k] as number;
      const total = w1 + w2;
      mean[k] = total > 0 ? ((mean[k] as number) * w1 + m2 * w2) / total : ((mean[k] as number) + m2) / 2;
      weight[k] = total;
      size[k] = (size[k] as number) + s2;
    }
  }
  const fitted = new Float64Array(ux.length);
  let at = 0;
  for (let b = 0; b < mean.length; b++) for (let s = 0; s < (size[b] as number); s++) fitted[at++] = mean[b] as number;
  return { x: Float64Array.from(ux), y: fitted, w: Float64Array.from(uw) };
}

/**
 * Fits an isotonic calibrator of raw probabilities `p` to outcomes `y`. With `smoothing` m > 0
 * each pooled block's rate is shrunk towards the overall rate by m pseudo-rows (and the result
 * pooled again, so it stays monotone): plain isotonic regression gives exactly 0 or 1 at the
 * ends, and one surprise there costs an unbounded log loss on new rows.
 */
export function fitIsotonic(p: Numbers, y: Numbers, w?: Numbers, options: { smoothing?: number } = {}): IsotonicCalibrator {
  let fit = isotonicRegression(p, y, w);
  const m = options.smoothing ?? 0;
  if (m > 0 && fit.x.length > 0) {
    let total = 0;
    let mean = 0;
    for (let i = 0; i < fit.x.length; i++) {
      total += fit.w[i] as number;
      mean += (fit.w[i] as number) * (fit.y[i] as number);
    }
    mean /= total;
    // block weights: runs of equal fitted values
    const smoothedY = new Float64Array(fit.x.length);
    const blockW = new Float64Array(fit.x.length);
    for (let i = 0; i < fit.x.length; ) {
      let j = i;
      let wb = 0;
      while (j < fit.x.length && fit.y[j] === fit.y[i]) wb += fit.w[j++] as number;
      const v = ((fit.y[i] as number) * wb + m * mean) / (wb + m);
      for (let k = i; k < j; k++) {
        smoothedY[k] = v;
        blockW[k] = ((fit.w[k] as number) * (wb + m)) / wb;
      }
      i = j;
    }
    fit = isotonicRegression(fit.x, smoothedY, blockW);
  }
  // Keep only the knots interpolation needs: the ends of every flat run.
  const xs: number[] = [];
  const ys: number[] = [];
  const n = fit.x.length;
  for (let i = 0; i < n; i++) {
    const yi = fit.y[i] as number;
    if (i === 0 || i === n - 1 || yi !== fit.y[i - 1] || yi !== fit.y[i + 1]) {
      xs.push(fit.x[i] as number);
      ys.push(yi);
    }
  }
  return { method: 'isotonic', x: xs, y: ys };
}

/** Linear interpolation between the knots, clipped to the end values (numpy.interp). */
export function applyIsotonic(cal: IsotonicCalibrator, p: number): number {
  const { x, y } = cal;
  const n = x.length;
  if (n === 0 || Number.isNaN(p)) return Number.NaN;
  if (p <= (x[0] as number)) return y[0] as number;
  if (p >= (x[n - 1] as number)) return y[n - 1] as number;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((x[mid] as number) <= p) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo] as number;
  const x1 = x[hi] as number;
  const y0 = y[lo] as number;
  const y1 = y[hi] as number;
  return x1 === x0 ? y1 : y0 + ((p - x0) * (y1 - y0)) / (x1 - x0);
}

/**
 * Platt scaling on the log-odds of `p`: finds a, b maximising the (weighted) likelihood of
 * sigmoid(a · logit(p) + b), by Newton's method with step halving. As in Platt (1999) and
 * scikit-learn, the 0/1 targets are softened to (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2) so a small
 * window cannot push the fit to infinite slopes.
 */
export function fitPlatt(p: Numbers, y: Numbers, w?: Numbers, options: { scores?: 'probability' | 'logit'; smoothTargets?: boolean } = {}): PlattCalibrator {
  checkXY(p, y, w, 'fitPlatt');
  const n = p.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = options.scores === 'logit' ? (p[i] as number) : logit(p[i] as number);
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : (w[i] as number);
    if ((y[i] as number) > 0.5) nPos += wi;
    else nNeg += wi;
  }
  const smooth = options.smoothTargets ?? true;
  const hi = smooth ? (nPos + 1) / (nPos + 2) : 1;
  const lo = smooth ? 1 / (nNeg + 2) : 0;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = (y[i] as number) > 0.5 ? hi : lo;

  const loss = (a: number, b: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = a * (s[i] as number) + b;
      // −[t log σ(z) + (1 − t) log(1 − σ(z))] = log(1 + e^z) − t z, computed stably
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      sum += (w === undefined ? 1 : (w[i] as number)) * (softplus - (t[i] as number) * z);
    }
    return sum;
  };

  // start at the identity on the log-odds, with the intercept matching the base rate
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < n; i++) {
      const si = s[i] as number;
      const q = sigmoid(a * si + b);
      const wi = w === undefined ? 1 : (w[i] as number);
      const r = wi * (q - (t[i] as number));
      const v = wi * q * (1 - q);
      ga += r * si;
      gb += r;
      haa += v * si * si;
      hab += v * si;
      hbb += v;
    }
    // a little ridge keeps the Hessian invertible when the scores are all equal
    haa += 1e-12;
    hbb += 1e-12;
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a - step * da, b - step * db);
    while (next > current && step > 1e-10) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    const improvement = current - next;
    current = next;
    if (Math.abs(da * step) < 1e-10 && Math.abs(db * step) < 1e-10) break;
    if (improvement < 1e-12 * Math.max(1, Math.abs(current))) break;
  }
  return { method: 'platt', a, b };
}

export function applyPlatt(cal: PlattCalibrator, p: number): number {
  return sigmoid(cal.a * logit(p) + cal.b);
}

/** One calibrated probability. */
export function calibrate(cal: Calibrator, p: number): number {
  switch (cal.method) {
    case 'isotonic':
      return applyIsotonic(cal, p);
    case 'platt':
      return applyPlatt(cal, p);
    default:
      return p;
  }
}

/** Calibrated probabilities for a whole vector (a new array). */
export function applyCalibration(cal: Calibrator, p: Numbers): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < out.length; i++) out[i] = calibrate(cal, p[i] as number);
  return out;
}

export function fitCalibrator(method: CalibrationMethod, p: Numbers, y: Numbers, w?: Numbers): Calibrator {
  switch (method) {
    case 'isotonic':
      return fitIsotonic(p, y, w, { smoothing: ISOTONIC_SMOOTHING });
    case 'platt':
      return fitPlatt(p, y, w);
    default:
      return { method: 'none' };
  }
}

/** Pseudo-rows by which calibrators fitted for models shrink each isotonic block (see fitIsotonic). */
export const ISOTONIC_SMOOTHING = 2;

/** Small deterministic PRNG (mulberry32) for fold assignment. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Out-of-fold calibrated probabilities: rows are split into `folds` random folds; each fold is
 * calibrated by a calibrator fitted on the others. Metrics of these are honest estimates of
 * how the calibrator fitted on the whole window will do on new rows (a calibrator scored on
 * its own fitting rows looks better than it is).
 */
export function crossFitCalibration(
  method: CalibrationMethod,
  p: Numbers,
  y: Numbers,
  w?: Numbers,
  options: { folds?: number; seed?: number } = {},
): Float32Array {
  const n = p.length;
  const folds = Math.max(2, Math.min(options.folds ?? 5, n));
  if (method === 'none') return Float32Array.from(p as ArrayLike<number>);
  const rand = mulberry32(options.seed ?? 1);
  const fold = new Uint8Array(n);
  for (let i = 0; i < n; i++) fold[i] = Math.floor(rand() * folds);
  const out = new Float32Array(n);
  for (let f = 0; f < folds; f++) {
    const fitIdx: number[] = [];
    for (let i = 0; i < n; i++) if (fold[i] !== f) fitIdx.push(i);
    if (fitIdx.length === 0) continue;
    const pick = (v: Numbers) => Float64Array.from(fitIdx, (i) => v[i] as number);
    const cal = fitCalibrator(method, pick(p), pick(y), w === undefined ? undefined : pick(w));
    for (let i = 0; i < n; i++) if (fold[i] === f) out[i] = calibrate(cal, p[i] as number);
  }
  return out;
}
