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
import { bestWindows, DEFAULT_ALLOWED_HOURS, HOURS_PER_WEEK, type HourWindow } from './hours.ts';
import { predictLogits } from './network.ts';
import { packInputs, type PackedInputs } from '../scoring/inputs.ts';
import { ContactKernel, contactOutputs, contactPlan, type ContactOutputs, type ContactPlan } from './score-kernel.ts';
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
  const inputs = packInputs(matrix);
  const plan = contactPlanFor(model, inputs, options);
  const out = contactOutputs(inputs.rows, plan.k);
  const kernel = new ContactKernel(plan);
  try {
    kernel.run(inputs, 0, inputs.rows, out);
  } finally {
    kernel.dispose();
  }
  const ids = matrix.extra.customer_id;
  return contactScores(model, plan, ids ? ids.map(String) : null, out);
}

/** The allowed-hours mask of the options (default every day 09:00–21:00), checked. */
export function allowedMask(allowedHours: ArrayLike<number> | undefined): Uint8Array {
  const mask = Uint8Array.from(allowedHours ?? DEFAULT_ALLOWED_HOURS, (v) => (v ? 1 : 0));
  if (mask.length !== HOURS_PER_WEEK) throw new ModelKindError(`allowedHours must have ${HOURS_PER_WEEK} entries (local hour-of-week), got ${mask.length}`);
  return mask;
}

/** The kernel plan for scoring `inputs` with `model`. */
export function contactPlanFor(
  model: ContactModel,
  inputs: PackedInputs,
  options: Pick<ScoreContactOptions, 'allowedHours' | 'bestHours' | 'chunkRows'> = {},
): ContactPlan {
  return contactPlan(model, inputs, {
    k: options.bestHours ?? 3,
    mask: allowedMask(options.allowedHours),
    ...(options.chunkRows !== undefined ? { chunkRows: options.chunkRows } : {}),
  });
}

/** Wraps filled kernel outputs as ContactScores. */
export function contactScores(model: ContactModel, plan: ContactPlan, customerIds: string[] | null, out: ContactOutputs): ContactScores {
  const { pAnswer, bestHours } = out;
  const mask = new Uint8Array(HOURS_PER_WEEK);
  for (const h of plan.allowed) mask[h] = 1;
  return {
    version: model.version.version,
    kind: model.version.kind,
    rows: pAnswer.length / HOURS_PER_WEEK,
    customerIds,
    pAnswer,
    bestHours,
    bestHoursPerRow: plan.k,
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
