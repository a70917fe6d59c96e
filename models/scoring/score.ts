/**
 * Scores customer rows with the conversion model, the contact model, or both at once, on
 * every core (see pool.ts). Same kernels and the same numbers as scoreMatrix and
 * scoreContactMatrix — each row's scores depend on that row only — just spread over worker
 * threads: the packed inputs and all outputs live in SharedArrayBuffers, and each worker
 * takes the next range of rows of its model, then of either, until none are left.
 */
import { readFeatureMatrix, type FeatureMatrix } from '../../features/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { loadContactModel, type ContactModel } from '../contact/artifact.ts';
import { contactPlanFor, contactScores, type ContactScores } from '../contact/score.ts';
import { ContactKernel, contactOutputs } from '../contact/score-kernel.ts';
import { loadConversionModel, type ConversionModel } from '../conversion/artifact.ts';
import { conversionScores, planFor, type ConversionScores } from '../conversion/score.ts';
import { conversionOutputs, scoreConversionRows } from '../conversion/score-kernel.ts';
import { packInputs } from './inputs.ts';
import { leaseScoringWorkers, resolveScoringWorkers, returnScoringWorkers, warmUpScoringWorkers } from './pool.ts';
import type { WorkerRequest } from './protocol.ts';

export interface ScoreModelsOptions {
  conversion?: ConversionModel | null;
  /** Conversion reasons per row (default 3). */
  reasons?: number;
  /** Conversion contributions (default as scoreMatrix: exact up to 200,000 rows, approx above). */
  contributions?: 'exact' | 'approx';
  contact?: ContactModel | null;
  /** 168-entry mask of allowed local hours (default: every day 09:00–21:00). */
  allowedHours?: ArrayLike<number>;
  /** Best hours per customer (default 3). */
  bestHours?: number;
  /** Customer ids (default: the matrix's `extra.customer_id`). */
  customerIds?: string[] | null;
  /** Worker threads: 'auto' (default) one per core from 100,000 rows; 0 scores on the calling thread. */
  workers?: number | 'auto';
  /** Rows per task handed to a worker (default 16,384: ≈ 50 ms of work, so the last task leaves little idle tail). */
  taskRows?: number;
}

export interface ScoredModels {
  conversion: ConversionScores | null;
  contact: ContactScores | null;
  /** Milliseconds: packing the inputs, leasing workers, scoring. */
  timings: { pack: number; workers: number; score: number };
}

export async function scoreModels(matrix: FeatureMatrix, options: ScoreModelsOptions): Promise<ScoredModels> {
  const workers = Math.min(resolveScoringWorkers(options.workers, matrix.rows), Math.max(1, Math.ceil(matrix.rows / 1024)));
  const shared = workers > 0;
  const t0 = performance.now();
  const inputs = packInputs(matrix, { shared });
  const n = inputs.rows;
  const conv = options.conversion ?? null;
  const cont = options.contact ?? null;
  const convPlan = conv
    ? planFor(conv, inputs, {
        ...(options.reasons !== undefined ? { reasons: options.reasons } : {}),
        ...(options.contributions !== undefined ? { contributions: options.contributions } : {}),
        ...(shared ? { dmatrixThreads: 1 } : {}),
      })
    : null;
  const contPlan = cont
    ? contactPlanFor(cont, inputs, {
        ...(options.allowedHours !== undefined ? { allowedHours: options.allowedHours } : {}),
        ...(options.bestHours !== undefined ? { bestHours: options.bestHours } : {}),
      })
    : null;
  const convOut = convPlan ? conversionOutputs(n, convPlan.k, shared) : null;
  const contOut = contPlan ? contactOutputs(n, contPlan.k, shared) : null;
  const pack = performance.now() - t0;

  let leaseMs = 0;
  const t1 = performance.now();
  if (!shared) {
    if (conv && convPlan && convOut) scoreConversionRows(convPlan, conv.booster, convPlan.mode === 'approx' ? conv.paths() : null, inputs, 0, n, convOut);
    if (contPlan && contOut) {
      const kernel = new ContactKernel(contPlan);
      try {
        kernel.run(inputs, 0, n, contOut);
      } finally {
        kernel.dispose();
      }
    }
  } else {
    const tl = performance.now();
    const leased = await leaseScoringWorkers(workers);
    leaseMs = performance.now() - tl;
    let broken = false;
    try {
      const open: WorkerRequest = {
        op: 'open',
        inputs,
        conversion: conv && convPlan && convOut ? { plan: convPlan, modelJson: conv.booster.saveModelToBuffer('json'), out: convOut } : null,
        contact: contPlan && contOut ? { plan: contPlan, out: contOut } : null,
      };
      await Promise.all(leased.map((w) => w.call(open)));
      const step = options.taskRows ?? 16_384;
      const queues: WorkerRequest[][] = [];
      for (const op of [...(convPlan ? ['conversion' as const] : []), ...(contPlan ? ['contact' as const] : [])]) {
        const q: WorkerRequest[] = [];
        for (let s = 0; s < n; s += step) q.push({ op, start: s, end: Math.min(n, s + step) });
        queues.push(q);
      }
      // Worker i keeps to one model while that model has rows left, then helps with the other: no
      // idle tail, and with two workers each one warms up (JIT) the code of one model, not both.
      const take = (i: number): WorkerRequest | undefined => {
        for (let q = 0; q < queues.length; q++) {
          const task = queues[(i + q) % queues.length]!.shift();
          if (task) return task;
        }
        return undefined;
      };
      let failed = false;
      await Promise.all(
        leased.map(async (w, i) => {
          try {
            for (let task = take(i); !failed && task; task = take(i)) await w.call(task);
          } catch (e) {
            failed = true;
            throw e;
          }
        }),
      );
      await Promise.all(leased.map((w) => w.call({ op: 'close' })));
    } catch (e) {
      broken = true;
      throw e;
    } finally {
      returnScoringWorkers(leased, broken);
    }
  }
  const score = performance.now() - t1 - leaseMs;
  const ids = options.customerIds !== undefined ? options.customerIds : (matrix.extra.customer_id?.map(String) ?? null);
  return {
    conversion: conv && convPlan && convOut ? conversionScores(conv, convPlan, ids, convOut) : null,
    contact: cont && contPlan && contOut ? contactScores(cont, contPlan, ids, contOut) : null,
    timings: { pack, workers: leaseMs, score },
  };
}

export interface ScoreSnapshotOptions extends Omit<ScoreModelsOptions, 'conversion' | 'contact' | 'customerIds'> {
  snapshotId: number;
  /** Conversion version id or alias (e.g. 'champion'); null to skip the model. */
  conversion: string | null;
  /** Contact version id or alias; null to skip the model. */
  contact: string | null;
  modelsDir?: string;
}

/**
 * Scores every customer of a feature snapshot with the given versions: the snapshot is read
 * once (the union of both models' features) and both models run at once on the pool.
 */
/** `read` in the result: milliseconds reading the snapshot (while the pool starts). */
export async function scoreSnapshot(wh: Warehouse, options: ScoreSnapshotOptions): Promise<ScoredModels & { read: number }> {
  const dirOption = options.modelsDir ? { modelsDir: options.modelsDir } : {};
  let conv: ConversionModel | null = null;
  let cont: ContactModel | null = null;
  try {
    if (options.conversion) conv = await loadConversionModel(wh, options.conversion, dirOption);
    if (options.contact) cont = await loadContactModel(wh, options.contact, dirOption);
    const features = new Set<string>();
    for (const c of conv?.encoding.columns ?? []) features.add(c.name);
    if (cont) {
      for (const c of [...cont.encoding.numeric, ...cont.encoding.categorical]) features.add(c.name);
      for (const b of cont.encoding.blockFeatures) features.add(b);
      features.add(cont.baseline.segmentColumn);
    }
    const t = performance.now();
    const { n } = await wh.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM customer_features WHERE snapshot_id = $id', { id: options.snapshotId });
    const workers = resolveScoringWorkers(options.workers, n);
    // the workers start (tsx, tfjs, libxgboost) while DuckDB reads the snapshot
    const [matrix] = await Promise.all([
      // straight into shared memory when workers will read it (saves copying it there)
      readFeatureMatrix(wh, { snapshotId: options.snapshotId }, { features: [...features], extra: ['customer_id'], shared: workers > 0 }),
      workers === 0 ? Promise.resolve() : warmUpScoringWorkers(workers),
    ]);
    const read = performance.now() - t;
    const { snapshotId: _s, conversion: _c, contact: _t, modelsDir: _m, ...rest } = options;
    const scored = await scoreModels(matrix, { ...rest, conversion: conv, contact: cont });
    return { ...scored, read };
  } finally {
    conv?.dispose();
    cont?.dispose();
  }
}
