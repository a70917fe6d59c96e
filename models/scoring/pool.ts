/**
 * Scoring both models over many rows on every core. Worker threads each hold a
 * single-threaded XGBoost booster and their own tfjs WASM backend (tfjs runs single-threaded
 * under Node, see tf-backend.ts), read the packed inputs from shared memory and write scores
 * straight into shared outputs; the main thread only hands out row ranges. Workers are slow
 * to start (tsx, tfjs, WASM compilation), so idle ones are kept for the next call, unref'd so
 * they never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ScoringWorkerError } from './errors.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

class PooledWorker {
  #pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  #dead: Error | undefined;

  private constructor(readonly worker: Worker) {
    worker.on('message', (r: WorkerReply) => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.resolve(r);
    });
    worker.on('error', (e) => this.#fail(new ScoringWorkerError(`scoring worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => this.#fail(new ScoringWorkerError(`scoring worker exited (code ${code}).`)));
  }

  static async start(): Promise<PooledWorker> {
    const w = new PooledWorker(new Worker(new URL('./worker.js', import.meta.url)));
    const r = await w.#next();
    if (!r.ok) {
      await w.worker.terminate();
      throw new ScoringWorkerError(`scoring worker failed to start: ${r.error}`);
    }
    return w;
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  #fail(e: Error): void {
    this.#dead ??= e;
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(e);
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
  }

  #next(): Promise<WorkerReply> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#pending) return Promise.reject(new ScoringWorkerError('scoring worker is busy (one request at a time)'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
  }

  /** Sends one request; resolves with its reply, rejects with the worker's error text. */
  async call(req: WorkerRequest): Promise<void> {
    const reply = this.#next();
    this.worker.postMessage(req);
    const r = await reply;
    if (!r.ok) throw new ScoringWorkerError(`scoring worker error: ${r.error}`);
  }
}

const idle: PooledWorker[] = [];

/**
 * Below this many rows, 'auto' scores on the calling thread: starting the workers (≈1 s each,
 * more on a busy machine) costs more than a few thousand rows take to score.
 */
export const POOL_MIN_ROWS = 100_000;

/** Worker threads for `workers` ('auto' = one per core, none for fewer than POOL_MIN_ROWS rows). */
export function resolveScoringWorkers(workers: number | 'auto' | undefined, rows = Number.POSITIVE_INFINITY): number {
  if (workers === undefined || workers === 'auto') return rows < POOL_MIN_ROWS ? 0 : availableParallelism();
  if (!Number.isInteger(workers) || workers < 0) throw new ScoringWorkerError(`workers must be 'auto' or a non-negative integer, got ${workers}.`);
  return workers;
}

export async function leaseScoringWorkers(count: number): Promise<PooledWorker[]> {
  const got = idle.splice(0, count).filter((w) => w.alive);
  const started = await Promise.allSettled(Array.from({ length: count - got.length }, () => PooledWorker.start()));
  const fresh = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    returnScoringWorkers([...got, ...fresh]);
    throw failed.reason;
  }
  const all = [...got, ...fresh];
  for (const w of all) w.worker.ref();
  return all;
}

/** Gives workers back to the pool; `broken` ones (a call failed mid-job) are terminated instead. */
export function returnScoringWorkers(ws: readonly PooledWorker[], broken = false): void {
  for (const w of ws) {
    if (!w.alive) continue;
    if (broken) {
      void w.worker.terminate();
      continue;
    }
    w.worker.unref();
    idle.push(w);
  }
}

/**
 * Starts `count` workers ahead of time ('auto' = one per core; each loads tfjs and libxgboost,
 * ≈0.5–1 s), so that the first scoring call does not pay for it. Optional.
 */
export async function warmUpScoringWorkers(count: number | 'auto' = 'auto'): Promise<void> {
  const need = resolveScoringWorkers(count) - idle.length;
  if (need > 0) returnScoringWorkers(await leaseScoringWorkers(need));
}

/** Terminates the idle workers (they are unref'd, so this is only needed for tidiness). */
export async function shutdownScoringWorkers(): Promise<void> {
  const ws = idle.splice(0, idle.length);
  await Promise.all(ws.map((w) => w.worker.terminate()));
}

export type { PooledWorker };
