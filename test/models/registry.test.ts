// XGBoost's OpenMP threads wait passively: test files run two at a time on two cores.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aliasHistory,
  aliasVersion,
  binaryReport,
  championLine,
  evaluateOnWindow,
  getVersion,
  listAliases,
  listVersions,
  loadAttemptDataset,
  loadContactModel,
  loadConversionModel,
  ModelNotFoundError,
  newVersionId,
  predictAttempts,
  promote,
  promoteIfBetter,
  registerVersion,
  RegistryError,
  rollback,
  scoreContactMatrix,
  scoreMatrix,
  setChallenger,
  trainContact,
  trainConversion,
  type NewModelVersion,
  type TrainingWindow,
} from '../../models/index.ts';
import { HOURS_PER_WEEK } from '../../models/contact/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FIXTURE_START, seedCallCentre } from './call-centre-fixture.ts';

const WINDOW: TrainingWindow = {
  asOf: new Date('2024-06-01T00:00:00Z'),
  trainFrom: null,
  trainTo: new Date('2024-05-20T00:00:00Z'),
  validFrom: new Date('2024-05-20T00:00:00Z'),
  validTo: new Date('2024-06-01T00:00:00Z'),
  rowsTrain: 100,
  rowsValid: 20,
  split: 'out-of-time',
};

function fakeVersion(kind: string, n: number): NewModelVersion {
  return {
    version: `${kind}-fake-${n}`,
    kind,
    algorithm: 'xgboost',
    params: { n },
    source: 'call_attempts',
    window: WINDOW,
    features: [{ name: 'balance', type: 'numeric' }],
    metrics: { summary: { rocAuc: 0.7, logLoss: 0.3 } },
    artifactPath: `${kind}/${kind}-fake-${n}`,
    runId: `run-${n}`,
    createdAt: new Date(Date.UTC(2024, 5, 1, 0, n)),
  };
}

describe('registry: versions and aliases', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
  });
  afterAll(async () => wh.close());

  it('stores a version with its window, features, hash, metrics and lineage, and lists newest first', async () => {
    const v1 = await registerVersion(wh, fakeVersion('conversion', 1));
    expect(v1).toMatchObject({ version: 'conversion-fake-1', kind: 'conversion', algorithm: 'xgboost', params: { n: 1 }, runId: 'run-1', aliases: [] });
    expect(v1.window.trainTo?.toISOString()).toBe('2024-05-20T00:00:00.000Z');
    expect(v1.window.split).toBe('out-of-time');
    expect(v1.featureHash).toMatch(/^[0-9a-f]{64}$/);
    await registerVersion(wh, fakeVersion('conversion', 2));
    await registerVersion(wh, fakeVersion('contact', 3));
    expect((await listVersions(wh)).map((v) => v.version)).toEqual(['contact-fake-3', 'conversion-fake-2', 'conversion-fake-1']);
    expect((await listVersions(wh, { kind: 'conversion' })).map((v) => v.version)).toEqual(['conversion-fake-2', 'conversion-fake-1']);
    // same feature list, same hash
    expect((await getVersion(wh, 'conversion-fake-2')).featureHash).toBe(v1.featureHash);
  });

  it('versions are immutable and unknown ones are typed errors that say what to do', async () => {
    await expect(registerVersion(wh, fakeVersion('conversion', 1))).rejects.toThrow(RegistryError);
    await expect(getVersion(wh, 'nope')).rejects.toThrow(ModelNotFoundError);
    await expect(getVersion(wh, 'champion', { kind: 'conversion' })).rejects.toThrow(/no champion for kind conversion yet/);
    await expect(getVersion(wh, 'contact-fake-3', { kind: 'conversion' })).rejects.toThrow(/is a contact model, not conversion/);
  });

  it('promote moves champion (and clears a promoted challenger); rollback restores the previous champion', async () => {
    await setChallenger(wh, 'conversion-fake-1');
    expect(await aliasVersion(wh, 'conversion', 'challenger')).toBe('conversion-fake-1');
    await promote(wh, 'conversion-fake-1');
    expect(await aliasVersion(wh, 'conversion', 'champion')).toBe('conversion-fake-1');
    expect(await aliasVersion(wh, 'conversion', 'challenger')).toBeNull();
    await expect(promote(wh, 'conversion-fake-1')).rejects.toThrow(/already the conversion champion/);
    await expect(rollback(wh, 'conversion')).rejects.toThrow(/first conversion champion/);

    const r = await promote(wh, 'conversion-fake-2');
    expect(r).toEqual({ kind: 'conversion', champion: 'conversion-fake-2', previous: 'conversion-fake-1' });
    expect((await getVersion(wh, 'champion', { kind: 'conversion' })).version).toBe('conversion-fake-2');
    expect(await championLine(wh, 'conversion')).toEqual(['conversion-fake-1', 'conversion-fake-2']);

    expect(await rollback(wh, 'conversion')).toEqual({ kind: 'conversion', champion: 'conversion-fake-1', rolledBack: 'conversion-fake-2' });
    expect(await aliasVersion(wh, 'conversion', 'champion')).toBe('conversion-fake-1');
    // aliases are per kind
    expect(await aliasVersion(wh, 'contact', 'champion')).toBeNull();
    expect((await getVersion(wh, 'conversion-fake-1')).aliases).toEqual(['champion']);

    const history = await aliasHistory(wh, 'conversion');
    expect(history.map((e) => [e.alias, e.action, e.version, e.previousVersion])).toEqual([
      ['challenger', 'set', 'conversion-fake-1', null],
      ['champion', 'promote', 'conversion-fake-1', null],
      ['challenger', 'clear', null, 'conversion-fake-1'],
      ['champion', 'promote', 'conversion-fake-2', 'conversion-fake-1'],
      ['champion', 'rollback', 'conversion-fake-1', 'conversion-fake-2'],
    ]);
    expect(await listAliases(wh)).toHaveLength(1);
  });

  it('version ids are kind-YYYYMMDD-HHMMSS-suffix', () => {
    expect(newVersionId('conversion', new Date('2024-06-01T02:15:09Z'))).toMatch(/^conversion-20240601-021509-[0-9a-f]{6}$/);
    expect(newVersionId('conversion@bank campaign', new Date('2024-06-01T02:15:09Z'))).toMatch(/^conversion-bank-campaign-20240601-021509-/);
  });
});

describe('registry: gate, rollback and artifacts with trained models', () => {
  let wh: Warehouse;
  let dir: string;
  let cleanup: () => void;
  const asOf = new Date(FIXTURE_START.getTime() + 40 * 86_400_000);
  const windows = { asOf, gateDays: 8, validDays: 8 };
  const versions: Record<string, string> = {};

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    wh = await Warehouse.open(dir);
    await seedCallCentre(wh, { customers: 600, days: 40 });
  });
  afterAll(async () => {
    await wh.close();
    cleanup();
  });

  it('the first candidate becomes champion (there is none); its files are where the registry says', async () => {
    // a deliberately weak model: stumps, few rounds
    const weak = await trainConversion(wh, { ...windows, params: { max_depth: 1 }, numBoostRound: 4, earlyStoppingRounds: 2, calibration: 'platt' });
    versions.weak = weak.version.version;
    expect(weak.version.aliases).toEqual(['challenger']);
    expect(weak.version.window.gateFrom?.toISOString()).toBe(new Date(asOf.getTime() - 8 * 86_400_000).toISOString());
    const files = readdirSync(join(dir, 'models', weak.version.artifactPath)).sort();
    expect(files).toEqual(['calibration.json', 'encoding.json', 'meta.json', 'metrics.json', 'model.json']);
    const d = await promoteIfBetter(wh, versions.weak);
    expect(d.promoted).toBe(true);
    expect(d.champion).toBeNull();
    expect(d.reason).toMatch(/no conversion champion/);
    expect(await aliasVersion(wh, 'conversion', 'champion')).toBe(versions.weak);
  });

  it('a worse candidate is not promoted and stays challenger; a better one is promoted', async () => {
    // worse: one tiny step from the 0.5 base score, no calibration: log loss near ln 2
    const worse = await trainConversion(wh, { ...windows, params: { eta: 0.001 }, numBoostRound: 1, earlyStoppingRounds: 1, calibration: 'none' });
    const dWorse = await promoteIfBetter(wh, worse.version.version);
    expect(dWorse.promoted).toBe(false);
    expect(dWorse.champion?.version).toBe(versions.weak);
    expect(dWorse.improvement!).toBeLessThan(0);
    expect(dWorse.candidate.window).toEqual(dWorse.champion!.window); // the same fresh window for both
    expect(dWorse.candidate.rows).toBe(dWorse.champion!.rows);
    expect(dWorse.candidate.overlapsTraining).toBe(false);
    expect(await aliasVersion(wh, 'conversion', 'champion')).toBe(versions.weak);
    expect(await aliasVersion(wh, 'conversion', 'challenger')).toBe(worse.version.version);

    const good = await trainConversion(wh, windows);
    versions.good = good.version.version;
    const dGood = await promoteIfBetter(wh, versions.good);
    expect(dGood.promoted).toBe(true);
    expect(dGood.improvement!).toBeGreaterThan(0.001);
    expect(dGood.candidate.metrics.rocAuc).toBeGreaterThan(dGood.champion!.metrics.rocAuc);
    expect(await aliasVersion(wh, 'conversion', 'champion')).toBe(versions.good);
    expect((await getVersion(wh, versions.good)).parentVersion).toBe(versions.weak);
  });

  it('a margin larger than the improvement keeps the champion', async () => {
    const again = await trainConversion(wh, { ...windows, seed: 7 });
    const d = await promoteIfBetter(wh, again.version.version, { metric: 'roc_auc', margin: 0.5 });
    expect(d.promoted).toBe(false);
    expect(d.reason).toMatch(/does not beat champion/);
    expect(await aliasVersion(wh, 'conversion', 'champion')).toBe(versions.good);
  });

  it('rollback restores the champion before the current one', async () => {
    const r = await rollback(wh, 'conversion');
    expect(r).toEqual({ kind: 'conversion', champion: versions.weak, rolledBack: versions.good });
    expect((await getVersion(wh, 'champion', { kind: 'conversion' })).version).toBe(versions.weak);
  });

  it('the gate refuses a window the candidate has seen', async () => {
    const v = await getVersion(wh, versions.good!);
    await expect(promoteIfBetter(wh, v.version, { window: { from: v.window.validFrom!, to: v.window.validTo! } })).rejects.toThrow(/not fresh/);
  });

  it('conversion artifacts round-trip: the loaded model reproduces the stored validation metrics and scores identically after reopening', async () => {
    const v = await getVersion(wh, versions.good!);
    const data = await loadAttemptDataset(wh, { label: 'converted', from: v.window.validFrom, to: v.window.validTo! });
    const model = await loadConversionModel(wh, v.version);
    const first = scoreMatrix(model, data.matrix, null, { reasons: 3 });
    model.dispose();
    const stored = v.metrics.validRaw as { logLoss: number; rocAuc: number; rows: number };
    const again = binaryReport(data.label, first.pRaw);
    expect(data.rows).toBe(stored.rows);
    expect(again.logLoss).toBeCloseTo(stored.logLoss, 6);
    expect(again.rocAuc).toBeCloseTo(stored.rocAuc, 9);

    await wh.close();
    wh = await Warehouse.open(dir);
    const reloaded = await loadConversionModel(wh, v.version);
    const second = scoreMatrix(reloaded, data.matrix, null, { reasons: 3 });
    reloaded.dispose();
    expect(second.pConvert).toEqual(first.pConvert);
    expect(second.reasonColumn).toEqual(first.reasonColumn);
    // evaluateOnWindow on the model's own validation window gives the same calibrated figures as scoring
    const e = await evaluateOnWindow(wh, v.version, { from: v.window.validFrom!, to: v.window.validTo! });
    expect(e.metrics.logLoss).toBeCloseTo(binaryReport(data.label, first.pConvert).logLoss, 9);
    expect(e.overlapsTraining).toBe(true);
  });

  it('contact artifacts round-trip, and the factorised 168-hour scores equal the full network at each attempt\'s hour', async () => {
    const trained = await trainContact(wh, { ...windows, network: { maxEpochs: 4 } });
    const v = trained.version;
    expect(readdirSync(join(dir, 'models', v.artifactPath)).sort()).toEqual([
      'baseline.json', 'calibration.json', 'encoding.json', 'meta.json', 'metrics.json', 'model.json', 'weights.bin',
    ]);
    const data = await loadAttemptDataset(wh, { label: 'answered', from: v.window.validFrom, to: v.window.validTo! });
    const model = await loadContactModel(wh, v.version);
    const direct = predictAttempts(model, data);
    const scores = scoreContactMatrix(model, data.matrix, { bestHours: 4 });
    model.dispose();
    expect(scores.pAnswer).toHaveLength(data.rows * HOURS_PER_WEEK);
    for (let i = 0; i < data.rows; i++) {
      expect(scores.row(i)[data.localHow![i]!]).toBeCloseTo(direct[i]!, 5);
    }
    const stored = v.metrics.validUncalibrated as { rows: number };
    expect(stored.rows).toBe(data.rows);

    const reloaded = await loadContactModel(wh, v.version);
    expect(predictAttempts(reloaded, data)).toEqual(direct);
    reloaded.dispose();
    expect(existsSync(join(dir, 'models', 'contact'))).toBe(true);
  });
});
