/**
 * K-Means (Lloyd's algorithm) with greedy k-means++ seeding, restarts and scikit-learn's
 * conventions for convergence and empty clusters, on the engine of `engine.ts`.
 */
import type { EngineOptions } from './engine.ts';
import { LloydEngine } from './engine.ts';
import { SegmentsInputError } from './errors.ts';
import { kmeansPlusPlus } from './kmeanspp.ts';
import { checkFinite, checkShape } from './matrix.ts';
import { createRng } from './rng.ts';

/** Options of `kmeans`. */
export interface KMeansOptions extends EngineOptions {
  /** Number of clusters (1 ≤ k ≤ n). */
  k: number;
  /** k-means++ restarts; the run with the lowest inertia wins (default 4; 1 with a given `init`). */
  nInit?: number;
  /** Lloyd iterations per restart at most (default 300). */
  maxIter?: number;
  /**
   * Convergence tolerance, relative as in scikit-learn: stop when the sum of squared centroid
   * shifts is ≤ tol × (mean per-feature variance of X). Default 1e-4. With tol = 0 the fit
   * stops only at maxIter or when no label changes.
   */
  tol?: number;
  /** Seed of the k-means++ draws (default 0): same data + seed → same result. */
  seed?: number;
  /** `'k-means++'` (default), or k × d initial centroids (row-major), used as given. */
  init?: 'k-means++' | Float32Array;
  /**
   * `'lloyd'` (default): every row's distances to every centroid at every iteration.
   * `'hamerly'`: the same iterations with Hamerly's distance bounds, which skip the rows
   * whose label provably cannot change — bit for bit the same labels, centroids and inertia
   * as `'lloyd'`. Not the default: with d = 16, k = 8 the tfjs matMul costs ≈ 19 ns a row,
   * about what the bounds bookkeeping costs in JS, and measured it was no faster (see the
   * README).
   */
  algorithm?: 'hamerly' | 'lloyd';
  /** Called after every Lloyd iteration (for progress bars and logs). */
  onIteration?: (info: IterationInfo) => void;
}

/** Progress of one Lloyd iteration. */
export interface IterationInfo {
  restart: number;
  iteration: number;
  /** Rows whose label changed in this iteration's E-step. */
  changed: number;
  /** Rows whose distances to every centroid were computed in this E-step (all with `'lloyd'`). */
  computed: number;
  /** Sum of squared centroid shifts (NaN when the labels did not change). */
  shift: number;
}

/** A fitted clustering. Arrays are owned by the caller (no shared memory). */
export interface KMeansResult {
  k: number;
  d: number;
  /** k × d centroids, row-major, in the units of X. */
  centroids: Float32Array;
  /** Cluster of each row, 0 … k−1. */
  labels: Int32Array;
  /** Squared Euclidean distance of each row to its own centroid. */
  distances: Float32Array;
  /** Σ distances (float64). */
  inertia: number;
  /** Rows per cluster. */
  sizes: Int32Array;
  /** Lloyd iterations of the winning restart. */
  iterations: number;
  /** Whether the winning restart met `tol` (or its labels stopped changing) before maxIter. */
  converged: boolean;
  /** Which restart won (0-based) and how many ran. */
  restart: number;
  nInit: number;
}

interface ResolvedOptions {
  k: number;
  nInit: number;
  maxIter: number;
  tol: number;
  seed: number;
  init: 'k-means++' | Float32Array;
  bounded: boolean;
  onIteration: ((info: IterationInfo) => void) | undefined;
}

function resolve(opts: KMeansOptions, n: number, d: number): ResolvedOptions {
  const { k } = opts;
  if (!Number.isInteger(k) || k < 1) throw new SegmentsInputError(`k must be a positive integer, got ${k}.`);
  if (k > n) throw new SegmentsInputError(`k = ${k} exceeds the number of rows (${n}); lower k.`);
  const init = opts.init ?? 'k-means++';
  if (init !== 'k-means++') {
    if (!(init instanceof Float32Array) || init.length !== k * d) {
      throw new SegmentsInputError(`init must be 'k-means++' or a Float32Array of k × d = ${k * d} values.`);
    }
    checkFinite(init, 'init');
  }
  const nInit = init === 'k-means++' ? (opts.nInit ?? 4) : 1;
  const maxIter = opts.maxIter ?? 300;
  const tol = opts.tol ?? 1e-4;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(nInit) || nInit < 1) throw new SegmentsInputError(`nInit must be a positive integer, got ${nInit}.`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new SegmentsInputError(`maxIter must be a positive integer, got ${maxIter}.`);
  if (!(tol >= 0)) throw new SegmentsInputError(`tol must be ≥ 0, got ${tol}.`);
  if (!Number.isInteger(seed)) throw new SegmentsInputError(`seed must be an integer, got ${seed}.`);
  const algorithm = opts.algorithm ?? 'lloyd';
  if (algorithm !== 'hamerly' && algorithm !== 'lloyd') {
    throw new SegmentsInputError(`algorithm must be 'hamerly' or 'lloyd', got ${String(algorithm)}.`);
  }
  return { k, nInit, maxIter, tol, seed, init, bounded: algorithm === 'hamerly', onIteration: opts.onIteration };
}

/**
 * Clusters the n rows of X (row-major, n × d, finite; standardise first) into k groups.
 *
 * Deterministic for a given seed, whatever the number of workers: labels are computed row by
 * row and sums are combined in float64.
 */
export async function kmeans(X: Float32Array, n: number, d: number, opts: KMeansOptions): Promise<KMeansResult> {
  checkShape(X, n, d);
  resolve(opts, n, d); // validate before uploading anything
  const engine = await openEngine(X, n, d, opts);
  try {
    return await fitOnEngine(engine, opts);
  } finally {
    await engine.close();
  }
}

/** Opens the engine after checking X is finite (the moments pass tells us for free). */
export async function openEngine(X: Float32Array, n: number, d: number, opts: EngineOptions): Promise<LloydEngine> {
  checkShape(X, n, d);
  const engine = await LloydEngine.open(X, n, d, opts);
  for (let q = 0; q < d; q++) {
    if (!Number.isFinite(engine.mean[q]) || !Number.isFinite(engine.variance[q])) {
      await engine.close();
      checkFinite(X); // throws with the position of the first bad value
      throw new SegmentsInputError(`X: column ${q} overflows float64 sums; rescale it.`);
    }
  }
  return engine;
}

/** Runs all restarts of K-Means on an open engine (which is reused, e.g. across k). */
export async function fitOnEngine(engine: LloydEngine, opts: KMeansOptions): Promise<KMeansResult> {
  const { n, d } = engine;
  const o = resolve(opts, n, d);
  let meanVar = 0;
  for (let q = 0; q < d; q++) meanVar += engine.variance[q] as number;
  const tolAbs = o.tol * (meanVar / d);

  const rng = createRng(o.seed);
  let best: KMeansResult | undefined;
  for (let r = 0; r < o.nInit; r++) {
    const runRng = rng.fork();
    const C0 = o.init === 'k-means++' ? await kmeansPlusPlus(engine, o.k, runRng) : o.init.slice();
    const run = await lloyd(engine, C0, o.k, o.maxIter, tolAbs, r, o.bounded, o.onIteration);
    if (best === undefined || run.inertia < best.inertia) {
      best = {
        k: o.k,
        d,
        centroids: run.centroids,
        labels: engine.labels.slice(), // a plain (unshared) copy; .from would iterate
        distances: engine.dist.slice(),
        inertia: run.inertia,
        sizes: run.sizes,
        iterations: run.iterations,
        converged: run.converged,
        restart: r,
        nInit: o.nInit,
      };
    }
  }
  return best as KMeansResult;
}

interface RunResult {
  centroids: Float32Array;
  inertia: number;
  sizes: Int32Array;
  iterations: number;
  converged: boolean;
}

/**
 * Lloyd iterations from C0, following scikit-learn's `lloyd` loop so that the two can be
 * compared iteration for iteration: E-step, stop if no label changed ("strict convergence"),
 * M-step, stop if Σ shift² ≤ tolAbs; after the loop one more E-step (unless strictly
 * converged) so the labels match the returned centroids.
 */
async function lloyd(
  engine: LloydEngine,
  C0: Float32Array,
  k: number,
  maxIter: number,
  tolAbs: number,
  restart: number,
  bounded: boolean,
  onIteration: ((info: IterationInfo) => void) | undefined,
): Promise<RunResult> {
  let C = C0;
  let iterations = 0;
  let converged = false;
  let strict = false;
  for (let it = 1; it <= maxIter; it++) {
    iterations = it;
    const { sums, counts, changed, computed } = await engine.assign(C, k, it === 1 ? 'fresh' : 'update', bounded);
    if (it > 1 && changed === 0) {
      strict = converged = true;
      onIteration?.({ restart, iteration: it, changed, computed, shift: Number.NaN });
      break;
    }
    const next = await updateCentroids(engine, C, k, sums, counts);
    let shift = 0;
    for (let i = 0; i < next.length; i++) {
      const t = (next[i] as number) - (C[i] as number);
      shift += t * t;
    }
    C = next;
    onIteration?.({ restart, iteration: it, changed, computed, shift });
    if (shift <= tolAbs) {
      converged = true;
      break;
    }
  }
  const { inertia, sizes } = await engine.distances(C, k, strict ? null : { bounded });
  return { centroids: C, inertia, sizes, iterations, converged };
}

/**
 * M-step: centroid = mean of its rows. An empty cluster is re-seeded with the row farthest
 * from its own centroid (as scikit-learn does: that row leaves its cluster's sums), so no
 * centroid is ever NaN; a cluster left with no rows keeps its previous centroid.
 */
async function updateCentroids(
  engine: LloydEngine,
  C: Float32Array,
  k: number,
  sums: Float64Array,
  counts: Float64Array,
): Promise<Float32Array> {
  const { d } = engine;
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
  if (empty.length > 0) {
    await engine.distances(C, k);
    const far = farthest(engine.dist, empty.length);
    const X = engine.X;
    for (let e = 0; e < empty.length && e < far.length; e++) {
      const j = empty[e] as number;
      const i = far[e] as number;
      const a = engine.labels[i] as number;
      for (let q = 0; q < d; q++) {
        const v = X[i * d + q] as number;
        sums[a * d + q] = (sums[a * d + q] as number) - v;
        sums[j * d + q] = v;
      }
      counts[a] = (counts[a] as number) - 1;
      counts[j] = 1;
    }
  }
  const next = new Float32Array(k * d);
  for (let j = 0; j < k; j++) {
    const c = counts[j] as number;
    for (let q = 0; q < d; q++) {
      next[j * d + q] = c > 0 ? (sums[j * d + q] as number) / c : (C[j * d + q] as number);
    }
  }
  return next;
}

/** Indices of the m largest values, largest first (ties → lower index first). */
function farthest(dist: Float32Array, m: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < dist.length; i++) {
    const v = dist[i] as number;
    if (top.length === m && v <= (dist[top[m - 1] as number] as number)) continue;
    let p = top.length;
    while (p > 0 && v > (dist[top[p - 1] as number] as number)) p--;
    top.splice(p, 0, i);
    if (top.length > m) top.pop();
  }
  return top;
}
