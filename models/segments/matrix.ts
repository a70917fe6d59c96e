import { SegmentsInputError } from './errors.ts';

/**
 * A row-major float matrix with its shape and, optionally, its column names.
 * `data[i * cols + j]` is row i, column j.
 */
export interface FeatureMatrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly columns?: readonly string[];
}

/** Throws unless `X` holds exactly n × d values and n, d are positive integers. */
export function checkShape(X: Float32Array, n: number, d: number, what = 'X'): void {
  if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(d) || d <= 0) {
    throw new SegmentsInputError(`${what}: n and d must be positive integers, got n=${n}, d=${d}.`);
  }
  if (X.length !== n * d) {
    throw new SegmentsInputError(
      `${what}: expected n × d = ${n} × ${d} = ${n * d} values, got ${X.length}; pass the row count and ` +
        'feature count that match the row-major buffer.',
    );
  }
}

/** Throws if any value is NaN or ±Infinity (K-Means needs finite inputs; standardise first). */
export function checkFinite(X: Float32Array, what = 'X'): void {
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i] as number)) {
      throw new SegmentsInputError(
        `${what}: value at flat index ${i} is ${X[i]}; impute missing values first (standardise() maps NaN ` +
          'to the column mean).',
      );
    }
  }
}
