/**
 * `dialwise train conversion`: P(convert | answered), an XGBoost model on answered attempts,
 * each with its customer's features as of the attempt's own start (label = converted), trained
 * on older attempts and validated on the newest window (early stopping, calibration and the
 * stored metrics all on that window). Rows chosen by the dialer are inverse-propensity
 * weighted. The same machinery models any warehouse table (`--table`).
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
  trainingEnd,
  outOfTimeWindow,
  TrainingError,
  type WindowOptions,
  type Windows,
} from '../common/index.ts';
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
  type TrainingWindow,
} from '../registry/index.ts';
import type { XGBoostParams } from '../xgboost/index.ts';
import { CONVERSION_ARTIFACT_FORMAT, CONVERSION_KIND, tableKind, writeConversionArtifacts, type ConversionMeta } from './artifact.ts';
import { fitConversionBooster, type CalibrationChoice, type ConversionMetrics, type FitResult } from './fit.ts';
import { loadTableDataset, planTable, type TableSource } from './table.ts';

export interface TrainProgress {
  step: number;
  steps: number;
  label: string;
  rows?: number;
}

export interface TrainConversionOptions extends WindowOptions {
  /** Model any warehouse table instead of call attempts. */
  table?: TableSource;
  /** XGBoost parameters over the defaults (DEFAULT_XGB_PARAMS). */
  params?: XGBoostParams;
  numBoostRound?: number;
  earlyStoppingRounds?: number;
  calibration?: CalibrationChoice;
  /** Inverse-propensity weighting of dialer-chosen attempts (default true). */
  ipw?: boolean;
  ipwClip?: number;
  /** Seed of XGBoost's sampling, calibration folds and a table's random split (default 42). */
  seed?: number;
  modelsDir?: string;
  runId?: string;
  parentRun?: string | null;
  description?: string | null;
  /** Point `challenger` at the new version (default true). */
  setChallenger?: boolean;
  onProgress?: (p: TrainProgress) => void;
  /** XGBoost's own round-by-round progress bar (default: when stderr is a TTY). */
  boosterProgress?: boolean;
}

export interface TrainResult {
  version: ModelVersion;
  metrics: ConversionMetrics;
  windows: Windows | null;
  /** Columns a --table model left out, and why. */
  dropped: { column: string; reason: string }[];
}

const STEPS = 4;

/** Trains, stores and registers a conversion model version. */
export async function trainConversion(wh: Warehouse, options: TrainConversionOptions = {}): Promise<TrainResult> {
  return options.table ? trainOnTable(wh, options.table, options) : trainOnAttempts(wh, options);
}

async function trainOnAttempts(wh: Warehouse, options: TrainConversionOptions): Promise<TrainResult> {
  const report = options.onProgress ?? (() => undefined);
  const modelsDir = modelsDirFor(wh, options.modelsDir);
  const asOf = options.asOf ?? (await defaultAsOf(wh, true));
  const end = trainingEnd(asOf, options.gateDays);
  report({ step: 1, steps: STEPS, label: 'training rows: answered attempts with point-in-time features' });
  const featureProgress: OnProgress = (p) => report({ step: 1, steps: STEPS, label: `training rows: ${p.label}`, ...(p.rows !== undefined ? { rows: p.rows } : {}) });
  const data = await loadAttemptDataset(wh, { label: 'converted', from: options.from ?? null, to: end, onProgress: featureProgress });
  if (data.rows === 0) {
    throw new TrainingError(`no answered attempts before ${end.toISOString()}; ingest a call log or move --as-of`);
  }
  const windows = planWindows(data.timeMs, asOf, options);
  const { train, valid } = splitRows(data.timeMs, windows);
  const useIpw = options.ipw ?? true;
  const clip = options.ipwClip ?? DEFAULT_IPW_CLIP;
  const ipw = useIpw ? ipwWeights(data.arm, data.propensity, { clip }) : null;

  report({ step: 2, steps: STEPS, label: 'xgboost with early stopping on the validation window', rows: train.length });
  const fit = fitConversionBooster(
    { matrix: data.matrix, label: data.label, train, valid, ipw, ipwClip: useIpw ? clip : null, types: data.types, descriptions: data.descriptions },
    fitOptions(options),
  );
  const window: TrainingWindow = outOfTimeWindow(asOf, windows, { train: train.length, valid: valid.length });
  const version = await store(wh, {
    kind: CONVERSION_KIND,
    fit,
    window,
    modelsDir,
    options,
    source: { type: 'call_attempts' },
    sourceName: 'call_attempts',
    label: 'converted (answered attempts)',
    featureSetHash: featureSetHash(),
    report,
  });
  return { version, metrics: fit.metrics, windows, dropped: [] };
}

async function trainOnTable(wh: Warehouse, source: TableSource, options: TrainConversionOptions): Promise<TrainResult> {
  const report = options.onProgress ?? (() => undefined);
  const modelsDir = modelsDirFor(wh, options.modelsDir);
  report({ step: 1, steps: STEPS, label: `read table ${source.table}` });
  const plan = await planTable(wh, source);
  const data = await loadTableDataset(wh, source, plan);
  if (data.rows === 0) throw new TrainingError(`table ${source.table} has no rows with a ${source.label}`);
  let train: Uint32Array;
  let valid: Uint32Array;
  let windows: Windows | null = null;
  let window: TrainingWindow;
  if (data.timeMs) {
    const newest = data.timeMs.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    const asOf = options.asOf ?? new Date(newest + 1);
    windows = planWindows(data.timeMs, asOf, options);
    ({ train, valid } = splitRows(data.timeMs, windows));
    window = outOfTimeWindow(asOf, windows, { train: train.length, valid: valid.length });
  } else {
    ({ train, valid } = randomSplit(data.rows, options.validFraction ?? 0.2, options.seed ?? 42));
    window = {
      asOf: null,
      trainFrom: null,
      trainTo: null,
      validFrom: null,
      validTo: null,
      rowsTrain: train.length,
      rowsValid: valid.length,
      split: 'random',
    };
  }
  report({ step: 2, steps: STEPS, label: 'xgboost with early stopping on the validation split', rows: train.length });
  const fit = fitConversionBooster(
    { matrix: data.matrix, label: data.label, train, valid, ipw: null, ipwClip: null, types: data.types, descriptions: {} },
    fitOptions(options),
  );
  const version = await store(wh, {
    kind: tableKind(source.table),
    fit,
    window,
    modelsDir,
    options,
    source: { type: 'table', table: source.table, label: source.label, positive: data.positive, timeColumn: source.timeColumn ?? null },
    sourceName: `table:${source.table}`,
    label: `${source.label} = ${data.positive}`,
    featureSetHash: null,
    report,
    extraParams: { table: source.table, label: source.label, positive: data.positive, exclude: source.exclude ?? [], timeColumn: source.timeColumn ?? null },
  });
  const dropped = plan.filter((p) => p.use === null && p.dropped !== 'label').map((p) => ({ column: p.name, reason: p.dropped ?? '' }));
  return { version, metrics: fit.metrics, windows, dropped };
}

/** Deterministic random split (a hash of the row number), for tables without a time column. */
export function randomSplit(rows: number, validFraction: number, seed: number): { train: Uint32Array; valid: Uint32Array } {
  const train: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < rows; i++) {
    let h = Math.imul(i ^ seed, 0x9e3779b1) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    (h / 4294967296 < validFraction ? valid : train).push(i);
  }
  return { train: Uint32Array.from(train), valid: Uint32Array.from(valid) };
}

function fitOptions(options: TrainConversionOptions) {
  return {
    ...(options.params ? { params: options.params } : {}),
    ...(options.numBoostRound !== undefined ? { numBoostRound: options.numBoostRound } : {}),
    ...(options.earlyStoppingRounds !== undefined ? { earlyStoppingRounds: options.earlyStoppingRounds } : {}),
    ...(options.calibration ? { calibration: options.calibration } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.boosterProgress !== undefined ? { progress: options.boosterProgress } : {}),
  };
}

async function store(
  wh: Warehouse,
  s: {
    kind: string;
    fit: FitResult;
    window: TrainingWindow;
    modelsDir: string;
    options: TrainConversionOptions;
    source: ConversionMeta['source'];
    sourceName: string;
    label: string;
    featureSetHash: string | null;
    report: (p: TrainProgress) => void;
    extraParams?: Record<string, unknown>;
  },
): Promise<ModelVersion> {
  const { fit } = s;
  try {
    s.report({ step: 3, steps: STEPS, label: 'write model files' });
    const createdAt = new Date();
    const version = newVersionId(s.kind, createdAt);
    const rel = artifactRelPath(s.kind, version);
    const meta: ConversionMeta = {
      format: CONVERSION_ARTIFACT_FORMAT,
      kind: s.kind,
      version,
      iterationEnd: fit.iterationEnd,
      label: s.label,
      source: s.source,
      createdAt: createdAt.toISOString(),
    };
    writeConversionArtifacts(resolveArtifactDir(s.modelsDir, rel), { booster: fit.booster, encoding: fit.encoding, calibrator: fit.calibrator, meta, metrics: fit.metrics });
    s.report({ step: 4, steps: STEPS, label: 'register version' });
    const parentVersion = await aliasVersion(wh, s.kind, 'champion');
    await registerVersion(wh, {
      version,
      kind: s.kind,
      algorithm: 'xgboost',
      params: {
        xgboost: fit.params,
        numBoostRound: s.options.numBoostRound ?? null,
        earlyStoppingRounds: s.options.earlyStoppingRounds ?? null,
        calibration: s.options.calibration ?? 'auto',
        ipw: s.options.table ? false : (s.options.ipw ?? true),
        ipwClip: s.options.table ? null : (s.options.ipwClip ?? DEFAULT_IPW_CLIP),
        iterationEnd: fit.iterationEnd,
        ...s.extraParams,
      },
      source: s.sourceName,
      window: s.window,
      features: fit.encoding.columns.map((c) => ({ name: c.name, type: c.type })),
      featureHashInput: fit.encoding,
      featureSetHash: s.featureSetHash,
      metrics: fit.metrics as unknown as Record<string, unknown>,
      artifactPath: rel,
      runId: s.options.runId ?? newRunId(createdAt),
      parentRun: s.options.parentRun ?? null,
      parentVersion,
      description: s.options.description ?? null,
      createdAt,
    });
    if (s.options.setChallenger ?? true) await setChallenger(wh, version, 'newly trained');
    return getVersion(wh, version);
  } finally {
    fit.booster.dispose();
  }
}
