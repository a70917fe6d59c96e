/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with the "greedy" local trials of
 * scikit-learn): each new centre is the best of 2 + ⌊ln k⌋ candidates drawn with probability
 * ∝ D(x)², where D is the distance to the nearest centre chosen so far.
 */
import type { Rng } from './rng.ts';
import { SegmentsInputError } from './errors.ts';

/** Squared distance from every row of X to row `c` of X, min-ed into `closest`; returns Σ closest. */
function commit(X: Float32Array, n: number, d: number, c: number, closest: Float64Array, first: boolean): number {
  const co = c * d;
  let pot = 0;
  for (let i = 0, xo = 0; i < n; i++, xo += d) {
    let s = 0;
    for (let q = 0; q < d; q++) {
      const t = (X[xo + q] as number) - (X[co + q] as number);
      s += t * t;
    }
    const v = first ? s : Math.min(s, closest[i] as number);
    closest[i] = v;
    pot += v;
  }
  return pot;
}

/** Σᵢ min(closest[i], ‖xᵢ − x_cand‖²) for each candidate row, in one pass over X. */
function trialPotentials(X: Float32Array, n: number, d: number, cands: Int32Array, closest: Float64Array): Float64Array {
  const L = cands.length;
  const pots = new Float64Array(L);
  const cx = new Float64Array(L * d);
  for (let t = 0; t < L; t++) for (let q = 0; q < d; q++) cx[t * d + q] = X[(cands[t] as number) * d + q] as number;
  for (let i = 0, xo = 0; i < n; i++, xo += d) {
    const cl = closest[i] as number;
    for (let t = 0, co = 0; t < L; t++, co += d) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const u = (X[xo + q] as number) - (cx[co + q] as number);
        s += u * u;
      }
      pots[t] = (pots[t] as number) + (s < cl ? s : cl);
    }
  }
  return pots;
}

/** Row indices sampled with probability ∝ `weights` (one sorted scan for all draws). */
function weightedDraws(weights: Float64Array, total: number, draws: number, rng: Rng): Int32Array {
  const targets = Array.from({ length: draws }, (_, t) => ({ t, r: rng.float() * total }));
  targets.sort((a, b) => a.r - b.r);
  const out = new Int32Array(draws);
  const n = weights.length;
  let acc = 0;
  let i = 0;
  for (const { t, r } of targets) {
    while (i < n - 1 && acc + (weights[i] as number) <= r) acc += weights[i++] as number;
    out[t] = i;
  }
  return out;
}

/**
 * Picks k initial centroids from the rows of X (n × d) by greedy k-means++.
 * Deterministic for a given `rng` state. Returns k × d float32 centroids.
 */
export function kmeansPlusPlus(X: Float32Array, n: number, d: number, k: number, rng: Rng): Float32Array {
  if (k > n) throw new SegmentsInputError(`k-means++: k = ${k} exceeds the ${n} rows; lower k.`);
  const C = new Float32Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const first = rng.int(n);
  C.set(X.subarray(first * d, first * d + d), 0);
  let pot = commit(X, n, d, first, closest, true);
  for (let c = 1; c < k; c++) {
    let best: number;
    if (!(pot > 0)) {
      // Every row coincides with a chosen centre (fewer distinct rows than k): any row will do;
      // Lloyd's empty-cluster handling keeps the extra centres finite.
      best = rng.int(n);
    } else {
      const cands = weightedDraws(closest, pot, trials, rng);
      const pots = trialPotentials(X, n, d, cands, closest);
      let bt = 0;
      for (let t = 1; t < trials; t++) if ((pots[t] as number) < (pots[bt] as number)) bt = t;
      best = cands[bt] as number;
    }
    C.set(X.subarray(best * d, best * d + d), c * d);
    pot = commit(X, n, d, best, closest, false);
  }
  return C;
}
