/**
 * Scoring with a contact model: for each customer, P(answer) at each of the 168 local hours of
 * the week, and the best hours inside the allowed calling hours. The customer tower runs once
 * per customer (tfjs, in chunks), the hour tower once; the 168 calibrated probabilities per
 * customer are a dot product and a sigmoid each (see network.ts).
 */
import { latestSnapshot, readFeatureMatrix, type FeatureMatrix } from '../../features/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { ModelKindError, type AttemptDataset } from '../common/index.ts';
import { sigmoid } from '../metrics/index.ts';
import { loadContactModel, type ContactModel } from './artifact.ts';
import { baselineLogits } from './baseline.ts';
import { encodeBlocks, encodeNet } from './encoding.ts';
import { bestWindows, DEFAULT_ALLOWED_HOURS, HOURS_PER_BLOCK, HOURS_PER_WEEK, type HourWindow } from './hours.ts';
import { predictLogits, towers } from './network.ts';
import { tf } from '../tf-backend.ts';
import { netRows } from './train.ts';

export interface ScoreContactOptions {
  /** Version id or alias (default `champion`). */
  version?: string;
  snapshotId?: number | 'latest';
  /** Customer feature rows; customer ids from `extra.customer_id` if present. */
  matrix?: FeatureMatrix;
  /** 168-entry mask of allowed local hours (default: every day 09:00–21:00). */
  allowedHours?: ArrayLike<number>;
  /** Best hours per customer (default 3). */
  bestHours?: number;
  modelsDir?: string;
  model?: ContactModel;
  /** Customers per batch (default 8,192). */
  chunkRows?: number;
}

export interface ContactScores {
  version: string;
  kind: string;
  rows: number;
  customerIds: string[] | null;
  /** rows × 168 calibrated P(answer), local hour-of-week (Monday 00:00 = 0). */
  pAnswer: Float32Array;
  /** rows × bestHoursPerRow allowed hours, best first (-1 when fewer are allowed). */
  bestHours: Int16Array;
  bestHoursPerRow: number;
  allowedHours: Uint8Array;
  /** The 168 probabilities of row i (a view, not a copy). */
  row(i: number): Float32Array;
  /** Row i's best hours merged into readable windows. */
  bestWindowsOf(i: number, hours?: number): HourWindow[];
}

export async function scoreContact(wh: Warehouse, options: ScoreContactOptions = {}): Promise<ContactScores> {
  const model = options.model ?? (await loadContactModel(wh, options.version ?? 'champion', options.modelsDir ? { modelsDir: options.modelsDir } : {}));
  try {
    let matrix = options.matrix;
    if (!matrix) {
      let snapshotId = options.snapshotId ?? 'latest';
      if (snapshotId === 'latest') {
        const latest = await latestSnapshot(wh);
        if (!latest) throw new ModelKindError('no feature snapshot to score; build one first or pass matrix');
        snapshotId = latest.snapshotId;
      }
      const features = [...model.encoding.numeric.map((c) => c.name), ...model.encoding.categorical.map((c) => c.name)];
      for (const b of [...model.encoding.blockFeatures, model.baseline.segmentColumn]) if (!features.includes(b)) features.push(b);
      matrix = await readFeatureMatrix(wh, { snapshotId }, { features, extra: ['customer_id'] });
    }
    return scoreContactMatrix(model, matrix, options);
  } finally {
    if (!options.model) model.dispose();
  }
}

/** Scores an in-memory FeatureMatrix with a loaded contact model. */
export function scoreContactMatrix(
  model: ContactModel,
  matrix: FeatureMatrix,
  options: Pick<ScoreContactOptions, 'allowedHours' | 'bestHours' | 'chunkRows'> = {},
): ContactScores {
  const n = matrix.rows;
  const k = options.bestHours ?? 3;
  const mask = Uint8Array.from(options.allowedHours ?? DEFAULT_ALLOWED_HOURS, (v) => (v ? 1 : 0));
  if (mask.length !== HOURS_PER_WEEK) throw new ModelKindError(`allowedHours must have ${HOURS_PER_WEEK} entries (local hour-of-week), got ${mask.length}`);
  // small chunks keep each chunk's 168 × rows probabilities in cache for the best-hours pass
  const chunk = options.chunkRows ?? 8_192;
  const t = towers(model.network);
  const F = t.factors;
  const { a: A, b: B } = model.calibrator;
  const shift = model.meta.classShift;
  // fold the calibration into the hour terms: z' = A·(z − shift) + B
  const V = Float32Array.from(t.hourFactors, (v) => A * v);
  const hourTerm = Float64Array.from(t.hourBias, (v) => A * (v - shift) + B);
  const ownW = Float64Array.from(t.hourOwnWeight, (v) => A * v);
  // the segment prior term per (segment, hour), already weighted: A · g(h) · logit(baseline(s, h))
  const base = model.baseline;
  const S = base.segments.length + 1;
  const priorTerm = new Float64Array(S * HOURS_PER_WEEK);
  for (let s = 0; s < S; s++) {
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, base.rates[s * HOURS_PER_WEEK + h] as number));
      priorTerm[s * HOURS_PER_WEEK + h] = A * (t.hourPriorWeight[h] as number) * Math.log(p / (1 - p));
    }
  }
  const segmentIndex = new Map(base.segments.map((s, i) => [s, i]));
  const segmentValues = matrix.categorical[base.segmentColumn];
  if (!segmentValues) throw new ModelKindError(`the contact model needs the customers' ${base.segmentColumn}, which the input lacks`);
  const blocks = model.encoding.blockFeatures.length;
  const pAnswer = new Float32Array(n * HOURS_PER_WEEK);
  const bestHours = new Int16Array(n * k);
  // All 168 logits of a customer are one row of D · W + c, D = [u (F) | own (42) | bias | segment one-hot (S)]
  // and W holding the hour terms; WASM's SIMD matMul and sigmoid do the heavy part.
  const width = F + blocks + 1 + S;
  const w = new Float32Array(width * HOURS_PER_WEEK);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    for (let f = 0; f < F; f++) w[f * HOURS_PER_WEEK + h] = V[h * F + f] as number;
    w[(F + ((h / HOURS_PER_BLOCK) | 0)) * HOURS_PER_WEEK + h] = ownW[h] as number;
    w[(F + blocks) * HOURS_PER_WEEK + h] = A;
    for (let s = 0; s < S; s++) w[(F + blocks + 1 + s) * HOURS_PER_WEEK + h] = priorTerm[s * HOURS_PER_WEEK + h] as number;
  }
  const scratch = { p: new Float64Array(Math.max(1, k)), h: new Int16Array(Math.max(1, k)) };
  const allowed = Int16Array.from([...mask.keys()].filter((h) => mask[h]));
  const wT = tf.tensor2d(w, [width, HOURS_PER_WEEK]);
  const cT = tf.tensor2d(Float32Array.from(hourTerm), [1, HOURS_PER_WEEK]);
  try {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const rows = end - start;
      const x = encodeNet(model.encoding, matrix, undefined, start, end);
      const own = encodeBlocks(model.encoding, matrix, undefined, start, end);
      const { factors: U, bias } = t.customer(x, rows);
      const d = new Float32Array(rows * width);
      for (let i = 0; i < rows; i++) {
        const o = i * width;
        d.set(U.subarray(i * F, (i + 1) * F), o);
        d.set(own.subarray(i * blocks, (i + 1) * blocks), o + F);
        d[o + F + blocks] = bias[i] as number;
        d[o + F + blocks + 1 + (segmentIndex.get(segmentValues[start + i] ?? '(none)') ?? S - 1)] = 1;
      }
      const dT = tf.tensor2d(d, [rows, width]);
      const p = tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(dT, wT), cT)));
      const chunkP = p.dataSync() as Float32Array;
      pAnswer.set(chunkP, start * HOURS_PER_WEEK);
      dT.dispose();
      p.dispose();
      if (k > 0) {
        // best allowed hours: scan only the allowed ones
        const bestP = scratch.p;
        const bestH = scratch.h;
        for (let i = start; i < end; i++) {
          const o = (i - start) * HOURS_PER_WEEK;
          bestP.fill(Number.NEGATIVE_INFINITY);
          bestH.fill(-1);
          for (let q = 0; q < allowed.length; q++) {
            const h = allowed[q] as number;
            const v = chunkP[o + h] as number;
            if (!(v > (bestP[k - 1] as number))) continue;
            let pos = k - 1;
            while (pos > 0 && v > (bestP[pos - 1] as number)) {
              bestP[pos] = bestP[pos - 1] as number;
              bestH[pos] = bestH[pos - 1] as number;
              pos--;
            }
            bestP[pos] = v;
            bestH[pos] = h;
          }
          bestHours.set(bestH, i * k);
        }
      }
    }
  } finally {
    wT.dispose();
    cT.dispose();
  }
  t.dispose();
  const ids = matrix.extra.customer_id;
  return {
    version: model.version.version,
    kind: model.version.kind,
    rows: n,
    customerIds: ids ? ids.map(String) : null,
    pAnswer,
    bestHours,
    bestHoursPerRow: k,
    allowedHours: mask,
    row: (i) => pAnswer.subarray(i * HOURS_PER_WEEK, (i + 1) * HOURS_PER_WEEK),
    bestWindowsOf: (i, hours = 6) => bestWindows(pAnswer.subarray(i * HOURS_PER_WEEK, (i + 1) * HOURS_PER_WEEK), mask, hours),
  };
}

/**
 * Calibrated P(answer) of call attempts (each row: a customer's features and the attempt's
 * local hour-of-week) through the full network, for evaluation on a window.
 */
export function predictAttempts(model: ContactModel, data: AttemptDataset, rows?: ArrayLike<number>): Float32Array {
  const all = rows ?? Uint32Array.from({ length: data.rows }, (_, i) => i);
  const segment = data.matrix.categorical[model.baseline.segmentColumn] ?? [];
  const prior = baselineLogits(model.baseline, segment, data.localHow ?? [], all);
  const z = predictLogits(model.network, netRows(model.encoding, data, all, prior));
  const { a, b } = model.calibrator;
  return Float32Array.from(z, (v) => sigmoid(a * (v - model.meta.classShift) + b));
}
