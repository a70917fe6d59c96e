import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { PublishedRunError } from '../../contracts/published-run.ts';
import { LeadTable, LeadTableError, loadPublishedLeads } from '../../dialer/index.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Writes a published run with `n` leads (and `extraScores` score rows without a lead) via DuckDB. */
async function publish(dataDir: string, runId: string, n: number, opts: { extraScores?: number; badLength?: boolean } = {}) {
  const dir = join(dataDir, 'published', runId);
  mkdirSync(dir, { recursive: true });
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  const scores = n + (opts.extraScores ?? 0);
  const len = opts.badLength ? 24 : 168;
  // p_answer[h] = (i * 1000 + h) / 1e6 makes every value identifiable
  await c.run(`COPY (
      SELECT 'C' || lpad(i::VARCHAR, 4, '0') AS customer_id, (i % 10) / 10.0 AS p_convert,
             list_transform(range(${len}), h -> ((i * 1000 + h) / 1e6)::FLOAT)::FLOAT[] AS p_answer,
             [i % 168, (i + 1) % 168] AS best_hours, (i % 3)::INTEGER AS segment_id,
             CASE WHEN i % 3 = 2 THEN NULL ELSE 'seg' || (i % 3) END AS segment_name,
             (i % 10) / 100.0 AS expected_value, ['reason'] AS reasons, '{"conversion":"x1"}' AS model_versions
      FROM range(${scores}) t(i)) TO '${join(dir, 'scores.parquet')}' (FORMAT parquet)`);
  await c.run(`COPY (
      SELECT 'C' || lpad(i::VARCHAR, 4, '0') AS customer_id, '+4420794600' || lpad(i::VARCHAR, 2, '0') AS phone_e164,
             'hash' || i AS phone_hash, CASE WHEN i % 2 = 0 THEN 'Europe/London' ELSE 'America/New_York' END AS timezone,
             CASE WHEN i % 2 = 0 THEN 'GB' ELSE 'US' END AS country, 'Name ' || i AS name,
             i % 4 <> 1 AS consent, i % 5 = 4 AS dnc, CASE WHEN i = 3 THEN 'household DNC via C0002' END AS blocked_reason,
             '{"amount": ' || (i * 10) || '}' AS variables
      FROM range(${n}) t(i)) TO '${join(dir, 'leads.parquet')}' (FORMAT parquet)`);
  c.closeSync();
  inst.closeSync();
  const now = new Date().toISOString();
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      schema_version: 1,
      run_id: runId,
      as_of: now,
      created_at: now,
      model_versions: { conversion: 'xgb-7', contact: 'tfjs-3' },
      row_counts: { scores, leads: n },
      files: {},
    }),
  );
  writeFileSync(join(dataDir, 'published', 'CURRENT'), runId + '\n');
}

describe('loading the published run', () => {
  it('joins leads and scores into the lead table, p_answer hour-major', async () => {
    const { dir, cleanup } = tempDir('dialwise-published-');
    cleanups.push(cleanup);
    await publish(dir, 'run-1', 40, { extraScores: 3 });
    const { table, ref, unmatched } = await loadPublishedLeads(dir);
    expect(ref.runId).toBe('run-1');
    expect(unmatched).toEqual({ leadsWithoutScores: 0, scoresWithoutLeads: 3 });
    expect(table.size).toBe(40);
    expect(table.meta.modelVersions).toEqual({ conversion: 'xgb-7', contact: 'tfjs-3' });
    const i = table.indexOf('C0017');
    expect(i).toBeGreaterThanOrEqual(0);
    for (const h of [0, 1, 100, 167]) expect(table.pAnswerAt(i, h)).toBeCloseTo((17 * 1000 + h) / 1e6, 7);
    expect(table.columns.pAnswer[5 * table.size + i]).toBeCloseTo((17 * 1000 + 5) / 1e6, 7);
    expect(table.columns.pConvert[i]).toBeCloseTo(0.7, 6);
    expect(table.columns.segmentId[i]).toBe(2);
    expect(table.columns.segmentName[i]).toBeNull();
    expect(table.facts(i)).toEqual({
      customer_id: 'C0017',
      phone_hash: 'hash17',
      timezone: 'America/New_York',
      region: 'US',
      consent: false,
      dnc: false,
      blocked_by_household: null,
    });
    expect(table.facts(table.indexOf('C0003')).blocked_by_household).toEqual({ reason: 'household DNC via C0002' });
    expect(table.variablesOf(i)).toMatchObject({ amount: 170, customer_name: 'Name 17', customer_id: 'C0017' });
  });

  it('says what to do when there is no published run, and refuses malformed scores', async () => {
    const { dir, cleanup } = tempDir('dialwise-published-');
    cleanups.push(cleanup);
    await expect(loadPublishedLeads(dir)).rejects.toThrow(PublishedRunError);
    await expect(loadPublishedLeads(dir)).rejects.toThrow(/dialwise nightly/);
    await publish(dir, 'run-bad', 5, { badLength: true });
    await expect(loadPublishedLeads(dir)).rejects.toThrow(LeadTableError);
    await expect(loadPublishedLeads(dir)).rejects.toThrow(/p_answer that is not 168 values/);
  });
});

describe('LeadTable.fromRows', () => {
  it('joins lead and score rows in memory (rows without a partner left out), p_answer hour-major', () => {
    const lead = (id: string) => ({
      customer_id: id, phone_e164: '+442079460000', phone_hash: `h-${id}`, timezone: 'Europe/London', country: 'GB',
      name: id, consent: true, dnc: false, blocked_reason: null, variables: '{}',
    });
    const score = (id: string, k: number) => ({
      customer_id: id, p_convert: k / 10, p_answer: Array.from({ length: 168 }, (_, h) => (k * 1000 + h) / 1e6), best_hours: [],
      segment_id: k, segment_name: null, expected_value: 0, reasons: [], model_versions: { conversion: 'v9' },
    });
    const t = LeadTable.fromRows([lead('a'), lead('b'), lead('no-score')], [score('b', 2), score('a', 1), score('no-lead', 3)]);
    expect(t.size).toBe(2);
    expect(t.columns.customerId).toEqual(['a', 'b']);
    expect(t.pAnswerAt(1, 7)).toBeCloseTo(0.002007, 7);
    expect(t.columns.pAnswer[7 * 2 + 1]).toBeCloseTo(0.002007, 7);
    expect(t.meta.modelVersions).toEqual({ conversion: 'v9' });
    expect(() => LeadTable.fromRows([lead('a')], [{ ...score('a', 1), p_answer: [0.1] }])).toThrow(LeadTableError);
  });
});
