import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCurrentRun } from '../../contracts/index.ts';
import { publishRun, verifyRun } from '../../pipelines/publish/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const SCORES = `SELECT 'c' || i AS customer_id, 0.1::DOUBLE AS p_convert, [0.5::FLOAT for _ in range(168)]::FLOAT[168] AS p_answer,
  [10, 11]::INTEGER[] AS best_hours, 1 AS segment_id, 'seg' AS segment_name, 2.5::DOUBLE AS expected_value,
  ['balance high (+0.41)'] AS reasons, MAP {'conversion': 'v1'} AS model_versions FROM range($n) t(i)`;

describe('publish', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  async function publish(wh: Warehouse, dataDir: string, runId: string, n: number) {
    return publishRun(wh, {
      dataDir,
      runId,
      asOf: new Date('2024-06-01T00:00:00Z'),
      modelVersions: { conversion: 'v1' },
      scoresSql: SCORES.replace('$n', String(n)),
      leadsSql: `SELECT 'c1' AS customer_id, '+447400123456' AS phone_e164`,
      segmentsSql: `SELECT 1 AS segment_id, 'seg' AS segment_name, 10 AS size`,
    });
  }

  it('writes files, manifest with checksums, then switches CURRENT', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const wh = await Warehouse.open(':memory:');
    const ref = await publish(wh, dir, 'run-1', 50);
    expect(ref.manifest.row_counts).toEqual({ scores: 50, leads: 1, segments: 1 });
    expect(readCurrentRun(dir).runId).toBe('run-1');
    expect(verifyRun(dir).runId).toBe('run-1');
    await publish(wh, dir, 'run-2', 60);
    expect(readCurrentRun(dir).manifest.row_counts.scores).toBe(60);
    const p = await wh.one<{ n: number; w: number }>(`SELECT count(*) AS n, max(len(p_answer)) AS w FROM read_parquet($1)`, [join(dir, 'published/run-2/scores.parquet')]);
    expect(p).toEqual({ n: 60, w: 168 });
    await expect(publish(wh, dir, 'run-2', 1)).rejects.toThrow(/already published/);
    await wh.close();
  });

  it('a failed publish leaves CURRENT on the last complete run and cleans up its half-written folder next time', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const wh = await Warehouse.open(':memory:');
    await publish(wh, dir, 'good', 5);
    await expect(
      publishRun(wh, {
        dataDir: dir,
        runId: 'bad',
        asOf: new Date(),
        modelVersions: {},
        scoresSql: SCORES.replace('$n', '5'),
        leadsSql: 'SELECT * FROM no_such_table',
        segmentsSql: 'SELECT 1',
      }),
    ).rejects.toThrow();
    expect(readFileSync(join(dir, 'published/CURRENT'), 'utf8').trim()).toBe('good');
    expect(existsSync(join(dir, 'published/.tmp-bad'))).toBe(true);
    expect(existsSync(join(dir, 'published/bad'))).toBe(false);
    await publish(wh, dir, 'next', 5);
    expect(existsSync(join(dir, 'published/.tmp-bad'))).toBe(false);
    // a tampered file no longer matches its manifest
    writeFileSync(join(dir, 'published/next/leads.parquet'), 'garbage');
    expect(() => verifyRun(dir)).toThrow(/does not match its manifest/);
    mkdirSync(join(dir, 'published/empty'));
    expect(() => verifyRun(dir, 'empty')).toThrow(/no manifest\.json/);
    await wh.close();
  });
});
