/**
 * The files of a conversion model version, under `<models-dir>/<kind>/<version>/`:
 *   model.json        XGBoost JSON model (Python's xgboost loads it too)
 *   encoding.json     input columns, their types, category codes and training quartiles
 *   calibration.json  the calibrator fitted on the validation window
 *   meta.json         kind, version, rounds to use, label, source
 *   metrics.json      the metrics also stored in the registry
 */
import type { Warehouse } from '../../warehouse/index.ts';
import type { Encoding } from '../common/index.ts';
import type { Calibrator } from '../metrics/index.ts';
import {
  getVersion,
  modelsDirFor,
  readArtifactFile,
  readArtifactJson,
  resolveArtifactDir,
  writeArtifactDir,
  type ModelVersion,
} from '../registry/index.ts';
import { Booster } from '../xgboost/index.ts';
import { TreePaths } from './paths.ts';
import { ModelKindError } from '../common/index.ts';

export const CONVERSION_KIND = 'conversion';
export const CONVERSION_ARTIFACT_FORMAT = 'dialwise-conversion/1';

export interface ConversionMeta {
  format: typeof CONVERSION_ARTIFACT_FORMAT;
  kind: string;
  version: string;
  /** Boosting rounds used at scoring: [0, iterationEnd). */
  iterationEnd: number;
  /** What a positive label means. */
  label: string;
  /** call_attempts, or the table a --table model was trained on. */
  source: { type: 'call_attempts' } | { type: 'table'; table: string; label: string; positive: string | null; timeColumn: string | null };
  createdAt: string;
}

export interface ConversionModel {
  version: ModelVersion;
  meta: ConversionMeta;
  booster: Booster;
  encoding: Encoding;
  calibrator: Calibrator;
  /** Leaf-path attributions of the scoring trees (built on first use). */
  paths(): TreePaths;
  dispose(): void;
}

export function isConversionKind(kind: string): boolean {
  return kind === CONVERSION_KIND || kind.startsWith(`${CONVERSION_KIND}@`);
}

/** Kind of a model trained on a table: `conversion@<table>`. */
export function tableKind(table: string): string {
  return `${CONVERSION_KIND}@${table}`;
}

export function writeConversionArtifacts(
  dir: string,
  parts: { booster: Booster; encoding: Encoding; calibrator: Calibrator; meta: ConversionMeta; metrics: unknown },
): void {
  writeArtifactDir(dir, {
    'model.json': parts.booster.saveModelToBuffer('json'),
    'encoding.json': JSON.stringify(parts.encoding, null, 1),
    'calibration.json': JSON.stringify(parts.calibrator, null, 1),
    'meta.json': JSON.stringify(parts.meta, null, 2),
    'metrics.json': JSON.stringify(parts.metrics, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1),
  });
}

/** Loads a conversion version (id or alias) with its booster; call dispose() when done. */
export async function loadConversionModel(
  wh: Warehouse,
  ref: string = 'champion',
  options: { kind?: string; modelsDir?: string; nthread?: number } = {},
): Promise<ConversionModel> {
  const version = await getVersion(wh, ref, { kind: options.kind ?? (ref === 'champion' || ref === 'challenger' ? CONVERSION_KIND : undefined) });
  if (!isConversionKind(version.kind)) {
    throw new ModelKindError(`${version.version} is a ${version.kind} model; scoreConversion needs a conversion model`);
  }
  const dir = resolveArtifactDir(modelsDirFor(wh, options.modelsDir), version.artifactPath);
  const meta = readArtifactJson<ConversionMeta>(dir, 'meta.json');
  const encoding = readArtifactJson<Encoding>(dir, 'encoding.json');
  const calibrator = readArtifactJson<Calibrator>(dir, 'calibration.json');
  const modelJson = readArtifactFile(dir, 'model.json');
  const booster = Booster.fromBuffer(modelJson, options.nthread ? { nthread: options.nthread } : undefined);
  let paths: TreePaths | undefined;
  return {
    version,
    meta,
    booster,
    encoding,
    calibrator,
    paths: () => (paths ??= new TreePaths(modelJson.toString('utf8'), meta.iterationEnd, encoding.columns.length)),
    dispose: () => booster.dispose(),
  };
}
