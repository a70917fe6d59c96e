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
  /** Rows per tensor chunk (default 32,768): bounds the k × chunk distance matrix in memory. */
  chunkRows?: number;
}

const AUTO_WORKERS_MIN_VALUES = 1 << 21;
const DEFAULT_CHUNK_ROWS = 32_768;

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

/** Mean of up to 4,096 evenly spaced rows: a cheap centre for the upload (see ShardOptions). */
function sampleCenter(X: Float32Array, n: number, d: number): Float64Array {
  const step = Math.max(1, Math.floor(n / 4096));
  const c = new Float64Array(d);
  let m = 0;
  for (let i = 0; i < n; i += step, m++) for (let q = 0; q < d; q++) c[q] = (c[q] as number) + (X[i * d + q] as number);
  for (let q = 0; q < d; q++) c[q] = (c[q] as number) / m;
  return c;
}

/**
 * Allocates an n × d matrix in shared memory. Filling X there (e.g. reading a file straight
 * into it) spares the engine its copy of X when it uses worker threads.
 */
export function allocateShared(n: number, d: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * d * 4));
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
    const center = sampleCenter(X, n, d);

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
    let opened: Promise<WorkerReply>[] = [];
    try {
      // Workers upload their blocks while the main thread uploads block 0.
      opened = ws.map((w, s) =>
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
          center,
        }),
      );
      const end0 = bounds[1] as number;
      const local = new LloydShard(Xs.subarray(0, end0 * d), end0, d, labels.subarray(0, end0), { chunkRows, center });
      // Column moments come from the upload pass of every block, combined here.
      const s1 = Float64Array.from(local.s1);
      const s2 = Float64Array.from(local.s2);
      try {
        for (const r of await Promise.all(opened)) {
          if (r.ok && r.op === 'open') {
            for (let q = 0; q < d; q++) {
              s1[q] = (s1[q] as number) + (r.s1[q] as number);
              s2[q] = (s2[q] as number) + (r.s2[q] as number);
            }
          }
        }
      } catch (e) {
        local.dispose();
        throw e;
      }
      const c32 = Float64Array.from(Float32Array.from(center)); // the shift the shards used
      const mean = new Float64Array(d);
      const variance = new Float64Array(d);
      for (let q = 0; q < d; q++) {
        const m = (s1[q] as number) / n;
        mean[q] = (c32[q] as number) + m;
        variance[q] = Math.max(0, (s2[q] as number) / n - m * m);
      }
      return new LloydEngine(Xs, n, d, mean, variance, labels, dist, bounds, local, ws);
    } catch (e) {
      await Promise.allSettled(opened);
      await Promise.allSettled(ws.map((w) => w.call({ op: 'close' })));
      returnWorkers(ws);
      throw e;
    }
  }

  /**
   * E-step over all rows (labels updated in place) and the M-step sums and counts
   * (k × d and k, float64) of the new labels, with the number of rows whose label changed.
   * Use `'fresh'` for the first step of each fit (see `AssignMode`). `bounded`: Hamerly's
   * bounds skip the rows that provably keep their label (same labels as plain Lloyd, see
   * `LloydShard.assign`).
   */
  async assign(centroids: Float32Array, k: number, mode: AssignMode, bounded = false): Promise<BlockSums> {
    this.assertOpen();
    const replies = this.workers.map((w) => w.call({ op: 'assign', centroids, k, mode, bounded }));
    const total = await this.settleOnThrow(replies, () => this.local.assign(centroids, k, mode, bounded));
    for (const r of await Promise.all(replies)) {
      if (r.ok && r.op === 'assign') {
        total.changed += r.changed;
        total.computed += r.computed;
        for (let i = 0; i < total.sums.length; i++) total.sums[i] = (total.sums[i] as number) + (r.sums[i] as number);
        for (let i = 0; i < total.counts.length; i++) total.counts[i] = (total.counts[i] as number) + (r.counts[i] as number);
      }
    }
    return total;
  }

  /**
   * Exact squared distance of every row to its labelled centroid, into `this.dist`; returns
   * the inertia (their float64 sum) and the rows per cluster. With `relabel`, every row is
   * first labelled with its nearest centroid (a final E-step, as `assign(…, 'labels')`), in
   * the same round trip: each thread goes on to its distances without waiting for the others.
   */
  async distances(
    centroids: Float32Array,
    k: number,
    relabel: { bounded: boolean } | null = null,
  ): Promise<{ inertia: number; sizes: Int32Array }> {
    this.assertOpen();
    const dist = this.dist;
    const replies = this.workers.map((w) =>
      w.call({ op: 'distances', centroids, k, relabel, out: dist.buffer as SharedArrayBuffer, outByteOffset: dist.byteOffset }),
    );
    const local = await this.settleOnThrow(replies, () => {
      if (relabel !== null) this.local.assign(centroids, k, 'labels', relabel.bounded);
      return this.local.distances(centroids, k, dist.subarray(0, this.bounds[1] as number));
    });
    let inertia = local.total;
    const sizes = new Int32Array(k);
    for (let j = 0; j < k; j++) sizes[j] = local.counts[j] as number;
    for (const r of await Promise.all(replies)) {
      if (r.ok && r.op === 'distances') {
        inertia += r.total;
        for (let j = 0; j < k; j++) sizes[j] = (sizes[j] as number) + (r.counts[j] as number);
      }
    }
    return { inertia, sizes };
  }

  // --- k-means++ seeding (see kmeanspp.ts): per-block Σ D(x)² come back one per thread ----

  /** First row offset of each block, and the end (n). */
  get blockStarts(): readonly number[] {
    return this.bounds;
  }

  /** Starts seeding with centre c; returns each block's Σ D(x)². */
  async ppBegin(c: Float32Array): Promise<Float64Array> {
    return this.perBlock({ op: 'ppBegin', c }, () => this.local.ppBegin(c));
  }

  /** Σ min(D(x)², ‖x − p‖²) over all rows, for each of the L candidate points P (L × d). */
  async ppTrial(P: Float32Array, L: number): Promise<Float64Array> {
    this.assertOpen();
    const replies = this.workers.map((w) => w.call({ op: 'ppTrial', P, L }));
    const pots = await this.settleOnThrow(replies, () => this.local.ppTrial(P, L));
    for (const r of await Promise.all(replies)) {
      if (r.ok && r.op === 'ppTrial') for (let t = 0; t < L; t++) pots[t] = (pots[t] as number) + (r.pots[t] as number);
    }
    return pots;
  }

  /** Adds candidate t of the last trial (or, t < 0, the point c); returns each block's Σ D(x)². */
  async ppCommit(t: number, c: Float32Array | null): Promise<Float64Array> {
    return this.perBlock({ op: 'ppCommit', t, c }, () => this.local.ppCommit(t, c));
  }

  /** Global rows at the given block-local positions (`targets[b]`, ascending) of the cumulative D(x)². */
  async ppPick(targets: Float64Array[]): Promise<Int32Array[]> {
    this.assertOpen();
    const replies = this.workers.map((w, b) => w.call({ op: 'ppPick', targets: targets[b + 1] ?? new Float64Array(0) }));
    const local = await this.settleOnThrow(replies, () => this.local.ppPick(targets[0] ?? new Float64Array(0)));
    const out = [local];
    for (const r of await Promise.all(replies)) if (r.ok && r.op === 'ppPick') out.push(r.rows);
    return out;
  }

  /** Frees the seeding state in every block. */
  async ppEnd(): Promise<void> {
    await this.perBlock({ op: 'ppEnd' }, () => (this.local.ppEnd(), 0));
  }

  private async perBlock(req: WorkerRequest, local: () => number): Promise<Float64Array> {
    this.assertOpen();
    const replies = this.workers.map((w) => w.call(req));
    const out = new Float64Array(this.workers.length + 1);
    out[0] = await this.settleOnThrow(replies, local);
    const got = await Promise.all(replies);
    got.forEach((r, b) => {
      if (r.ok && (r.op === 'ppBegin' || r.op === 'ppCommit' || r.op === 'ppEnd')) out[b + 1] = r.pot;
    });
    return out;
  }

  /** Runs the main thread's share; if it throws, lets the workers' replies settle first. */
  private async settleOnThrow<T>(replies: Promise<unknown>[], local: () => T): Promise<T> {
    try {
      return local();
    } catch (e) {
      await Promise.allSettled(replies);
      throw e;
    }
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
