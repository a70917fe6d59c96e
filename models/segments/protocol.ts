/** Messages between the K-Means engine (main thread) and its workers. */
import type { AssignMode } from './shard.ts';

export interface OpenRequest {
  op: 'open';
  /** Shared buffer holding the whole row-major X; the worker reads rows [rowStart, rowEnd). */
  x: SharedArrayBuffer;
  xByteOffset: number;
  labels: SharedArrayBuffer;
  labelsByteOffset: number;
  rowStart: number;
  rowEnd: number;
  d: number;
  chunkRows: number;
  center: Float64Array;
}

export interface AssignRequest {
  op: 'assign';
  centroids: Float32Array;
  k: number;
  mode: AssignMode;
  /** Hamerly's bounds (true) or plain Lloyd (false); see `LloydShard.assign`. */
  bounded: boolean;
}

export interface DistancesRequest {
  op: 'distances';
  centroids: Float32Array;
  k: number;
  /**
   * Label every row first (a final E-step, `assign(…, 'labels', bounded)`), in the same
   * round trip, so that no thread waits on the others between the two.
   */
  relabel: { bounded: boolean } | null;
  /** Shared n-long output; the worker writes its own rows. */
  out: SharedArrayBuffer;
  outByteOffset: number;
}

/** k-means++ seeding steps, mirrored from `LloydShard.pp*`. */
export type SeedRequest =
  | { op: 'ppBegin'; c: Float32Array }
  | { op: 'ppTrial'; P: Float32Array; L: number }
  | { op: 'ppCommit'; t: number; c: Float32Array | null }
  | { op: 'ppPick'; targets: Float64Array }
  | { op: 'ppEnd' };

export interface CloseRequest {
  op: 'close';
}

export type WorkerRequest = OpenRequest | AssignRequest | DistancesRequest | SeedRequest | CloseRequest;

export type WorkerReply =
  | { ok: true; op: 'ready' | 'close' }
  | { ok: true; op: 'open'; s1: Float64Array; s2: Float64Array }
  | { ok: true; op: 'assign'; sums: Float64Array; counts: Float64Array; changed: number; computed: number }
  | { ok: true; op: 'distances'; total: number; counts: Float64Array }
  | { ok: true; op: 'ppBegin' | 'ppCommit' | 'ppEnd'; pot: number }
  | { ok: true; op: 'ppTrial'; pots: Float64Array }
  | { ok: true; op: 'ppPick'; rows: Int32Array }
  | { ok: false; error: string };
