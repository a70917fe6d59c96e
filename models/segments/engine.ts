/**
 * The data-parallel engine behind K-Means: X is split into row blocks, each resident as
 * TensorFlow.js WASM tensors in its own thread (the main thread holds block 0, worker
 * threads the rest). Each Lloyd step sends the k × d centroids out and gets back k × d sums;
 * rows and labels never cross threads (they live in SharedArrayBuffers).
 *
 * Why worker threads: the tfjs WASM backend is single-threaded under Node (no threaded build,
 * tensorflow/tfjs#3830), so this is the only way to use more than one core.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { initTf } from '../tf-backend.ts';
import { SegmentsInputError, SegmentsWorkerError } from './errors.ts';
import type { AssignMode, BlockSums } from './shard.ts';
import { kernelsFor } from './kernels.ts';
import { LloydShard } from './shard.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

/** How the engine spreads work and memory. */
export interface EngineOptions {
  /**
   * Worker threads besides the main thread. `'auto'` (default): one fewer than the cores
   * (at most 3) when n × d ≥ 2²¹ values, else none — below that, starting a worker (≈0.6 s,
   * once per process) costs more than it saves.
   */
  workers?: number | 'auto';
  /** Rows per tensor chunk (default 65,536): bounds the chunk × k distance matrix in memory. */
  chunkRows?: number;
}

const AUTO_WORKERS_MIN_VALUES = 1 << 21;
const DEFAULT_CHUNK_ROWS = 65_536;

/** Resolves `workers: 'auto' | number` for a given problem size. */
export function resolveWorkers(opt: number | 'auto' | undefined, n: number, d: number): number {
  if (opt === undefined || opt === 'auto') {
    if (n * d < AUTO_WORKERS_MIN_VALUES) return 0;
    return Math.max(0, Math.min(3, availableParallelism() - 1));
  }
  if (!Number.isInteger(opt) || opt < 0) {
    throw new SegmentsInputError(`workers must be 'auto' or a non-negative integer, got ${opt}.`);
  }
  return opt;
}

// ---------------------------------------------------------------------------------------
// Worker pool: workers are slow to start (they load tfjs and compile WASM), so idle ones are
// kept for the next fit, unref'd so they never keep the process alive.

class PooledWorker {
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  private dead: Error | undefined;

  private constructor(readonly worker: Worker) {
    worker.on('message', (r: WorkerReply) => {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(r);
    });
    worker.on('error', (e) => this.fail(new SegmentsWorkerError(`K-Means worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => this.fail(new SegmentsWorkerError(`K-Means worker exited (code ${code}).`)));
  }

  static start(): Promise<PooledWorker> {
    const w = new PooledWorker(new Worker(new URL('./lloyd-worker.js', import.meta.url)));
    return w.next().then((r) => {
      if (!r.ok) throw new SegmentsWorkerError(`K-Means worker failed to start: ${r.error}`);
      return w;
    });
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  private fail(e: Error): void {
    this.dead ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
  }

  private next(): Promise<WorkerReply> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error('K-Means worker is busy (one request at a time)'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** Sends one request and resolves with its reply; rejects with the worker's error text. */
  async call(req: WorkerRequest): Promise<WorkerReply> {
    const reply = this.next();
    this.worker.postMessage(req);
    const r = await reply;
    if (!r.ok) throw new SegmentsWorkerError(`K-Means worker error: ${r.error}`);
    return r;
  }
}

const idle: PooledWorker[] = [];

async function leaseWorkers(count: number): Promise<PooledWorker[]> {
  const got = idle.splice(0, count).filter((w) => w.alive);
  const fresh = await Promise.all(Array.from({ length: count - got.length }, () => PooledWorker.start()));
  const all = [...got, ...fresh];
  for (const w of all) w.worker.ref();
  return all;
}

function returnWorkers(ws: readonly PooledWorker[]): void {
  for (const w of ws) {
    if (!w.alive) continue;
    w.worker.unref();
    idle.push(w);
  }
}

/**
 * Starts `count` pool workers ahead of time (each loads tfjs and compiles the WASM binary,
 * ≈0.6 s), so that the first fit does not pay for it. Optional.
 */
export async function warmUpWorkers(count: number): Promise<void> {
  const need = count - idle.length;
  if (need > 0) returnWorkers(await leaseWorkers(need));
}

/** Terminates the idle pool workers (they are unref'd, so this is only needed for tidiness). */
export async function shutdownWorkers(): Promise<void> {
  const ws = idle.splice(0, idle.length);
  await Promise.all(ws.map((w) => w.worker.terminate()));
}

// ---------------------------------------------------------------------------------------

/** Column means and population variances of X, in float64 (one pass). */
export function columnMoments(X: Float32Array, n: number, d: number): { mean: Float64Array; variance: Float64Array } {
  // Sums shifted by the first row keep the variance accurate for columns far from zero.
  const shift = new Float64Array(d);
  for (let q = 0; q < d; q++) shift[q] = X[q] as number;
  const s1 = new Float64Array(d);
  const s2 = new Float64Array(d);
  kernelsFor(d).moments(X, 0, n, shift, s1, s2);
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let q = 0; q < d; q++) {
    const m = (s1[q] as number) / n;
    variance[q] = Math.max(0, (s2[q] as number) / n - m * m);
    mean[q] = m + (shift[q] as number);
  }
  return { mean, variance };
}

/** X resident across threads, with the shared label (and distance) arrays of the current fit. */
export class LloydEngine {
  private closed = false;

  private constructor(
    /** The rows (possibly a shared-memory copy of the caller's X). */
    readonly X: Float32Array,
    readonly n: number,
    readonly d: number,
    /** Column means and population variances of X (float64). */
    readonly mean: Float64Array,
    readonly variance: Float64Array,
    /** Current label of each row (written by `assign`); shared memory when workers are used. */
    readonly labels: Int32Array,
    /** Per-row squared distance to its centroid (written by `distances`). */
    readonly dist: Float32Array,
    private readonly bounds: readonly number[],
    private readonly local: LloydShard,
    private readonly workers: PooledWorker[],
  ) {}

  /** Number of threads sharing the rows (main thread + workers). */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Uploads X (n × d, row-major) to the WASM backend(s). X must not change until `close()`.
   */
  static async open(X: Float32Array, n: number, d: number, opts: EngineOptions = {}): Promise<LloydEngine> {
    await initTf();
    const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
    if (!Number.isInteger(chunkRows) || chunkRows <= 0) {
      throw new SegmentsInputError(`chunkRows must be a positive integer, got ${chunkRows}.`);
    }
    const nWorkers = Math.min(resolveWorkers(opts.workers, n, d), Math.max(0, n - 1));
    const { mean, variance } = columnMoments(X, n, d);

    let Xs = X;
    let labels: Int32Array;
    let dist: Float32Array;
    if (nWorkers > 0) {
      if (!(X.buffer instanceof SharedArrayBuffer)) {
        Xs = new Float32Array(new SharedArrayBuffer(n * d * 4));
        Xs.set(X);
      }
      labels = new Int32Array(new SharedArrayBuffer(n * 4));
      dist = new Float32Array(new SharedArrayBuffer(n * 4));
    } else {
      labels = new Int32Array(n);
      dist = new Float32Array(n);
    }
    labels.fill(-1);

    const shards = nWorkers + 1;
    const bounds = Array.from({ length: shards + 1 }, (_, s) => Math.round((s * n) / shards));
    const ws = nWorkers > 0 ? await leaseWorkers(nWorkers) : [];
    try {
      // Workers upload their blocks while the main thread uploads block 0.
      const opened = ws.map((w, s) =>
        w.call({
          op: 'open',
          x: Xs.buffer as SharedArrayBuffer,
          xByteOffset: Xs.byteOffset,
          labels: labels.buffer as SharedArrayBuffer,
          labelsByteOffset: labels.byteOffset,
          rowStart: bounds[s + 1] as number,
          rowEnd: bounds[s + 2] as number,
          d,
          chunkRows,
          center: mean,
        }),
      );
      const end0 = bounds[1] as number;
      const local = new LloydShard(Xs.subarray(0, end0 * d), end0, d, labels.subarray(0, end0), { chunkRows, center: mean });
      try {
        await Promise.all(opened);
      } catch (e) {
        local.dispose();
        throw e;
      }
      return new LloydEngine(Xs, n, d, mean, variance, labels, dist, bounds, local, ws);
    } catch (e) {
      await Promise.allSettled(ws.map((w) => w.call({ op: 'close' })));
      returnWorkers(ws);
      throw e;
    }
  }

  /**
   * E-step over all rows (labels updated in place) and the M-step sums and counts
   * (k × d and k, float64) of the new labels, with the number of rows whose label changed.
   * Use `'fresh'` for the first step of each fit (see `AssignMode`).
   */
  async assign(centroids: Float32Array, k: number, mode: AssignMode): Promise<BlockSums> {
    this.assertOpen();
    const replies = this.workers.map((w) => w.call({ op: 'assign', centroids, k, mode }));
    const total = this.local.assign(centroids, k, mode);
    for (const r of await Promise.all(replies)) {
      if (r.ok && r.op === 'assign') {
        total.changed += r.changed;
        for (let i = 0; i < total.sums.length; i++) total.sums[i] = (total.sums[i] as number) + (r.sums[i] as number);
        for (let i = 0; i < total.counts.length; i++) total.counts[i] = (total.counts[i] as number) + (r.counts[i] as number);
      }
    }
    return total;
  }

  /**
   * Exact squared distance of every row to its labelled centroid, into `this.dist`;
   * returns the inertia (their float64 sum).
   */
  async distances(centroids: Float32Array): Promise<number> {
    this.assertOpen();
    const dist = this.dist;
    const replies = this.workers.map((w) =>
      w.call({ op: 'distances', centroids, out: dist.buffer as SharedArrayBuffer, outByteOffset: dist.byteOffset }),
    );
    let total = this.local.distances(centroids, dist.subarray(0, this.bounds[1] as number));
    for (const r of await Promise.all(replies)) if (r.ok && r.op === 'distances') total += r.total;
    return total;
  }

  /** Frees the tensors in every thread and returns the workers to the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.dispose();
    await Promise.allSettled(this.workers.map((w) => w.call({ op: 'close' })));
    returnWorkers(this.workers);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('LloydEngine used after close()');
  }
}
