// XGBoost's OpenMP threads wait passively: test files run two at a time on two cores.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DMatrix,
  encodeMatrix,
  loadAttemptDataset,
  loadContactModel,
  loadConversionModel,
  ModelKindError,
  predictAttempts,
  scoreContactMatrix,
  scoreMatrix,
  scoreModels,
  ScoringWorkerError,
  shutdownScoringWorkers,
  sigmoid,
  trainContact,
  trainConversion,
  type AttemptDataset,
  type ContactModel,
  type ConversionModel,
} from '../../models/index.ts';
import { featureTypesOf, modelNamesOf } from '../../models/common/index.ts';
import { HOURS_PER_WEEK } from '../../models/contact/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FIXTURE_START, seedCallCentre } from './call-centre-fixture.ts';

describe('scoring both models on the worker pool', () => {
  let wh: Warehouse;
  let cleanup: () => void;
  let conv: ConversionModel;
  let cont: ContactModel;
  let data: AttemptDataset;
  const asOf = new Date(FIXTURE_START.getTime() + 40 * 86_400_000);

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = tempDir());
    wh = await Warehouse.open(dir);
    await seedCallCentre(wh, { customers: 600, days: 40 });
    const c = await trainConversion(wh, { asOf, validDays: 8 });
    const t = await trainContact(wh, { asOf, validDays: 8, network: { maxEpochs: 4 } });
    conv = await loadConversionModel(wh, c.version.version);
    cont = await loadContactModel(wh, t.version.version);
    data = await loadAttemptDataset(wh, { label: 'answered', from: c.version.window.validFrom, to: c.version.window.validTo! });
    // a level never seen in training and missing values must take the same route on every path
    const occupation = data.matrix.categorical.occupation!;
    for (let i = 0; i < data.rows; i += 7) occupation[i] = i % 2 ? 'astronaut' : null;
  }, 240_000);
  afterAll(async () => {
    conv?.dispose();
    cont?.dispose();
    await shutdownScoringWorkers();
    await wh?.close();
    cleanup?.();
  });

  it('gives exactly the single-threaded scores (both models, uneven row ranges over two workers)', async () => {
    expect(data.rows).toBeGreaterThan(300);
    for (const contributions of ['approx', 'exact'] as const) {
      const pooled = await scoreModels(data.matrix, { conversion: conv, contact: cont, contributions, reasons: 3, bestHours: 4, workers: 2, taskRows: 97 });
      const single = scoreMatrix(conv, data.matrix, null, { contributions, reasons: 3 });
      const p = pooled.conversion!;
      expect(p.contributions).toBe(contributions);
      expect(p.pRaw).toEqual(single.pRaw);
      expect(p.pConvert).toEqual(single.pConvert);
      expect(p.reasonColumn).toEqual(single.reasonColumn);
      expect(p.reasonContribution).toEqual(single.reasonContribution);
      for (let i = 0; i < data.rows; i += 13) expect(p.reasonPhrases(i)).toEqual(single.reasonPhrases(i));
      const contact = scoreContactMatrix(cont, data.matrix, { bestHours: 4 });
      expect(pooled.contact!.pAnswer).toEqual(contact.pAnswer);
      expect(pooled.contact!.bestHours).toEqual(contact.bestHours);
    }
    // workers: 0 runs the same kernels on the calling thread
    const inline = await scoreModels(data.matrix, { conversion: conv, contact: cont, contributions: 'approx', workers: 0 });
    expect(inline.conversion!.pConvert).toEqual(scoreMatrix(conv, data.matrix, null, { contributions: 'approx' }).pConvert);
    expect(inline.contact!.pAnswer).toEqual(scoreContactMatrix(cont, data.matrix).pAnswer);
  }, 120_000);

  it('agrees with the simple path: XGBoost predict and approximate contributions, the full contact network at each hour', async () => {
    const pooled = await scoreModels(data.matrix, { conversion: conv, contact: cont, contributions: 'approx', reasons: 3, workers: 2, taskRows: 128 });
    const p = pooled.conversion!;
    const ncol = conv.encoding.columns.length;
    const x = encodeMatrix(conv.encoding, data.matrix);
    const d = new DMatrix(x, { nrow: data.rows, ncol, featureNames: modelNamesOf(conv.encoding), featureTypes: featureTypesOf(conv.encoding) });
    const range: [number, number] = [0, conv.meta.iterationEnd];
    const margin = conv.booster.predict(d, { iterationRange: range, outputMargin: true });
    const contrib = conv.booster.predictContributions(d, { iterationRange: range, approximate: true });
    // the trees walked in JS give exactly what adding up XGBoost's own leaf indices gives
    const leaves = conv.booster.predictWithShape(d, 'leaf', { iterationRange: range }).values;
    d.dispose();
    const fromLeaves = { margin: new Float64Array(data.rows), column: new Int16Array(data.rows * 3), value: new Float32Array(data.rows * 3) };
    conv.paths().accumulate(leaves, data.rows, 3, fromLeaves.margin, fromLeaves.column, fromLeaves.value);
    expect(p.pRaw).toEqual(Float32Array.from(fromLeaves.margin, sigmoid));
    expect(p.reasonColumn).toEqual(fromLeaves.column);
    expect(p.reasonContribution).toEqual(fromLeaves.value);
    for (let i = 0; i < data.rows; i++) {
      expect(p.pRaw[i]!).toBeCloseTo(sigmoid(margin[i]!), 6);
      const row = contrib.subarray(i * (ncol + 1), i * (ncol + 1) + ncol);
      const sorted = Array.from(row, Math.abs).sort((a, b) => b - a);
      for (let r = 0; r < 3; r++) {
        const j = p.reasonColumn[i * 3 + r]!;
        if (j < 0) continue;
        // each reason is XGBoost's own contribution of that column, and among the 3 largest
        expect(p.reasonContribution[i * 3 + r]!).toBeCloseTo(row[j]!, 5);
        expect(Math.abs(row[j]!)).toBeGreaterThanOrEqual(sorted[2]! - 1e-5);
      }
    }
    const direct = predictAttempts(cont, data);
    for (let i = 0; i < data.rows; i++) {
      expect(pooled.contact!.pAnswer[i * HOURS_PER_WEEK + data.localHow![i]!]!).toBeCloseTo(direct[i]!, 5);
    }
  }, 120_000);

  it('fails with typed errors that say what is missing', async () => {
    const { occupation: _, ...rest } = data.matrix.categorical;
    const lacking = { ...data.matrix, categoricalColumns: data.matrix.categoricalColumns.filter((c) => c !== 'occupation'), categorical: rest };
    await expect(scoreModels(lacking, { conversion: conv, workers: 2 })).rejects.toThrow(ModelKindError);
    await expect(scoreModels(lacking, { contact: cont, workers: 2 })).rejects.toThrow(/occupation/);
    await expect(scoreModels(data.matrix, { conversion: conv, workers: -1 })).rejects.toThrow(ScoringWorkerError);
    // XGBoost refuses infinite inputs; the trees walked in JS refuse them too, naming the column
    const column = conv.encoding.columns.find((c) => c.type === 'numeric')!.name;
    const numeric = Float32Array.from(data.matrix.numeric);
    numeric[5 * data.matrix.numericColumns.length + data.matrix.numericColumns.indexOf(column)] = Number.NEGATIVE_INFINITY;
    for (const contributions of ['approx', 'exact'] as const) {
      expect(() => scoreMatrix(conv, { ...data.matrix, numeric }, null, { contributions })).toThrow(new RegExp(`row 5 has an infinite ${column}`));
    }
  });
});
