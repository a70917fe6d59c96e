/**
 * Per-column standardisation (z-scores) that tolerates missing values: a NaN (or ±Infinity)
 * counts as missing, is left out of the column's mean and standard deviation, and is imputed
 * with the column mean — i.e. becomes 0 after scaling.
 */
import { SegmentsInputError } from './errors.ts';
import type { FeatureMatrix } from './matrix.ts';
import { checkShape } from './matrix.ts';

/** A fitted scaler; plain JSON-serialisable data, to be applied to later data unchanged. */
export interface Scaler {
  /** Column names, when the fitted matrix had them. */
  columns?: string[];
  /** Mean of the finite values of each column (0 if the column had none). */
  mean: number[];
  /** Population standard deviation of the finite values (1 when it is 0 or undefined). */
  std: number[];
}

/** Learns column means and standard deviations of X (n × d, row-major). */
export function fitScaler(X: FeatureMatrix): Scaler {
  const { data, rows: n, cols: d } = X;
  checkShape(data, n, d);
  if (X.columns !== undefined && X.columns.length !== d) {
    throw new SegmentsInputError(`columns has ${X.columns.length} names for ${d} columns.`);
  }
  const count = new Float64Array(d);
  const sum = new Float64Array(d);
  for (let i = 0, o = 0; i < n; i++) {
    for (let q = 0; q < d; q++, o++) {
      const v = data[o] as number;
      if (Number.isFinite(v)) {
        count[q] = (count[q] as number) + 1;
        sum[q] = (sum[q] as number) + v;
      }
    }
  }
  const mean = Array.from(sum, (s, q) => ((count[q] as number) > 0 ? s / (count[q] as number) : 0));
  // Second pass (two-pass variance is exact enough in float64 and never negative).
  const ss = new Float64Array(d);
  for (let i = 0, o = 0; i < n; i++) {
    for (let q = 0; q < d; q++, o++) {
      const v = data[o] as number;
      if (Number.isFinite(v)) {
        const t = v - (mean[q] as number);
        ss[q] = (ss[q] as number) + t * t;
      }
    }
  }
  const std = Array.from(ss, (s, q) => {
    const c = count[q] as number;
    const sd = c > 0 ? Math.sqrt(s / c) : 0;
    // A constant column carries no information; scale 1 keeps it at 0 rather than NaN.
    return sd > 0 ? sd : 1;
  });
  const scaler: Scaler = { mean, std };
  if (X.columns !== undefined) scaler.columns = [...X.columns];
  return scaler;
}

/** Applies a fitted scaler: (x − mean) / std, with missing values → 0. Returns a new matrix. */
export function applyScaler(scaler: Scaler, X: FeatureMatrix): FeatureMatrix {
  const { data, rows: n, cols: d } = X;
  checkShape(data, n, d);
  if (scaler.mean.length !== d) {
    throw new SegmentsInputError(`the scaler was fitted on ${scaler.mean.length} columns, X has ${d}.`);
  }
  if (scaler.columns !== undefined && X.columns !== undefined) {
    const bad = X.columns.findIndex((c, q) => c !== scaler.columns?.[q]);
    if (bad >= 0) {
      throw new SegmentsInputError(
        `column ${bad} is "${X.columns[bad]}" but the scaler expects "${scaler.columns[bad]}"; pass columns in the fitted order.`,
      );
    }
  }
  const inv = scaler.std.map((s) => 1 / s);
  const out = new Float32Array(n * d);
  for (let i = 0, o = 0; i < n; i++) {
    for (let q = 0; q < d; q++, o++) {
      const v = data[o] as number;
      out[o] = Number.isFinite(v) ? (v - (scaler.mean[q] as number)) * (inv[q] as number) : 0;
    }
  }
  const res: FeatureMatrix = { data: out, rows: n, cols: d, ...(X.columns ? { columns: X.columns } : {}) };
  return res;
}

/** Fits a scaler on X and applies it. */
export function standardize(X: FeatureMatrix): { matrix: FeatureMatrix; scaler: Scaler } {
  const scaler = fitScaler(X);
  return { matrix: applyScaler(scaler, X), scaler };
}

/** Maps standardised rows (e.g. centroids, k × d) back to the original units. */
export function unscale(scaler: Scaler, Z: Float32Array): Float32Array {
  const d = scaler.mean.length;
  if (Z.length % d !== 0) throw new SegmentsInputError(`${Z.length} values is not a multiple of d = ${d}.`);
  const out = new Float32Array(Z.length);
  for (let o = 0; o < Z.length; o++) {
    const q = o % d;
    out[o] = (Z[o] as number) * (scaler.std[q] as number) + (scaler.mean[q] as number);
  }
  return out;
}
