/**
 * `dialwise train contact`: P(answer | customer features, local hour-of-week) on every call
 * attempt, each with its customer's features as of the attempt's start. Trained on older
 * attempts, early-stopped and calibrated on the newest window, and reported beside the
 * segment × hour-of-week baseline on the same window.
 */
import { featureSetHash, type OnProgress } from '../../features/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import {
  DEFAULT_IPW_CLIP,
  defaultAsOf,
  ipwWeights,
  loadAttemptDataset,
  planWindows,
  splitRows,
  subsetDataset,
  trainingEnd,
  outOfTimeWindow,
  TrainingError,
  type AttemptDataset,
  type WindowOptions,
  type Windows,
} from '../common/index.ts';
import { binaryReport, crossFitCalibration, fitPlatt, sigmoid, type BinaryReport } from '../metrics/index.ts';
import {
  aliasVersion,
  artifactRelPath,
  getVersion,
  modelsDirFor,
  newRunId,
  newVersionId,
  registerVersion,
  resolveArtifactDir,
  setChallenger,
  type ModelVersion,
} from '../registry/index.ts';
import { initTf } from '../tf-backend.ts';
import { CONTACT_ARTIFACT_FORMAT, CONTACT_KIND, writeContactArtifacts, type ContactMeta } from './artifact.ts';
import { baselineLogits, crossFitBaselineLogits, DEFAULT_SEGMENT_COLUMN, fitBaseline, predictBaseline } from './baseline.ts';
import { encodeBlocks, encodeNet, fitNetEncoding, type NetEncoding } from './encoding.ts';
import { fitNetwork, NETWORK_DEFAULTS, predictLogits, type NetRows, type NetworkOptions } from './network.ts';

export interface TrainContactProgress {
  step: number;
  steps: number;
  label: string;
  rows?: number;
}

export interface TrainContactOptions extends WindowOptions {
  /** Categorical customer feature whose per-hour answer rate is the baseline (default occupation). */
  segmentColumn?: string;
  network?: NetworkOptions;
  /** Inverse-propensity weighting of dialer-chosen attempts (default true). */
  ipw?: boolean;
  ipwClip?: number;
  /** Train on at most this many attempts (a uniform sample of the training window; default 2,000,000). */
  maxTrainRows?: number;
  seed?: number;
  modelsDir?: string;
  runId?: string;
  parentRun?: string | null;
  description?: string | null;
  setChallenger?: boolean;
  onProgress?: (p: TrainContactProgress) => void;
}

export interface ContactMetrics {
  summary: {
    logLoss: number;
    rocAuc: number;
    brier: number;
    ece: number;
    baselineLogLoss: number;
    baselineRocAuc: number;
    /** baseline log loss − model log loss (positive: the model is better). */
    logLossGain: number;
  };
  /** Calibrated model on the validation window (cross-fitted Platt). */
  valid: BinaryReport;
  /** Network probabilities (class shift removed) before Platt scaling. */
  validUncalibrated: BinaryReport;
  baseline: BinaryReport & { segmentColumn: string };
  train: { rows: number; positives: number; baseRate: number; sampledFrom: number };
  network: { inputs: number; factors: number; bestEpoch: number; epochs: number; validLogLoss: number[]; trainLoss: number[]; classShift: number };
  weighting: { ipw: boolean; logged: number; clipped: number; missingPropensity: number; clip: number | null };
}

export interface TrainContactResult {
  version: ModelVersion;
  metrics: ContactMetrics;
  windows: Windows;
}

const STEPS = 5;

/** Network rows for a dataset's rows (all when omitted), with the segment prior log-odds per row. */
export function netRows(enc: NetEncoding, d: AttemptDataset, rows: ArrayLike<number> | undefined, prior: Float32Array): NetRows {
  const n = rows ? rows.length : d.rows;
  const how = d.localHow;
  if (!how) throw new TrainingError('contact rows need the local hour-of-week of each attempt');
  return {
    x: encodeNet(enc, d.matrix, rows),
    width: enc.width,
    how: rows ? Int16Array.from(rows as ArrayLike<number>, (r) => how[r] as number) : how,
    blocks: encodeBlocks(enc, d.matrix, rows),
    prior,
    rows: n,
  };
}

export async function trainContact(wh: Warehouse, options: TrainContactOptions = {}): Promise<TrainContactResult> {
  await initTf();
  const report = options.onProgress ?? (() => undefined);
  const modelsDir = modelsDirFor(wh, options.modelsDir);
  const asOf = options.asOf ?? (await defaultAsOf(wh, false));
  const end = trainingEnd(asOf, options.gateDays);
  const segmentColumn = options.segmentColumn ?? DEFAULT_SEGMENT_COLUMN;

  report({ step: 1, steps: STEPS, label: 'training rows: every attempt with point-in-time features and local hour-of-week' });
  const featureProgress: OnProgress = (p) => report({ step: 1, steps: STEPS, label: `training rows: ${p.label}`, ...(p.rows !== undefined ? { rows: p.rows } : {}) });
  const data = await loadAttemptDataset(wh, { label: 'answered', from: options.from ?? null, to: end, onProgress: featureProgress });
  if (data.rows === 0) throw new TrainingError(`no call attempts before ${end.toISOString()}; ingest a call log or move --as-of`);
  if (!data.matrix.categoricalColumns.includes(segmentColumn)) {
    throw new TrainingError(`baseline segment column ${segmentColumn} is not a categorical feature (choose one of ${data.matrix.categoricalColumns.join(', ')})`);
  }
  const windows = planWindows(data.timeMs, asOf, options);
  let { train, valid } = splitRows(data.timeMs, windows);
  const sampledFrom = train.length;
  const maxRows = options.maxTrainRows ?? 2_000_000;
  if (train.length > maxRows) train = sampleRows(train, maxRows, options.seed ?? 42);
  if (train.length === 0 || valid.length === 0) {
    throw new TrainingError(`the ${train.length === 0 ? 'training' : 'validation'} window is empty; change --valid-days or --as-of`);
  }
  const useIpw = options.ipw ?? true;
  const clip = options.ipwClip ?? DEFAULT_IPW_CLIP;
  const ipw = useIpw ? ipwWeights(data.arm, data.propensity, { clip }) : null;

  report({ step: 2, steps: STEPS, label: 'segment × hour-of-week baseline', rows: train.length });
  const segment = data.matrix.categorical[segmentColumn] ?? [];
  const baseline = fitBaseline(segmentColumn, segment, data.localHow!, data.label, train, ipw?.weights);
  const yValid = Float32Array.from(valid, (r) => data.label[r] as number);
  const wValid = ipw ? Float32Array.from(valid, (r) => ipw.weights[r] as number) : undefined;
  const baselineP = predictBaseline(baseline, segment, data.localHow!, valid);
  const trainPrior = crossFitBaselineLogits(segmentColumn, segment, data.localHow!, data.label, train, ipw?.weights, { seed: options.seed ?? 42 });
  const validPrior = baselineLogits(baseline, segment, data.localHow!, valid);

  report({ step: 3, steps: STEPS, label: 'network (tfjs, wasm) with early stopping on the validation window', rows: train.length });
  const trainSet = subsetDataset(data, train);
  const enc = fitNetEncoding(trainSet.matrix, Uint32Array.from({ length: trainSet.rows }, (_, i) => i));
  const trainRows = netRows(enc, trainSet, undefined, trainPrior);
  const validRows = netRows(enc, data, valid, validPrior);
  const fit = fitNetwork(trainRows, trainSet.label, ipw ? Float32Array.from(train, (r) => ipw.weights[r] as number) : null, validRows, yValid, {
    ...options.network,
    seed: options.seed ?? 42,
    ...(wValid ? { validWeights: wValid } : {}),
    onEpoch: (epoch, loss, ll) => report({ step: 3, steps: STEPS, label: `epoch ${epoch + 1}: train loss ${loss.toFixed(4)}, valid log loss ${ll.toFixed(4)}` }),
  });
  try {
    report({ step: 4, steps: STEPS, label: 'calibration and metrics' });
    const z = predictLogits(fit.model, validRows);
    const shifted = Float64Array.from(z, (v) => v - fit.classShift);
    const uncalibrated = Float32Array.from(shifted, sigmoid);
    const calibrator = fitPlatt(shifted, yValid, wValid, { scores: 'logit' });
    const crossFitted = crossFitCalibration('platt', uncalibrated, yValid, wValid, { folds: 5, seed: options.seed ?? 42 });
    const validReport = binaryReport(yValid, crossFitted, wValid);
    const baselineReport = binaryReport(yValid, baselineP, wValid);
    let pos = 0;
    let tw = 0;
    for (const r of train) {
      const w = ipw ? (ipw.weights[r] as number) : 1;
      tw += w;
      pos += (data.label[r] as number) * w;
    }
    const factors = options.network?.factors ?? NETWORK_DEFAULTS.factors;
    const metrics: ContactMetrics = {
      summary: {
        logLoss: validReport.logLoss,
        rocAuc: validReport.rocAuc,
        brier: validReport.brier,
        ece: validReport.ece,
        baselineLogLoss: baselineReport.logLoss,
        baselineRocAuc: baselineReport.rocAuc,
        logLossGain: baselineReport.logLoss - validReport.logLoss,
      },
      valid: validReport,
      validUncalibrated: binaryReport(yValid, uncalibrated, wValid),
      baseline: { ...baselineReport, segmentColumn },
      train: { rows: train.length, positives: pos, baseRate: tw > 0 ? pos / tw : Number.NaN, sampledFrom },
      network: {
        inputs: enc.width,
        factors,
        bestEpoch: fit.bestEpoch,
        epochs: fit.epochs,
        validLogLoss: fit.validLogLoss,
        trainLoss: fit.trainLoss,
        classShift: fit.classShift,
      },
      weighting: { ipw: useIpw, logged: ipw?.logged ?? 0, clipped: ipw?.clipped ?? 0, missingPropensity: ipw?.missingPropensity ?? 0, clip: useIpw ? clip : null },
    };

    report({ step: 5, steps: STEPS, label: 'write model files and register' });
    const createdAt = new Date();
    const version = newVersionId(CONTACT_KIND, createdAt);
    const rel = artifactRelPath(CONTACT_KIND, version);
    const meta: ContactMeta = { format: CONTACT_ARTIFACT_FORMAT, kind: CONTACT_KIND, version, classShift: fit.classShift, factors, createdAt: createdAt.toISOString() };
    await writeContactArtifacts(resolveArtifactDir(modelsDir, rel), { network: fit.model, encoding: enc, baseline, calibrator, meta, metrics });
    await registerVersion(wh, {
      version,
      kind: CONTACT_KIND,
      algorithm: 'tfjs',
      params: {
        network: { ...NETWORK_DEFAULTS, ...options.network },
        segmentColumn,
        ipw: useIpw,
        ipwClip: useIpw ? clip : null,
        maxTrainRows: maxRows,
        seed: options.seed ?? 42,
      },
      source: 'call_attempts',
      window: outOfTimeWindow(asOf, windows, { train: train.length, valid: valid.length }),
      features: [
        ...enc.numeric.map((c) => ({ name: c.name, type: 'numeric' })),
        ...enc.categorical.map((c) => ({ name: c.name, type: 'categorical' })),
        { name: 'local_hour_of_week', type: 'hour-of-week' },
      ],
      featureHashInput: enc,
      featureSetHash: featureSetHash(),
      metrics: metrics as unknown as Record<string, unknown>,
      artifactPath: rel,
      runId: options.runId ?? newRunId(createdAt),
      parentRun: options.parentRun ?? null,
      parentVersion: await aliasVersion(wh, CONTACT_KIND, 'champion'),
      description: options.description ?? null,
      createdAt,
    });
    if (options.setChallenger ?? true) await setChallenger(wh, version, 'newly trained');
    return { version: await getVersion(wh, version), metrics, windows };
  } finally {
    fit.model.dispose();
  }
}

function sampleRows(rows: Uint32Array, n: number, seed: number): Uint32Array {
  // partial Fisher–Yates with a small LCG; keeps time order afterwards
  const copy = Uint32Array.from(rows);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = i + (s % (copy.length - i));
    const t = copy[i] as number;
    copy[i] = copy[j] as number;
    copy[j] = t;
  }
  return copy.subarray(0, n).sort();
}
