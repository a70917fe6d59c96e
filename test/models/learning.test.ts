// XGBoost's OpenMP threads wait passively: test files run two at a time on two cores.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/program.ts';
import { buildSnapshot, type SnapshotInfo } from '../../features/index.ts';
import {
  allowedHoursMask,
  HOURS_PER_WEEK,
  promoteIfBetter,
  scoreContact,
  scoreConversion,
  trainContact,
  trainConversion,
  type GateDecision,
  type TrainContactResult,
  type TrainResult,
} from '../../models/index.ts';
import { ingestFile } from '../../pipelines/index.ts';
import { generate, type GenerateManifest } from '../../simulation/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * On a generated call centre (simulation/, 10,000 customers × 30 days, whose truth has a
 * conversion signal in income, age, balance × tenure and engagement, and answer curves by
 * occupation, age and local hour), the models learn something: judged on the newest days,
 * held back from training entirely (the gate window).
 */
describe('models learn a generated call centre', () => {
  let dir: string;
  let cleanup: () => void;
  let manifest: GenerateManifest;
  let wh: Warehouse;
  let conversion: TrainResult;
  let conversionGate: GateDecision;
  let contact: TrainContactResult;
  let contactGate: GateDecision;
  let snapshot: SnapshotInfo;
  const windows = { gateDays: 5, validDays: 5 };

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    const out = join(dir, 'generated');
    manifest = await generate({ customers: 10_000, days: 30, seed: 11, outDir: out, dirtyShare: 0, parquet: false, truth: false, endDate: '2024-06-01' });
    wh = await Warehouse.open(dir);
    for (const [file, kind] of [
      ['customers.csv', 'customers'],
      ['events.csv', 'events'],
      ['call_log.csv', 'call-attempts'],
    ] as const) {
      await ingestFile(wh, join(out, file), { kind, mapping: join(out, manifest.files[file]!.mapping!) });
    }
  }, 180_000);
  afterAll(async () => {
    await wh?.close();
    cleanup?.();
  });

  it('conversion: AUC ≥ 0.65 and ECE ≤ 0.05 on the held-back window, and it becomes the first champion', async () => {
    conversion = await trainConversion(wh, windows);
    conversionGate = await promoteIfBetter(wh, conversion.version.version);
    const fresh = conversionGate.candidate;
    console.info(
      `conversion ${conversion.version.version}: validation AUC ${conversion.metrics.summary.rocAuc.toFixed(3)} ECE ${conversion.metrics.summary.ece.toFixed(4)}; ` +
        `gate window (${fresh.rows} answered, ${fresh.positives} conversions) AUC ${fresh.metrics.rocAuc.toFixed(3)} PR AUC ${fresh.metrics.prAuc.toFixed(3)} ` +
        `log loss ${fresh.metrics.logLoss.toFixed(4)} Brier ${fresh.metrics.brier.toFixed(4)} ECE ${fresh.metrics.ece.toFixed(4)}; calibration ${conversion.metrics.calibration.method}`,
    );
    expect(fresh.overlapsTraining).toBe(false);
    expect(fresh.rows).toBeGreaterThan(1000);
    expect(fresh.metrics.rocAuc).toBeGreaterThanOrEqual(0.65);
    expect(fresh.metrics.ece).toBeLessThanOrEqual(0.05);
    expect(fresh.metrics.deciles[0]!.lift).toBeGreaterThan(1.5);
    expect(conversionGate.promoted).toBe(true);
  }, 180_000);

  it('contact: beats the segment × hour-of-week baseline on log loss, on validation and on the held-back window', async () => {
    contact = await trainContact(wh, windows);
    contactGate = await promoteIfBetter(wh, contact.version.version);
    const s = contact.metrics.summary;
    const fresh = contactGate.candidate;
    console.info(
      `contact ${contact.version.version}: validation log loss ${s.logLoss.toFixed(4)} vs baseline ${s.baselineLogLoss.toFixed(4)}, AUC ${s.rocAuc.toFixed(3)} vs ${s.baselineRocAuc.toFixed(3)}; ` +
        `gate window (${fresh.rows} attempts) log loss ${fresh.metrics.logLoss.toFixed(4)} vs ${fresh.baseline!.logLoss.toFixed(4)}, AUC ${fresh.metrics.rocAuc.toFixed(3)} vs ${fresh.baseline!.rocAuc.toFixed(3)}`,
    );
    expect(s.logLoss).toBeLessThan(s.baselineLogLoss);
    expect(fresh.metrics.logLoss).toBeLessThan(fresh.baseline!.logLoss);
    expect(fresh.metrics.rocAuc).toBeGreaterThan(0.6);
    expect(contactGate.promoted).toBe(true);
  }, 300_000);

  it('scores a snapshot: calibrated p_convert with reasons, 168 p_answer per customer, best hours inside the allowed hours', async () => {
    snapshot = await buildSnapshot(wh, { asOf: new Date(manifest.window.end), skipDrift: true });
    const conv = await scoreConversion(wh, { snapshotId: snapshot.snapshotId });
    expect(conv.version).toBe(conversion.version.version);
    expect(conv.rows).toBe(snapshot.rows);
    expect(conv.customerIds).toHaveLength(snapshot.rows);
    expect(conv.pConvert.every((p) => p > 0 && p < 1)).toBe(true);
    expect(conv.reasonPhrases(0)).toHaveLength(3);

    const weekdayEvenings = allowedHoursMask({ days: [0, 1, 2, 3, 4], fromHour: 17, toHour: 21 });
    const c = await scoreContact(wh, { snapshotId: snapshot.snapshotId, allowedHours: weekdayEvenings, bestHours: 3 });
    expect(c.rows).toBe(snapshot.rows);
    expect(c.pAnswer).toHaveLength(snapshot.rows * HOURS_PER_WEEK);
    expect(c.pAnswer.every((p) => p > 0 && p < 1)).toBe(true);
    for (let i = 0; i < 200; i++) {
      const best = Array.from(c.bestHours.subarray(i * 3, i * 3 + 3));
      const row = c.row(i);
      for (const h of best) expect(weekdayEvenings[h]).toBe(1);
      expect(row[best[0]!]!).toBeGreaterThanOrEqual(row[best[1]!]!);
      // nothing allowed beats the best allowed hour
      for (let h = 0; h < HOURS_PER_WEEK; h++) if (weekdayEvenings[h]) expect(row[h]!).toBeLessThanOrEqual(row[best[0]!]!);
    }
    // the curves have a shape: night hours are worse than the best hour for almost everyone
    let nightWorse = 0;
    for (let i = 0; i < c.rows; i++) if (c.row(i)[3]! < c.row(i)[c.bestHours[i * 3]!]!) nightWorse++;
    expect(nightWorse / c.rows).toBeGreaterThan(0.95);
  }, 120_000);

  it('the CLI trains, gates, lists and rolls back (dialwise train … --promote-if-better, models list|show|rollback)', async () => {
    await wh.close();
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
    // the real program, --data-dir after the subcommand as a user types it
    const run = async (command: 'train' | 'models', args: string[]) => {
      logs.length = 0;
      await buildProgram().parseAsync([command, ...args, '--data-dir', dir], { from: 'user' });
      return logs.join('\n');
    };
    try {
      const trained = JSON.parse(await run('train', ['conversion', '--promote-if-better', '--gate-days', '5', '--valid-days', '5', '--params', '{"max_depth":2}', '--json'])) as {
        version: { version: string; kind: string };
        gate: GateDecision;
      };
      expect(trained.version.kind).toBe('conversion');
      expect(typeof trained.gate.promoted).toBe('boolean');
      const list = JSON.parse(await run('models', ['list', '--json'])) as { versions: { version: string; aliases: string[] }[] };
      expect(list.versions.map((v) => v.version)).toContain(trained.version.version);
      const text = await run('models', ['show', 'champion', '--kind', 'contact']);
      expect(text).toContain('baseline (occupation × hour)');
      expect(text).toContain('gate decisions:');
      const listText = await run('models', ['list']);
      expect(listText.split('\n')[0]).toMatch(/^version\s+kind\s+aliases/);
      if (trained.gate.promoted) {
        const rolled = await run('models', ['rollback', '--kind', 'conversion']);
        expect(rolled).toContain(`rolled back from ${trained.version.version} to ${conversion.version.version}`);
      }
    } finally {
      spy.mockRestore();
      wh = await Warehouse.open(dir);
    }
  }, 180_000);
});
