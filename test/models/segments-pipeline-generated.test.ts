import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { Command } from 'commander';
import { featuresCommand } from '../../cli/commands/features.ts';
import { segmentCommand } from '../../cli/commands/segment.ts';
import { buildSnapshot } from '../../features/index.ts';
import { latestSegments, segmentCustomers, segmentProfiles, shutdownWorkers, type SegmentRunResult } from '../../models/segments/index.ts';
import { ingestFile } from '../../pipelines/index.ts';
import { generate, type GenerateManifest } from '../../simulation/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

/** generate → ingest → snapshot → segments, on a small synthetic call centre. */
describe('segments of a generated call centre', () => {
  let dir: string;
  let cleanup: () => void;
  let manifest: GenerateManifest;
  let wh: Warehouse;
  let result: SegmentRunResult;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    const out = join(dir, 'generated');
    manifest = await generate({ customers: 800, days: 30, seed: 5, outDir: out, dirtyShare: 0, parquet: false, truth: false, endDate: '2024-06-10' });
    wh = await Warehouse.open(dir);
    for (const [file, kind] of [
      ['customers.csv', 'customers'],
      ['events.csv', 'events'],
      ['call_log.csv', 'call-attempts'],
    ] as const) {
      await ingestFile(wh, join(out, file), { kind, mapping: join(out, manifest.files[file]!.mapping!) });
    }
    await buildSnapshot(wh, { asOf: new Date(manifest.window.end), skipDrift: true });
    result = await segmentCustomers(wh);
  }, 120_000);
  afterAll(async () => {
    await wh?.close();
    await shutdownWorkers();
    cleanup?.();
  });

  it('chooses k in the default range and names every segment readably', async () => {
    expect(result.k).toBeGreaterThanOrEqual(3);
    expect(result.k).toBeLessThanOrEqual(8);
    expect(result.rows).toBe(manifest.counts.customers);
    const names = Object.values(result.names);
    expect(names).toHaveLength(result.k);
    expect(new Set(names).size).toBe(result.k);
    for (const name of names) {
      // words, not column names: no underscores, no "feature=value", capitalised, ≤ 3 parts
      expect(name).toMatch(/^[A-Z][A-Za-z0-9 +\-–]*( · [a-z0-9][A-Za-z0-9 +\-–]*){0,2}$/);
      expect(name).not.toMatch(/[_=]/);
    }
  });

  it('profiles cover every customer and every earlier call', async () => {
    const profiles = await segmentProfiles(wh);
    expect(profiles.reduce((s, p) => s + p.size, 0)).toBe(result.rows);
    const calls = await wh.one<{ n: number }>('SELECT count(*) AS n FROM call_attempts WHERE started_at < $t', { t: result.asOf });
    expect(profiles.reduce((s, p) => s + p.attempts, 0)).toBe(calls.n);
    for (const p of profiles) {
      expect(p.answerRate).toBeGreaterThan(0);
      expect(p.answerRate).toBeLessThan(1);
      expect(p.bestHours.length).toBeGreaterThan(0);
      for (const h of p.bestHours) expect(h >= 0 && h < 168).toBe(true);
    }
  });

  it('`dialwise features --as-of` and `dialwise segment` run on the warehouse file', async () => {
    await wh.close();
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    const run = async (...argv: string[]) => {
      const program = new Command('dialwise').option('--data-dir <dir>').exitOverride();
      program.addCommand(featuresCommand().exitOverride()).addCommand(segmentCommand().exitOverride());
      await program.parseAsync(['--data-dir', dir, ...argv], { from: 'user' });
    };
    try {
      await run('features', '--as-of', manifest.window.end, '--quiet');
      expect(lines.join('\n')).toMatch(/^snapshot 2 as of 2024-06-10T00:00:00.000Z: 800 customers/m);
      lines.length = 0;
      await run('segment', '--quiet', '--seed', '7');
      const text = lines.join('\n');
      expect(text).toMatch(/k  silhouette/);
      expect(text).toMatch(/← chosen/);
      expect(text).toContain(`ids matched to ${result.version}`);
      for (const name of Object.values(result.names)) expect(text).toContain(name);
      lines.length = 0;
      await run('segment', 'profiles');
      expect(lines.join('\n')).toMatch(/best local hours: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:00/);
    } finally {
      log.mockRestore();
      wh = await Warehouse.open(dir);
    }
    const latest = await latestSegments(wh);
    expect(latest?.snapshotId).toBe(2);
    expect(latest?.previousVersion).toBe(result.version);
  });
});
