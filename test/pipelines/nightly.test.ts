import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FILE, LEADS_FILE, MANIFEST_FILE, PUBLISHED_DIR, readCurrentRun, SCORES_FILE, SEGMENTS_FILE } from '../../contracts/index.ts';
import { ingestFile, NIGHTLY_STEPS, runNightly, type NightlyOptions, type RunResult } from '../../pipelines/index.ts';
import { verifyRun } from '../../pipelines/publish/index.ts';
import { dropOldGraphRows, dropOldSnapshotRows, readFeatureMatrix } from '../../features/index.ts';
import { dropOldSegmentRows, segmentAssignments } from '../../models/index.ts';
import { generate } from '../../simulation/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * The nightly run end to end on one small generated call centre (1,200 customers × 40 days,
 * history ending 2024-06-01): a full run, a failed step and its retry, SIGKILLs in the middle
 * (child processes), and a backfill of an earlier night (the failed run doubles as the backfill, to
 * save a full run). The tests share one data dir and run in order; each leaves the
 * warehouse closed so a child process or the CLI can open it.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const END = new Date('2024-06-01T00:00:00Z');
/** the failed-and-retried run is also the backfill of a night four days before the history ends */
const BACKFILL = new Date('2024-05-28T00:00:00Z');
const SETTINGS = { gateDays: 7, k: 3, seed: 7 } as const;
const STEP_NAMES = NIGHTLY_STEPS.map((s) => s.name);
/** per-test timeout of the tests that run the pipeline (a full run is several seconds of CPU) */
const HEAVY = 180_000;

interface RunRow {
  status: string;
  published: boolean;
  error: string | null;
  as_of: Date;
  finished_at: Date | null;
  summary: string | null;
}
interface StepRow {
  step: string;
  attempt: number;
  status: string;
  error: string | null;
  detail: string | null;
}

describe('nightly run', () => {
  let dir: string;
  let cleanup: () => void;
  let customers: number;
  /** run ids by role, filled in as the tests go */
  const runs: Record<string, string> = {};

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('dialwise-nightly-'));
    const gen = join(dir, 'generated');
    const manifest = await generate({ customers: 1200, days: 40, seed: 7, endDate: END, outDir: gen, dirtyShare: 0, parquet: false, truth: false });
    await withWarehouse(async (wh) => {
      for (const [file, kind] of [
        ['customers.csv', 'customers'],
        ['events.csv', 'events'],
        ['call_log.csv', 'call-attempts'],
      ] as const) {
        await ingestFile(wh, join(gen, file), { kind, mapping: join(gen, manifest.files[file]!.mapping!) });
      }
      customers = (await wh.one<{ n: number }>('SELECT count(*) AS n FROM customers')).n;
    });
    expect(customers).toBe(1200);
  }, HEAVY);
  afterAll(() => cleanup?.());

  async function withWarehouse<T>(fn: (wh: Warehouse) => Promise<T>): Promise<T> {
    const wh = await Warehouse.open(dir);
    try {
      return await fn(wh);
    } finally {
      await wh.close();
    }
  }

  const nightly = (options: Partial<NightlyOptions> = {}): Promise<RunResult> =>
    withWarehouse((wh) => runNightly(wh, { dataDir: dir, asOf: END, ...SETTINGS, ...options }));

  const current = () => readFileSync(join(dir, PUBLISHED_DIR, CURRENT_FILE), 'utf8').trim();
  const runRow = (wh: Warehouse, runId: string) =>
    wh.one<RunRow>('SELECT status, published, error, as_of, finished_at, summary::VARCHAR AS summary FROM pipeline_runs WHERE run_id = $1', [runId]);
  const stepRows = (wh: Warehouse, runId: string) =>
    wh.query<StepRow>('SELECT step, attempt, status, error, detail::VARCHAR AS detail FROM pipeline_steps WHERE run_id = $1 ORDER BY position, attempt', [
      runId,
    ]);
  /** step → statuses of its attempts, in attempt order */
  const attemptsOf = (rows: StepRow[]) => {
    const out: Record<string, string[]> = {};
    for (const r of rows) {
      expect(r.attempt).toBe((out[r.step] ?? []).length + 1);
      (out[r.step] ??= []).push(r.status);
    }
    return out;
  };
  const allRunIds = (wh: Warehouse) => wh.query<{ run_id: string }>('SELECT run_id FROM pipeline_runs').then((r) => r.map((x) => x.run_id));

  /** Runs the kill fixture; resolves once the child has died of SIGKILL (fails if it did not). */
  async function killedChild(killAt: string, resumeRunId?: string): Promise<void> {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'test/pipelines/fixtures/nightly-kill.child.ts'), dir, killAt, END.toISOString(), ...(resumeRunId ? [resumeRunId] : [])],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.once('close', (c, s) => res([c, s])));
    expect({ code, signal }, `the child was not killed; stderr: ${stderr}`).toEqual({ code: null, signal: 'SIGKILL' });
  }

  /** After a crash: CURRENT still names `expected`, whose files match their checksums. */
  function expectCurrentIntact(expected: string): void {
    expect(current()).toBe(expected);
    expect(verifyRun(dir).runId).toBe(expected);
  }

  it('a full run succeeds and publishes scores, leads and segments for every customer', async () => {
    const result = await nightly();
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.step, s.status])).toEqual(STEP_NAMES.map((s) => [s, 'succeeded']));
    runs.first = result.runId;

    expect(current()).toBe(result.runId);
    const ref = verifyRun(dir);
    expect(ref.runId).toBe(result.runId);
    expect(ref.manifest.as_of).toBe(END.toISOString());
    expect(Object.keys(ref.manifest.files).sort()).toEqual([LEADS_FILE, SCORES_FILE, SEGMENTS_FILE].sort());
    expect(Object.keys(ref.manifest.model_versions).sort()).toEqual(['contact', 'conversion', 'segments']);
    expect(ref.manifest.row_counts.scores).toBe(customers);
    expect(ref.manifest.row_counts.segments).toBe(SETTINGS.k);

    await withWarehouse(async (wh) => {
      const run = await runRow(wh, result.runId);
      expect(run).toMatchObject({ status: 'succeeded', published: true, error: null, as_of: END });
      expect(attemptsOf(await stepRows(wh, result.runId))).toEqual(Object.fromEntries(STEP_NAMES.map((s) => [s, ['succeeded']])));

      // the published versions are the registry's champions and this run's segmentation
      const champions = await wh.query<{ kind: string; version: string }>(
        `SELECT kind, version FROM model_versions WHERE parent_run = $1 ORDER BY kind`,
        [result.runId],
      );
      expect(champions.map((c) => c.kind)).toEqual(['contact', 'conversion']);
      for (const c of champions) expect(ref.manifest.model_versions[c.kind]).toBe(c.version); // the first candidates are promoted

      const scores = join(ref.dir, SCORES_FILE);
      const s = await wh.one<Record<string, number | boolean>>(
        `SELECT count(*) AS n, count(DISTINCT customer_id) AS ids,
                count(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM customers)) AS known,
                bool_and(p_convert > 0 AND p_convert < 1) AS p_convert_ok,
                bool_and(len(p_answer) = 168 AND list_min(p_answer) >= 0 AND list_max(p_answer) <= 1) AS p_answer_ok,
                bool_and(len(best_hours) BETWEEN 1 AND 3 AND list_min(best_hours) >= 0 AND list_max(best_hours) <= 167) AS best_hours_ok,
                bool_and(segment_name IS NOT NULL AND segment_name <> '' AND segment_id IS NOT NULL) AS segment_ok,
                bool_and(len(reasons) BETWEEN 1 AND 3) AS reasons_ok,
                bool_and(expected_value >= 0) AS ev_ok,
                count(DISTINCT model_versions::VARCHAR) AS version_sets,
                any_value(model_versions::VARCHAR) AS versions
         FROM read_parquet($1)`,
        [scores],
      );
      expect(s).toMatchObject({
        n: customers,
        ids: customers,
        known: customers,
        p_convert_ok: true,
        p_answer_ok: true,
        best_hours_ok: true,
        segment_ok: true,
        reasons_ok: true,
        ev_ok: true,
        version_sets: 1,
      });
      expect(JSON.parse(s.versions as unknown as string)).toEqual(ref.manifest.model_versions);
      // scores are not all the same number: the models learned something per customer
      const spread = await wh.one<{ p: number; h: number }>(
        'SELECT count(DISTINCT p_convert) AS p, count(DISTINCT best_hours[1]) AS h FROM read_parquet($1)',
        [scores],
      );
      expect(spread.p).toBeGreaterThan(10);
      expect(spread.h).toBeGreaterThan(1);

      const leads = join(ref.dir, LEADS_FILE);
      const l = await wh.one<Record<string, number | boolean>>(
        `SELECT count(*) AS n, count(DISTINCT l.customer_id) AS ids,
                bool_and(regexp_full_match(l.phone_e164, '\\+[1-9][0-9]{6,14}')) AS e164,
                bool_and(json_extract_string(l.variables, '$.customer_name') = c.name) AS named,
                count(*) FILTER (WHERE l.customer_id NOT IN (SELECT customer_id FROM read_parquet($2))) AS unscored
         FROM read_parquet($1) l JOIN customers c USING (customer_id)`,
        [leads, scores],
      );
      const withPhone = await wh.one<{ n: number }>('SELECT count(*) AS n FROM customers WHERE phone_e164 IS NOT NULL');
      expect(l).toEqual({ n: withPhone.n, ids: withPhone.n, e164: true, named: true, unscored: 0 });
      expect(withPhone.n).toBeGreaterThan(customers * 0.9);

      const seg = await wh.one<{ n: number; size: number }>('SELECT count(*) AS n, sum(size) AS size FROM read_parquet($1)', [join(ref.dir, SEGMENTS_FILE)]);
      expect(seg).toEqual({ n: SETTINGS.k, size: customers });
    });
  }, HEAVY);

  it('a failed step leaves CURRENT on the last good run; resume runs only the remaining steps and publishes', async () => {
    const seen: string[] = [];
    const failed = await nightly({
      asOf: BACKFILL,
      beforeStep: (step) => {
        seen.push(step);
        if (step === 'score') throw new Error('injected failure at score');
      },
    });
    runs.retried = failed.runId;
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('score: injected failure at score');
    const at = STEP_NAMES.indexOf('score');
    expect(seen).toEqual(STEP_NAMES.slice(0, at + 1));
    expect(failed.steps.map((s) => s.status)).toEqual(STEP_NAMES.map((_, i) => (i < at ? 'succeeded' : i === at ? 'failed' : 'skipped')));

    expectCurrentIntact(runs.first!);
    expect(existsSync(join(dir, PUBLISHED_DIR, failed.runId))).toBe(false);
    await withWarehouse(async (wh) => {
      const run = await runRow(wh, failed.runId);
      expect(run).toMatchObject({ status: 'failed', published: false, error: 'score: injected failure at score' });
      expect(run.finished_at).toBeInstanceOf(Date);
      // skipped steps are in the run's summary (pipeline_steps only has rows for attempts)
      expect((JSON.parse(run.summary!) as { step: string; status: string }[]).filter((s) => s.status === 'skipped').map((s) => s.step)).toEqual(['publish', 'retention']);
      const rows = await stepRows(wh, failed.runId);
      expect(rows.find((r) => r.step === 'score')).toMatchObject({ status: 'failed', error: 'injected failure at score' });
      expect(rows.map((r) => r.step)).toEqual(STEP_NAMES.slice(0, at + 1));
    });

    seen.length = 0;
    const resumed = await nightly({ resumeRunId: failed.runId, asOf: new Date('2030-01-01T00:00:00Z'), beforeStep: (step) => void seen.push(step) });
    expect(resumed.error).toBeUndefined();
    expect(resumed).toMatchObject({ runId: failed.runId, status: 'succeeded' });
    expect(seen).toEqual(['score', 'publish', 'retention']); // nothing before the failed step runs again
    expect(resumed.steps.slice(0, at).every((s) => s.status === 'succeeded' && s.detail?.resumed === 'already done')).toBe(true);

    expect(current()).toBe(failed.runId);
    const ref = verifyRun(dir);
    expect(ref.manifest.as_of).toBe(BACKFILL.toISOString()); // the run's own night, not the asOf passed to the resume
    await withWarehouse(async (wh) => {
      expect(await runRow(wh, failed.runId)).toMatchObject({ status: 'succeeded', published: true, error: null, as_of: BACKFILL });
      expect(attemptsOf(await stepRows(wh, failed.runId))).toEqual({
        ...Object.fromEntries(STEP_NAMES.slice(0, at).map((s) => [s, ['succeeded']])),
        score: ['failed', 'succeeded'],
        publish: ['succeeded'],
        retention: ['succeeded'],
      });
    });
  }, HEAVY);

  it('--as-of backfills an earlier night from data before it only', async () => {
    // the failed-and-resumed run of the test above, started with asOf: BACKFILL
    const asOf = BACKFILL;
    const runId = runs.retried!;
    expect(runId).toMatch(/^nightly-20240528T000000Z-/);

    const ref = verifyRun(dir, runId);
    expect(ref.manifest.as_of).toBe(asOf.toISOString());
    await withWarehouse(async (wh) => {
      expect(await runRow(wh, runId)).toMatchObject({ status: 'succeeded', as_of: asOf });
      const features = (await stepRows(wh, runId)).find((r) => r.step === 'features')!;
      const snapshotId = (JSON.parse(features.detail!) as { snapshotId: number }).snapshotId;
      const snapshot = await wh.one<{ as_of: Date; row_count: number }>('SELECT as_of, row_count FROM feature_snapshots WHERE snapshot_id = $1', [snapshotId]);
      expect(snapshot.as_of).toEqual(asOf);

      // customers created on or after the night are neither in the snapshot nor scored
      const before = await wh.one<{ n: number }>('SELECT count(*) AS n FROM customers WHERE created_at < $1', [asOf]);
      expect(before.n).toBeLessThan(customers); // the world has customers created in the last four days
      expect(snapshot.row_count).toBe(before.n);
      expect(ref.manifest.row_counts.scores).toBe(before.n);
      const late = await wh.one<{ n: number }>(
        'SELECT count(*) AS n FROM read_parquet($1) s JOIN customers c USING (customer_id) WHERE c.created_at >= $2',
        [join(ref.dir, SCORES_FILE), asOf],
      );
      expect(late.n).toBe(0);
      const lateLeads = await wh.one<{ n: number }>(
        'SELECT count(*) AS n FROM read_parquet($1) l JOIN customers c USING (customer_id) WHERE c.created_at >= $2',
        [join(ref.dir, LEADS_FILE), asOf],
      );
      expect(lateLeads.n).toBe(0);

      // the snapshot counts every attempt before the night and none after it
      const counted = await wh.one<{ n: number }>('SELECT sum(attempts_total) AS n FROM customer_features WHERE snapshot_id = $1', [snapshotId]);
      const history = await wh.one<{ before: number; after: number }>(
        `SELECT count(*) FILTER (WHERE started_at < $1) AS before, count(*) FILTER (WHERE started_at >= $1) AS after
         FROM call_attempts WHERE customer_id IN (SELECT customer_id FROM customer_features WHERE snapshot_id = $2)`,
        [asOf, snapshotId],
      );
      expect(history.after).toBeGreaterThan(0);
      expect(counted.n).toBe(history.before);

      // the candidates trained on data before the gate window, which ends at the night
      const models = await wh.query<{ kind: string; valid_to: Date; training_window: string }>(
        'SELECT kind, valid_to, training_window::VARCHAR AS training_window FROM model_versions WHERE parent_run = $1 ORDER BY kind',
        [runId],
      );
      expect(models.map((m) => m.kind)).toEqual(['contact', 'conversion']);
      for (const m of models) {
        const w = JSON.parse(m.training_window) as { asOf: string; gateTo: string };
        expect(w.asOf).toBe(asOf.toISOString());
        expect(w.gateTo).toBe(asOf.toISOString());
        expect(m.valid_to.getTime()).toBeLessThanOrEqual(asOf.getTime() - SETTINGS.gateDays * 86_400_000);
      }
      // the champions that scored the night (this run's candidates, or the first run's models if
      // they won the gate) had seen nothing from the night on: the first run's windows end at
      // END - gateDays, which is before BACKFILL
      for (const kind of ['conversion', 'contact']) {
        const used = await wh.one<{ valid_to: Date }>('SELECT valid_to FROM model_versions WHERE version = $1', [ref.manifest.model_versions[kind]!]);
        expect(used.valid_to.getTime()).toBeLessThanOrEqual(asOf.getTime());
      }
    });
  });

  describe('crash safety: SIGKILL in a child process mid-run', () => {
    const half = () => join(dir, PUBLISHED_DIR, `.tmp-${runs.killed!}`);

    it('killed as score starts (fresh run): CURRENT stays on the last complete run, the warehouse reopens, the run is left running', async () => {
      const good = runs.retried!;
      const before = await withWarehouse(allRunIds);
      await killedChild('score');
      expectCurrentIntact(good);
      // the warehouse reopens (DuckDB replays its WAL) with the killed run's log up to the kill
      const killed = await withWarehouse(async (wh) => {
        const fresh = (await allRunIds(wh)).filter((id) => !before.includes(id));
        expect(fresh).toHaveLength(1);
        const id = fresh[0]!;
        // nothing marks a killed run: it stays 'running' (and its step too) until it is resumed
        expect(await runRow(wh, id)).toMatchObject({ status: 'running', published: false, finished_at: null, as_of: END });
        expect(attemptsOf(await stepRows(wh, id))).toEqual({
          ...Object.fromEntries(STEP_NAMES.slice(0, STEP_NAMES.indexOf('score')).map((s) => [s, ['succeeded']])),
          score: ['running'],
        });
        // the steps committed before the kill are all there (the gate's candidates, for one)
        expect((await wh.query('SELECT 1 FROM model_versions WHERE parent_run = $1', [id])).length).toBe(2);
        return id;
      });
      runs.killed = killed;
      expect(existsSync(join(dir, PUBLISHED_DIR, killed))).toBe(false);
    }, HEAVY);

    it('killed as publish starts (the killed run resumed): CURRENT unchanged, the interrupted score attempt marked failed', async () => {
      const killed = runs.killed!;
      await killedChild('publish', killed);
      expectCurrentIntact(runs.retried!);
      expect(existsSync(join(dir, PUBLISHED_DIR, killed))).toBe(false);
      await withWarehouse(async (wh) => {
        expect(await runRow(wh, killed)).toMatchObject({ status: 'running', published: false });
        const rows = await stepRows(wh, killed);
        expect(rows.filter((r) => r.step === 'score').map((r) => [r.status, r.error])).toEqual([
          ['failed', 'interrupted: the process running this step ended before it finished'],
          ['succeeded', null],
        ]);
        expect(attemptsOf(rows).publish).toEqual(['running']);
      });
    }, HEAVY);

    it('killed inside publish, with scores.parquet written: only a hidden half-written folder, CURRENT unchanged', async () => {
      const killed = runs.killed!;
      await killedChild('publish:files', killed);
      expectCurrentIntact(runs.retried!);
      expect(readCurrentRun(dir).runId).toBe(runs.retried!); // what the dialer loads
      expect(existsSync(join(half(), SCORES_FILE))).toBe(true);
      expect(existsSync(join(half(), MANIFEST_FILE))).toBe(false);
      expect(existsSync(join(dir, PUBLISHED_DIR, killed))).toBe(false);
      await withWarehouse(async (wh) => {
        expect(await runRow(wh, killed)).toMatchObject({ status: 'running', published: false });
        expect(attemptsOf(await stepRows(wh, killed)).publish).toEqual(['failed', 'running']);
      });
    }, HEAVY);

    it('a new run after the crashes succeeds, switches CURRENT, removes the half-written folder and marks the killed run interrupted', async () => {
      const next = await nightly();
      expect(next.error).toBeUndefined();
      expect(next.status).toBe('succeeded');
      runs.afterCrash = next.runId;
      expectCurrentIntact(next.runId);
      expect(existsSync(half())).toBe(false);
      await withWarehouse(async (wh) => {
        expect(await runRow(wh, next.runId)).toMatchObject({ status: 'succeeded', published: true });
        // starting a run (only one process can write the warehouse) marks the killed one as
        // interrupted: failed, resumable, with its unfinished step attempt closed
        const killed = await runRow(wh, runs.killed!);
        expect(killed).toMatchObject({ status: 'failed', published: false });
        expect(killed.error).toBe(`interrupted: the process running it ended before it finished (resume with: dialwise nightly --resume ${runs.killed!})`);
        const publish = (await stepRows(wh, runs.killed!)).filter((r) => r.step === 'publish');
        expect(publish.map((r) => [r.status, r.error])).toEqual([
          ['failed', 'interrupted: the process running this step ended before it finished'],
          ['failed', 'interrupted: the process running this step ended before it finished'],
        ]);
      });
    }, HEAVY);
  });

  it('a publish that failed after its folder was in place can be retried', async () => {
    const killed = runs.killed!;
    // CURRENT.tmp as a directory makes the CURRENT switch fail after the run's folder is renamed into place
    const obstacle = join(dir, PUBLISHED_DIR, `${CURRENT_FILE}.tmp`);
    mkdirSync(obstacle);
    try {
      const failed = await nightly({ resumeRunId: killed });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/^publish: .*EISDIR/);
      expect(existsSync(join(dir, PUBLISHED_DIR, killed, MANIFEST_FILE))).toBe(true);
      expectCurrentIntact(runs.afterCrash!);
    } finally {
      rmdirSync(obstacle);
    }
    const retried = await nightly({ resumeRunId: killed });
    expect(retried.error).toBeUndefined();
    expect(retried.status).toBe('succeeded');
    expect(retried.steps.find((s) => s.step === 'publish')!.detail).toMatchObject({ finishedEarlierAttempt: true });
    expectCurrentIntact(killed);
    await withWarehouse(async (wh) => {
      expect(await runRow(wh, killed)).toMatchObject({ status: 'succeeded', published: true, error: null });
      expect(attemptsOf(await stepRows(wh, killed)).publish).toEqual(['failed', 'failed', 'failed', 'succeeded']);
    });
  }, HEAVY);

  it('`dialwise runs --json` lists every run with its step attempts', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/dialwise.js'), '--data-dir', dir, 'runs', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((res) => child.once('close', res));
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as { runs: { run_id: string; kind: string; status: string; published: boolean; steps: { step: string; attempt: number; status: string }[] }[] };
    const byId = new Map(out.runs.map((r) => [r.run_id, r]));
    expect(new Set(byId.keys())).toEqual(new Set(Object.values(runs)));
    for (const r of out.runs) {
      expect(r.kind).toBe('nightly');
      expect(r.status).toBe('succeeded');
      expect(r.published).toBe(true);
      expect([...new Set(r.steps.map((s) => s.step))]).toEqual(STEP_NAMES);
    }
    expect(byId.get(runs.retried!)!.steps.filter((s) => s.step === 'score').map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(readdirSync(join(dir, PUBLISHED_DIR)).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('retention keeps the customer rows of the latest nights only, summaries of all, and says so when an old one is read', async () => {
    await withWarehouse(async (wh) => {
      // every run so far kept everything (default 14 nights) and said so in its step detail
      const details = (await wh.query<{ detail: string }>("SELECT detail::VARCHAR AS detail FROM pipeline_steps WHERE step = 'retention' AND status = 'succeeded'"))
        .map((r) => JSON.parse(r.detail) as { keep: number; snapshots: number[] });
      expect(details.length).toBe(Object.keys(runs).length);
      expect(details.every((d) => d.keep === 14 && d.snapshots.length === 0)).toBe(true);
      const snapshots = (await wh.query<{ id: number }>('SELECT snapshot_id AS id FROM feature_snapshots ORDER BY snapshot_id')).map((r) => r.id);
      expect(snapshots.length).toBeGreaterThan(2);
      const segmentRuns = (await wh.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM segment_runs')).n;
      const rowsOf = new Map((await wh.query<{ id: number; n: number }>('SELECT snapshot_id AS id, row_count AS n FROM feature_snapshots')).map((r) => [r.id, r.n]));

      const dropped = await dropOldSnapshotRows(wh, 2);
      const graphs = await dropOldGraphRows(wh, 2);
      const segments = await dropOldSegmentRows(wh, 2);
      // kept: the two latest built and the two latest as of (here the same two)
      expect(dropped.runs).toEqual(snapshots.slice(0, -2));
      expect(dropped.rows).toBe(dropped.runs.reduce((sum, id) => sum + rowsOf.get(id)!, 0));
      expect(graphs.runs.length).toBeGreaterThan(0);
      expect(segments.versions).toHaveLength(segmentRuns - 2);
      const left = await wh.query<{ id: number; n: number }>('SELECT snapshot_id AS id, count(*)::INTEGER AS n FROM customer_features GROUP BY 1 ORDER BY 1');
      expect(left.map((r) => r.id)).toEqual(snapshots.slice(-2));
      expect((await wh.one<{ n: number }>('SELECT count(DISTINCT version)::INTEGER AS n FROM customer_segments')).n).toBe(2);
      expect((await wh.one<{ n: number }>('SELECT count(DISTINCT graph_run_id)::INTEGER AS n FROM customer_graph')).n).toBe(2);
      // summaries stay: statistics of every snapshot, profiles of every segment run
      const stats = await wh.one<{ n: number }>('SELECT count(DISTINCT snapshot_id)::INTEGER AS n FROM feature_stats');
      expect(stats.n).toBe(snapshots.length);
      expect((await wh.one<{ n: number }>('SELECT count(DISTINCT version)::INTEGER AS n FROM segment_profiles')).n).toBe(segmentRuns);
      // reading a dropped snapshot or segment run fails with a reason, not with zero rows
      await expect(readFeatureMatrix(wh, { snapshotId: snapshots[0]! })).rejects.toThrow(/dropped by retention/);
      await expect(segmentAssignments(wh, segments.versions[0]!)).rejects.toThrow(/dropped by retention/);
      expect((await readFeatureMatrix(wh, { snapshotId: snapshots.at(-1)! })).rows).toBe(customers);
      // a second pass has nothing left to do
      expect((await dropOldSnapshotRows(wh, 2)).runs).toEqual([]);
    });
    // and the next night still runs and publishes on what is left
    const next = await nightly({ asOf: new Date(END.getTime() + 86_400_000), keepNights: 2 });
    expect(next.error).toBeUndefined();
    expect(next.steps.find((s) => s.step === 'retention')!.detail).toMatchObject({ keep: 2, snapshots: [expect.any(Number)] });
    expectCurrentIntact(next.runId);
  }, HEAVY);
});
