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
}

export interface DistancesRequest {
  op: 'distances';
  centroids: Float32Array;
  /** Shared n-long output; the worker writes its own rows. */
  out: SharedArrayBuffer;
  outByteOffset: number;
}

export interface CloseRequest {
  op: 'close';
}

export type WorkerRequest = OpenRequest | AssignRequest | DistancesRequest | CloseRequest;

export type WorkerReply =
  | { ok: true; op: 'ready' | 'open' | 'close' }
  | { ok: true; op: 'assign'; sums: Float64Array; counts: Float64Array; changed: number }
  | { ok: true; op: 'distances'; total: number }
  | { ok: false; error: string };
