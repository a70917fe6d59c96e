/**
 * Silhouette score on a seeded sample of rows (as scikit-learn's `silhouette_score` with
 * `sample_size`): the exact silhouette of the sample, with distances among sampled rows only.
 */
import { initTf, tf } from '../tf-backend.ts';
import { SegmentsInputError } from './errors.ts';
import { checkShape } from './matrix.ts';
import { createRng, sampleIndices } from './rng.ts';

/** Options of `silhouetteScore`. */
export interface SilhouetteOptions {
  /** Rows in the sample (default 5,000; all rows if n is smaller). Cost grows as sampleSize². */
  sampleSize?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
}

const ROW_BLOCK = 512;

/**
 * Mean silhouette coefficient, in [−1, 1], of a seeded sample of the rows of X labelled by
 * `labels`. NaN when the sample holds fewer than two clusters (the score is undefined).
 *
 * Pairwise distances are ‖a‖² − 2a·b + ‖b‖² in float32 on the WASM backend (rows centred
 * first), so values carry ~1e-4 absolute error — ample for comparing k.
 */
export async function silhouetteScore(
  X: Float32Array,
  n: number,
  d: number,
  labels: Int32Array,
  opts: SilhouetteOptions = {},
): Promise<number> {
  checkShape(X, n, d);
  if (labels.length !== n) throw new SegmentsInputError(`labels has ${labels.length} entries for ${n} rows.`);
  const sampleSize = opts.sampleSize ?? 5000;
  if (!Number.isInteger(sampleSize) || sampleSize < 2) {
    throw new SegmentsInputError(`sampleSize must be an integer ≥ 2, got ${sampleSize}.`);
  }
  const idx = sampleIndices(n, sampleSize, createRng(opts.seed ?? 0));
  const m = idx.length;

  // Compact the sampled labels to 0 … kk−1.
  const remap = new Map<number, number>();
  const lab = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    const l = labels[idx[t] as number] as number;
    let c = remap.get(l);
    if (c === undefined) remap.set(l, (c = remap.size));
    lab[t] = c;
  }
  const kk = remap.size;
  if (kk < 2) return Number.NaN;
  const counts = new Float64Array(kk);
  for (const l of lab) counts[l] = (counts[l] as number) + 1;

  // Sample rows, centred on the sample mean to keep the float32 expansion accurate.
  const mean = new Float64Array(d);
  for (let t = 0; t < m; t++) for (let q = 0; q < d; q++) mean[q] = (mean[q] as number) + (X[(idx[t] as number) * d + q] as number);
  for (let q = 0; q < d; q++) mean[q] = (mean[q] as number) / m;
  const S = new Float32Array(m * d);
  const sq = new Float32Array(m);
  for (let t = 0; t < m; t++) {
    let s = 0;
    for (let q = 0; q < d; q++) {
      const v = (X[(idx[t] as number) * d + q] as number) - (mean[q] as number);
      S[t * d + q] = v;
      s += v * v;
    }
    sq[t] = s;
  }
  const oneHot = new Float32Array(m * kk);
  for (let t = 0; t < m; t++) oneHot[t * kk + (lab[t] as number)] = 1;

  await initTf();
  const St = tf.tensor2d(S, [m, d]);
  // Sᵀ once, because tfjs-wasm 4.22's fused matMul adds the bias wrongly with transposeB
  // (rows after the first get bias[last]); the untransposed fused path is correct.
  const StT = tf.transpose(St);
  const sqT = tf.tensor1d(sq);
  const OH = tf.tensor2d(oneHot, [m, kk]);
  let total = 0;
  try {
    for (let r0 = 0; r0 < m; r0 += ROW_BLOCK) {
      const r = Math.min(ROW_BLOCK, m - r0);
      // Per sampled row: Σ distance to the members of each cluster (r × kk).
      const sumsT = tf.tidy(() => {
        const A = St.slice([r0, 0], [r, d]);
        const cross = tf.fused.matMul({ a: tf.mul(A, -2), b: StT, bias: sqT });
        const d2 = tf.add(cross, sqT.slice([r0], [r]).reshape([r, 1]));
        return tf.matMul(tf.sqrt(tf.relu(d2)), OH);
      });
      const sums = sumsT.dataSync();
      sumsT.dispose();
      for (let i = 0; i < r; i++) {
        const own = lab[r0 + i] as number;
        const nOwn = counts[own] as number;
        if (nOwn <= 1) continue; // singleton cluster: s = 0
        const a = (sums[i * kk + own] as number) / (nOwn - 1);
        let b = Number.POSITIVE_INFINITY;
        for (let c = 0; c < kk; c++) {
          if (c === own) continue;
          const v = (sums[i * kk + c] as number) / (counts[c] as number);
          if (v < b) b = v;
        }
        const den = Math.max(a, b);
        if (den > 0) total += (b - a) / den;
      }
    }
  } finally {
    St.dispose();
    StT.dispose();
    sqT.dispose();
    OH.dispose();
  }
  return total / m;
}
