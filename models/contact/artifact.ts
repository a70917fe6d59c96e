/**
 * The files of a contact model version, under `<models-dir>/contact/<version>/`:
 *   model.json, weights.bin   the tfjs layers model (standard tfjs format)
 *   encoding.json             customer inputs: standardisation, one-hot levels, block features
 *   baseline.json             the segment × hour-of-week baseline it was compared with
 *   calibration.json          Platt scaling of the class-shift-corrected log-odds
 *   meta.json                 kind, version, class shift, network shape
 *   metrics.json              the metrics also stored in the registry
 */
import type { Warehouse } from '../../warehouse/index.ts';
import { ModelKindError } from '../common/index.ts';
import type { PlattCalibrator } from '../metrics/index.ts';
import {
  getVersion,
  modelsDirFor,
  readArtifactFile,
  readArtifactJson,
  resolveArtifactDir,
  writeArtifactDir,
  type ModelVersion,
} from '../registry/index.ts';
import { initTf, tf } from '../tf-backend.ts';
import type { SegmentHourBaseline } from './baseline.ts';
import type { NetEncoding } from './encoding.ts';
import { deserialiseModel, serialiseModel } from './network.ts';

export const CONTACT_KIND = 'contact';
export const CONTACT_ARTIFACT_FORMAT = 'dialwise-contact/1';

export interface ContactMeta {
  format: typeof CONTACT_ARTIFACT_FORMAT;
  kind: string;
  version: string;
  /** log((1 − π) / π) of the balanced class weights, subtracted from the network's logit. */
  classShift: number;
  factors: number;
  createdAt: string;
}

export interface ContactModel {
  version: ModelVersion;
  meta: ContactMeta;
  network: tf.LayersModel;
  encoding: NetEncoding;
  baseline: SegmentHourBaseline;
  calibrator: PlattCalibrator;
  dispose(): void;
}

export async function writeContactArtifacts(
  dir: string,
  parts: {
    network: tf.LayersModel;
    encoding: NetEncoding;
    baseline: SegmentHourBaseline;
    calibrator: PlattCalibrator;
    meta: ContactMeta;
    metrics: unknown;
  },
): Promise<void> {
  const { json, weights } = await serialiseModel(parts.network);
  writeArtifactDir(dir, {
    'model.json': json,
    'weights.bin': weights,
    'encoding.json': JSON.stringify(parts.encoding, null, 1),
    'baseline.json': JSON.stringify(parts.baseline),
    'calibration.json': JSON.stringify(parts.calibrator, null, 1),
    'meta.json': JSON.stringify(parts.meta, null, 2),
    'metrics.json': JSON.stringify(parts.metrics, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1),
  });
}

/** Loads a contact version (id or alias); call dispose() when done. */
export async function loadContactModel(wh: Warehouse, ref: string = 'champion', options: { modelsDir?: string } = {}): Promise<ContactModel> {
  await initTf();
  const version = await getVersion(wh, ref, { kind: CONTACT_KIND });
  if (version.kind !== CONTACT_KIND) throw new ModelKindError(`${version.version} is a ${version.kind} model; scoreContact needs a contact model`);
  const dir = resolveArtifactDir(modelsDirFor(wh, options.modelsDir), version.artifactPath);
  const meta = readArtifactJson<ContactMeta>(dir, 'meta.json');
  const network = await deserialiseModel(readArtifactFile(dir, 'model.json').toString('utf8'), new Uint8Array(readArtifactFile(dir, 'weights.bin')));
  return {
    version,
    meta,
    network,
    encoding: readArtifactJson<NetEncoding>(dir, 'encoding.json'),
    baseline: readArtifactJson<SegmentHourBaseline>(dir, 'baseline.json'),
    calibrator: readArtifactJson<PlattCalibrator>(dir, 'calibration.json'),
    dispose: () => network.dispose(),
  };
}
