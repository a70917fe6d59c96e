/**
 * `segmentCustomers`: K-Means segments of a feature snapshot, with stable ids, names and
 * profiles, written as one new version.
 *
 *   snapshot features ─ encode ─ standardise ─ weight ─ K-Means (k chosen by silhouette, or fixed)
 *     ─ ids: largest segment first, matched to the previous run's centroids (Hungarian)
 *     ─ names from stand-out features ─ profiles (attempts before as-of)
 *     ─ segment_runs + customer_segments + segment_profiles, in one transaction
 */
import {
  getSnapshot,
  latestSnapshot,
  readFeatureMatrix,
  type OnProgress,
  type SnapshotInfo,
} from '../../../features/index.ts';
import type { Warehouse } from '../../../warehouse/index.ts';
import { DialwiseError } from '../../../contracts/index.ts';
import {
  applyScaler,
  chooseK,
  fitScaler,
  kmeans,
  matchCentroids,
  silhouetteScore,
  toStableLabels,
  type KCurvePoint,
  type KMeansResult,
  type Scaler,
} from '../index.ts';
import {
  applyWeights,
  columnsHash,
  DEFAULT_SEGMENT_FEATURES,
  encode,
  inputValues,
  planColumns,
  registryFeaturesFor,
  resolveInputs,
  type SegmentColumn,
} from './columns.ts';
import { SegmentRunError } from './errors.ts';
import { nameSegments } from './names.ts';
import { attemptStats, NO_ATTEMPTS, segmentStats } from './profiles.ts';
import {
  appendAssignments,
  compareAssignments,
  insertProfiles,
  insertRun,
  loadLatestModel,
  newSegmentVersion,
  type Movement,
  type SegmentSummary,
  type StoredModel,
} from './store.ts';

export const DEFAULT_K_RANGE = { min: 3, max: 8 } as const;
export const DEFAULT_N_INIT = 4;
export const DEFAULT_SAMPLE_SIZE = 5000;
export const DEFAULT_WARM_START_TOLERANCE = 0.01;

export interface SegmentOptions {
  /** Snapshot to segment (default: the latest). */
  snapshotId?: number;
  /** Input features (default DEFAULT_SEGMENT_FEATURES): registry names or daypart tilts. */
  features?: readonly string[];
  /** A fixed k, or the range k is chosen from by silhouette (default 3..8). */
  k?: number | { min: number; max: number };
  /** k-means++ restarts per k (default 4). */
  nInit?: number;
  /** Seed of k-means++ and of the silhouette sample (default 0). */
  seed?: number;
  /** Rows in the silhouette sample (default 5,000). */
  sampleSize?: number;
  /**
   * A new centroid further than this from its Hungarian match (previous run's model space,
   * Euclidean) gets a fresh id instead, and the old id retires. Default: no limit.
   */
  maxMove?: number;
  /**
   * Also fit from the previous run's centroids (same columns and k) and keep that fit when its
   * inertia is at most `warmStartTolerance` (relative, default 0.01) above the fresh fit's:
   * on data without sharp clusters, restarts land in different local optima night after night,
   * and a near-equal fit that keeps customers in their segments is the better answer.
   * Default true.
   */
  warmStart?: boolean;
  warmStartTolerance?: number;
  /** K-Means worker threads (default 'auto'). */
  workers?: number | 'auto';
  onProgress?: OnProgress;
}

export interface SegmentRunResult {
  version: string;
  snapshotId: number;
  asOf: Date;
  rows: number;
  k: number;
  /** Silhouette curve over the k range (null with a fixed k). */
  curve: KCurvePoint[] | null;
  /** Silhouette (on the sample) at the chosen k. */
  silhouette: number | null;
  inertia: number;
  columns: SegmentColumn[];
  /** Largest first. */
  segments: SegmentSummary[];
  /** Segment id → customers. */
  sizes: Record<number, number>;
  /** Segment id → name. */
  names: Record<number, string>;
  movement: Movement;
  /** The fit from the previous run's centroids, when one was tried, and whether it was kept. */
  warmStart: { used: boolean; inertia: number; freshInertia: number } | null;
  warnings: string[];
  fitSeconds: number;
  seconds: number;
}

const STEPS = 7;
const locks = new WeakMap<Warehouse, Promise<unknown>>();

/** Runs `fn` after any segment run already going on this warehouse (they share one connection). */
function withSegmentLock<T>(wh: Warehouse, fn: () => Promise<T>): Promise<T> {
  const run = (locks.get(wh) ?? Promise.resolve()).catch(() => undefined).then(fn);
  locks.set(wh, run);
  return run;
}

/**
 * Segments the customers of a snapshot and writes the result as a new version. Everything is
 * written in one transaction: if any step fails (or `onProgress` throws), nothing of this run
 * is stored and the previous segments stay in force.
 */
export function segmentCustomers(wh: Warehouse, options: SegmentOptions = {}): Promise<SegmentRunResult> {
  const kOpt = options.k ?? DEFAULT_K_RANGE;
  if (typeof kOpt === 'number' ? !(Number.isInteger(kOpt) && kOpt >= 1) : !(Number.isInteger(kOpt.min) && Number.isInteger(kOpt.max) && kOpt.min >= 2 && kOpt.max >= kOpt.min)) {
    return Promise.reject(new SegmentRunError(`k must be a whole number ≥ 1 or a range {min ≥ 2, max ≥ min}, got ${JSON.stringify(kOpt)}`));
  }
  return withSegmentLock(wh, () => run(wh, options, kOpt));
}

async function run(wh: Warehouse, options: SegmentOptions, kOpt: number | { min: number; max: number }): Promise<SegmentRunResult> {
  const started = performance.now();
  const report = options.onProgress ?? (() => undefined);
  const seed = options.seed ?? 0;
  const nInit = options.nInit ?? DEFAULT_N_INIT;
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const engine = options.workers !== undefined ? { workers: options.workers } : {};
  try {
    // 1. features of the snapshot
    report({ step: 1, steps: STEPS, label: 'read snapshot features' });
    const snapshot = await pickSnapshot(wh, options.snapshotId);
    const inputs = resolveInputs(options.features ?? DEFAULT_SEGMENT_FEATURES);
    const fm = await readFeatureMatrix(wh, { snapshotId: snapshot.snapshotId }, { features: registryFeaturesFor(inputs) });
    const n = fm.rows;
    const customerIds = fm.extra.customer_id as string[];
    if (n < 2) throw new SegmentRunError(`snapshot ${snapshot.snapshotId} has ${n} customer(s); segments need at least 2`);
    const values = inputValues(inputs, fm);

    // 2. encode, standardise, weight
    const previous = await loadLatestModel(wh);
    const { columns, warnings } = planColumns(inputs, values, previous?.columns ?? null);
    if (columns.length === 0) throw new SegmentRunError('no usable feature columns (see the warnings)');
    const d = columns.length;
    report({ step: 2, steps: STEPS, label: `standardise ${d} columns`, rows: n });
    const raw = { data: encode(columns, values), rows: n, cols: d, columns: columns.map((c) => c.name) };
    const scaler = fitScaler(raw);
    const Z = applyWeights(columns, applyScaler(scaler, raw).data as Float32Array);

    // 3. K-Means
    const fitStarted = performance.now();
    let fit: KMeansResult;
    let curve: KCurvePoint[] | null = null;
    let silhouette: number | null;
    const common = { nInit, seed, ...engine };
    if (typeof kOpt === 'number') {
      if (kOpt > n) throw new SegmentRunError(`k = ${kOpt} is more than the ${n} customers of snapshot ${snapshot.snapshotId}`);
      report({ step: 3, steps: STEPS, label: `K-Means k=${kOpt}`, rows: n });
      fit = await kmeans(Z, n, d, { ...common, k: kOpt });
      silhouette = kOpt >= 2 ? await silhouetteScore(Z, n, d, fit.labels, { sampleSize, seed }) : null;
    } else {
      report({ step: 3, steps: STEPS, label: `K-Means k=${kOpt.min}..${kOpt.max}, silhouette on ≤${sampleSize} rows`, rows: n });
      const chosen = await chooseK(Z, n, d, { ...common, kMin: kOpt.min, kMax: kOpt.max, sampleSize });
      fit = chosen.result;
      curve = chosen.curve;
      silhouette = chosen.curve.find((p) => p.k === chosen.k)?.silhouette ?? null;
    }
    const featureHash = columnsHash(columns);
    let warmStart: { used: boolean; inertia: number; freshInertia: number } | null = null;
    if ((options.warmStart ?? true) && previous && previous.featureHash === featureHash && previous.ids.length === fit.k) {
      report({ step: 3, steps: STEPS, label: `K-Means k=${fit.k} from the previous run's centroids`, rows: n });
      const init = mapCentroids(previous.centroids, columns, previous.scaler, scaler);
      const warm = await kmeans(Z, n, d, { k: fit.k, init, seed, ...engine });
      const tolerance = options.warmStartTolerance ?? DEFAULT_WARM_START_TOLERANCE;
      warmStart = { used: warm.inertia <= fit.inertia * (1 + tolerance), inertia: warm.inertia, freshInertia: fit.inertia };
      if (warmStart.used) {
        fit = warm;
        silhouette = fit.k >= 2 ? await silhouetteScore(Z, n, d, fit.labels, { sampleSize, seed }) : null;
      }
    }
    const fitSeconds = (performance.now() - fitStarted) / 1000;
    const k = fit.k;

    // 4. stable ids: clusters ordered largest first, then matched to the previous run
    report({ step: 4, steps: STEPS, label: previous ? `match centroids to ${previous.version}` : 'assign segment ids', rows: n });
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => (fit.sizes[b] as number) - (fit.sizes[a] as number) || a - b);
    const centroids = new Float32Array(k * d);
    order.forEach((j, r) => centroids.set(fit.centroids.subarray(j * d, (j + 1) * d), r * d));
    const rank = new Int32Array(k);
    order.forEach((j, r) => (rank[j] = r));
    const ranked = fit.labels.map((l) => rank[l] as number);
    const identity = assignIds(previous, columns, featureHash, scaler, centroids, options.maxMove);
    const labels = toStableLabels(ranked, identity.ids);
    const ids = Array.from(identity.ids);
    const distances = Float64Array.from(fit.distances, (x) => Math.sqrt(Math.max(0, x)));

    // profiles from the matrix, and names
    const stats = segmentStats(ids, labels, distances, columns, Z, inputs, values);
    const names = nameSegments(columns, [...stats].sort((a, b) => b.size - a.size || a.segmentId - b.segmentId));

    const version = newSegmentVersion();
    const params = {
      k: typeof kOpt === 'number' ? kOpt : { min: kOpt.min, max: kOpt.max },
      nInit,
      seed,
      sampleSize,
      maxMove: options.maxMove ?? null,
      inputs: inputs.map((i) => i.name),
      iterations: fit.iterations,
      converged: fit.converged,
      warmStart,
    };

    const movement = await wh.transaction(async (tx) => {
      report({ step: 5, steps: STEPS, label: 'write customer_segments', rows: n });
      await appendAssignments(tx, version, customerIds, labels, distances);
      const kept = identity.matched && previous ? await compareAssignments(tx, previous.version, version) : { compared: 0, kept: 0 };
      const moves = ids.map((segmentId, j) => ({ segmentId, moved: identity.moved[j] ?? null }));
      const finite = moves.map((m) => m.moved).filter((m): m is number => m !== null);
      const movement: Movement = {
        previousVersion: previous?.version ?? null,
        matched: identity.matched,
        reason: identity.reason,
        segments: moves,
        newSegments: moves.filter((m) => m.moved === null).map((m) => m.segmentId),
        retired: identity.retired,
        maxMoved: finite.length > 0 ? Math.max(...finite) : null,
        customersCompared: kept.compared,
        customersKept: kept.kept,
      };
      await insertRun(tx, {
        version,
        snapshotId: snapshot.snapshotId,
        asOf: snapshot.asOf,
        featureSetHash: snapshot.featureSetHash,
        previousVersion: identity.matched ? (previous?.version ?? null) : null,
        k,
        rows: n,
        columns,
        featureHash,
        scaler,
        ids,
        centroids,
        curve,
        silhouette,
        inertia: fit.inertia,
        movement,
        nextSegmentId: identity.nextId,
        params,
        fitSeconds,
      });

      report({ step: 6, steps: STEPS, label: 'answer and conversion rates, best local hours', rows: n });
      const attempts = await attemptStats(tx, version, snapshot.asOf);

      report({ step: 7, steps: STEPS, label: 'write segment_profiles', rows: n });
      const moved = new Map(moves.map((m) => [m.segmentId, m.moved]));
      await insertProfiles(tx, version, n, stats, names, attempts, moved, NO_ATTEMPTS);
      return movement;
    });

    const segments: SegmentSummary[] = [...stats]
      .sort((a, b) => b.size - a.size || a.segmentId - b.segmentId)
      .map((s) => ({
        segmentId: s.segmentId,
        name: names.get(s.segmentId)!,
        size: s.size,
        share: s.size / n,
        moved: movement.segments.find((m) => m.segmentId === s.segmentId)?.moved ?? null,
      }));
    return {
      version,
      snapshotId: snapshot.snapshotId,
      asOf: snapshot.asOf,
      rows: n,
      k,
      curve,
      silhouette,
      inertia: fit.inertia,
      columns,
      segments,
      sizes: Object.fromEntries(segments.map((s) => [s.segmentId, s.size])),
      names: Object.fromEntries(segments.map((s) => [s.segmentId, s.name])),
      movement,
      warmStart,
      warnings: identity.matched || !previous ? warnings : [...warnings, identity.reason],
      fitSeconds,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    // typed errors already say what to do; anything else (a driver error, a throwing
    // onProgress) is wrapped with what it means for the warehouse
    if (error instanceof DialwiseError) throw error;
    throw new SegmentRunError(
      `segment run failed: ${(error as Error).message} (nothing of it was written; the segments in force are unchanged)`,
      { cause: error },
    );
  }
}

async function pickSnapshot(wh: Warehouse, snapshotId: number | undefined): Promise<SnapshotInfo> {
  if (snapshotId !== undefined) return getSnapshot(wh, snapshotId);
  const latest = await latestSnapshot(wh);
  if (!latest) throw new SegmentRunError('no feature snapshot to segment; build one first with `dialwise features --as-of <time>`');
  return latest;
}

interface Identity {
  ids: Int32Array;
  /** Per new centroid: distance moved from its match, or null when its id is fresh. */
  moved: (number | null)[];
  retired: number[];
  nextId: number;
  matched: boolean;
  reason: string;
}

/**
 * Stable ids for centroids already ordered largest first. With a previous run on the same
 * columns, the new centroids are mapped into the previous run's model space (unweight,
 * unscale with this run's scaler, rescale with the previous one's) and matched there, so
 * "moved" is in the previous run's standard deviations. Otherwise ids are fresh, continuing
 * after every id handed out so far, so an old id never names a different group.
 */
function assignIds(
  previous: StoredModel | null,
  columns: readonly SegmentColumn[],
  featureHash: string,
  scaler: Scaler,
  centroids: Float32Array,
  maxMove: number | undefined,
): Identity {
  const d = columns.length;
  const k = centroids.length / d;
  const fresh = (reason: string, start: number, retired: number[]): Identity => ({
    ids: Int32Array.from({ length: k }, (_, j) => start + j),
    moved: new Array<null>(k).fill(null),
    retired,
    nextId: start + k,
    matched: false,
    reason,
  });
  if (!previous) return fresh('first run: fresh segment ids', 1, []);
  if (previous.featureHash !== featureHash) {
    const was = new Set(previous.columns.map((c) => c.name));
    const now = new Set(columns.map((c) => c.name));
    const added = [...now].filter((c) => !was.has(c));
    const removed = [...was].filter((c) => !now.has(c));
    const what = added.length || removed.length ? `${added.length ? `added ${added.join(', ')}` : ''}${added.length && removed.length ? '; ' : ''}${removed.length ? `removed ${removed.join(', ')}` : ''}` : 'encodings or weights changed';
    return fresh(`feature columns changed since ${previous.version} (${what}): fresh segment ids, the previous ones retire`, previous.nextSegmentId, [...previous.ids]);
  }
  const inPrevious = mapCentroids(centroids, columns, scaler, previous.scaler);
  const match = matchCentroids(
    { ids: previous.ids, centroids: previous.centroids, d },
    inPrevious,
    { nextId: previous.nextSegmentId, ...(maxMove !== undefined ? { maxDistance: maxMove } : {}) },
  );
  return {
    ids: match.ids,
    moved: Array.from(match.moved, (m) => (Number.isNaN(m) ? null : m)),
    retired: match.retired,
    nextId: match.nextId,
    matched: true,
    reason: `matched to ${previous.version}`,
  };
}

/** Centroids from one run's model space to another's (unweight, unscale, rescale, weight). */
function mapCentroids(centroids: Float32Array, columns: readonly SegmentColumn[], from: Scaler, to: Scaler): Float32Array {
  const d = columns.length;
  const out = new Float32Array(centroids.length);
  for (let o = 0; o < centroids.length; o++) {
    const q = o % d;
    const w = columns[q]!.weight;
    const raw = ((centroids[o] as number) / w) * (from.std[q] as number) + (from.mean[q] as number);
    out[o] = ((raw - (to.mean[q] as number)) / (to.std[q] as number)) * w;
  }
  return out;
}
