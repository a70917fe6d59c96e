/** Picks the number of segments by the silhouette score over a range of k. */
import type { EngineOptions } from './engine.ts';
import { SegmentsInputError } from './errors.ts';
import type { KMeansOptions, KMeansResult } from './kmeans.ts';
import { fitOnEngine, openEngine } from './kmeans.ts';
import { checkShape } from './matrix.ts';
import { silhouetteScore } from './silhouette.ts';

/** Options of `chooseK`. */
export interface ChooseKOptions extends EngineOptions, Omit<KMeansOptions, 'k' | 'init' | keyof EngineOptions> {
  /** Smallest k tried (default 2; the silhouette needs ≥ 2 clusters). */
  kMin?: number;
  /** Largest k tried (default 10, capped at n − 1). */
  kMax?: number;
  /** Rows in the silhouette sample (default 5,000), the same rows for every k. */
  sampleSize?: number;
}

/** One point of the curve. */
export interface KCurvePoint {
  k: number;
  /** Mean silhouette on the sample (NaN if the sample held fewer than two clusters). */
  silhouette: number;
  inertia: number;
}

/** The chosen k, the whole curve, and the fit at the chosen k (so it need not be refitted). */
export interface ChooseKResult {
  k: number;
  curve: KCurvePoint[];
  result: KMeansResult;
}

/**
 * Fits K-Means for every k in [kMin, kMax] (data uploaded once) and keeps the k with the
 * highest silhouette; ties go to the smaller k.
 */
export async function chooseK(X: Float32Array, n: number, d: number, opts: ChooseKOptions = {}): Promise<ChooseKResult> {
  checkShape(X, n, d);
  const kMin = opts.kMin ?? 2;
  const kMax = Math.min(opts.kMax ?? 10, n - 1);
  if (!Number.isInteger(kMin) || kMin < 2) throw new SegmentsInputError(`kMin must be an integer ≥ 2, got ${kMin}.`);
  if (!Number.isInteger(kMax) || kMax < kMin) {
    throw new SegmentsInputError(`kMax (${kMax}, at most n − 1 = ${n - 1}) must be an integer ≥ kMin (${kMin}).`);
  }
  const { kMin: _a, kMax: _b, sampleSize, ...fitOpts } = opts;
  const engine = await openEngine(X, n, d, opts);
  const curve: KCurvePoint[] = [];
  let best: { score: number; result: KMeansResult } | undefined;
  try {
    for (let k = kMin; k <= kMax; k++) {
      const result = await fitOnEngine(engine, { ...fitOpts, k });
      const silhouette = await silhouetteScore(X, n, d, result.labels, {
        ...(sampleSize !== undefined ? { sampleSize } : {}),
        seed: opts.seed ?? 0,
      });
      curve.push({ k, silhouette, inertia: result.inertia });
      if (!Number.isNaN(silhouette) && (best === undefined || silhouette > best.score)) best = { score: silhouette, result };
    }
  } finally {
    await engine.close();
  }
  if (best === undefined) {
    throw new SegmentsInputError('no k gave a defined silhouette (the data has fewer than two distinct groups).');
  }
  return { k: best.result.k, curve, result: best.result };
}
