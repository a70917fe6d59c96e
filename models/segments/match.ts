/**
 * Stable segment identities across runs: the centroids of a new fit are matched to the
 * previous run's by minimum total distance (Hungarian), so "segment 7" keeps meaning the same
 * customers night after night even though K-Means numbers its clusters arbitrarily.
 */
import { SegmentsInputError } from './errors.ts';
import { hungarian } from './hungarian.ts';

/** Centroids with the stable ids they were published under. */
export interface StableCentroids {
  /** Stable id of each centroid (unique). */
  ids: ArrayLike<number>;
  /** ids.length × d centroids, row-major. */
  centroids: Float32Array;
  d: number;
}

/** Options of `matchCentroids`. */
export interface MatchOptions {
  /**
   * A pair further apart than this (Euclidean, in the units of the centroids) is not a
   * match: the new centroid gets a fresh id and the old id retires. Default: no limit.
   */
  maxDistance?: number;
  /** First fresh id to hand out (default: 1 + the largest previous id, or 0). */
  nextId?: number;
}

/** How the new centroids map onto the previous ones. */
export interface CentroidMatch {
  /** Stable id of each new centroid (new index → id). */
  ids: Int32Array;
  /** Index of the matched previous centroid for each new one, or −1 for a fresh id. */
  previous: Int32Array;
  /** Euclidean distance each new centroid moved from its match (NaN when fresh). */
  moved: Float64Array;
  /** Previous ids that matched nothing (the segment disappeared). */
  retired: number[];
  /** The next unused id, to pass as `nextId` next time. */
  nextId: number;
}

/**
 * Matches `next` (k′ × d centroids, row-major, same units as `prev`) to the previous run's
 * centroids. k′ may differ from the previous k: surplus new centroids get fresh ids,
 * surplus previous ids retire.
 */
export function matchCentroids(prev: StableCentroids, next: Float32Array, opts: MatchOptions = {}): CentroidMatch {
  const { d } = prev;
  const k0 = prev.ids.length;
  if (!Number.isInteger(d) || d <= 0) throw new SegmentsInputError(`prev.d must be a positive integer, got ${d}.`);
  if (prev.centroids.length !== k0 * d) {
    throw new SegmentsInputError(`prev has ${k0} ids but ${prev.centroids.length} centroid values (expected ${k0 * d}).`);
  }
  if (next.length % d !== 0) throw new SegmentsInputError(`next has ${next.length} values, not a multiple of d = ${d}.`);
  const seen = new Set<number>();
  let maxId = -1;
  for (let i = 0; i < k0; i++) {
    const id = prev.ids[i] as number;
    if (!Number.isInteger(id) || seen.has(id)) throw new SegmentsInputError(`prev.ids must be unique integers (bad: ${id}).`);
    seen.add(id);
    maxId = Math.max(maxId, id);
  }
  const k1 = next.length / d;
  const maxDistance = opts.maxDistance ?? Number.POSITIVE_INFINITY;
  let nextId = opts.nextId ?? maxId + 1;
  if (nextId <= maxId) throw new SegmentsInputError(`nextId ${nextId} would reuse a previous id (max ${maxId}).`);

  // cost[new][old] = Euclidean distance
  const cost = new Float64Array(k1 * k0);
  for (let a = 0; a < k1; a++) {
    for (let b = 0; b < k0; b++) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const t = (next[a * d + q] as number) - (prev.centroids[b * d + q] as number);
        s += t * t;
      }
      cost[a * k0 + b] = Math.sqrt(s);
    }
  }
  const { rowToCol } = hungarian({ data: cost, rows: k1, cols: k0 });

  const ids = new Int32Array(k1);
  const previous = new Int32Array(k1).fill(-1);
  const moved = new Float64Array(k1).fill(Number.NaN);
  const used = new Uint8Array(k0);
  for (let a = 0; a < k1; a++) {
    const b = rowToCol[a] as number;
    if (b >= 0 && (cost[a * k0 + b] as number) <= maxDistance) {
      ids[a] = prev.ids[b] as number;
      previous[a] = b;
      moved[a] = cost[a * k0 + b] as number;
      used[b] = 1;
    } else {
      ids[a] = nextId++;
    }
  }
  const retired: number[] = [];
  for (let b = 0; b < k0; b++) if (!used[b]) retired.push(prev.ids[b] as number);
  return { ids, previous, moved, retired, nextId };
}

/** Relabels cluster indices (0 … k′−1) to their stable ids. */
export function toStableLabels(labels: Int32Array, ids: Int32Array): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = ids[labels[i] as number] as number;
  return out;
}
