import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT_FILE, MANIFEST_FILE, PUBLISHED_DIR } from '../../contracts/index.ts';
import { buildGraph, buildSnapshot, dropOldGraphRows, dropOldSnapshotRows } from '../../features/index.ts';
import {
  aliasVersion,
  dropOldSegmentRows,
  promoteIfBetter,
  scoreSnapshot,
  segmentCustomers,
  trainContact,
  trainConversion,
  type ContactScores,
  type ConversionScores,
  type GateDecision,
} from '../../models/index.ts';
import { bulkAppend, type Warehouse } from '../../warehouse/index.ts';
import { publishRun, verifyRun, writeFileAtomic } from '../publish/index.ts';
import { ingestOutcomeSegments } from './outcomes.ts';
import { newRunId, runPipeline, type RunnerEvents, type RunResult, type Step } from './runner.ts';
import { LEADS_SQL, SCORES_SQL, SEGMENTS_SQL } from './publish-sql.ts';

export interface NightlyOptions {
  dataDir: string;
  /** the night being run (default now); `--as-of` backfills a past night */
  asOf?: Date;
  /** days before as-of held back so the gate compares candidate and champion on fresh data */
  gateDays?: number;
  /** a fixed number of segments, or the range to choose from */
  k?: number | { min: number; max: number };
  seed?: number;
  /** value of one conversion, for expected value (default: mean conversion value in history, else 1) */
  valuePerConversion?: number;
  /**
   * Nights whose customer-level rows (feature snapshots, graph runs, segment runs) are kept;
   * older ones keep their statistics and summaries only. Default DEFAULT_KEEP_NIGHTS.
   */
  keepNights?: number;
  resumeRunId?: string;
  events?: RunnerEvents;
  /** test hook: called at the start of each step (a crash test kills the process here) */
  beforeStep?: (step: string) => void | Promise<void>;
}

interface NightlyContext {
  wh: Warehouse;
  options: NightlyOptions;
  asOf: Date;
  runId: string;
  snapshotId?: number;
  candidates: Record<string, string>;
  gates: GateDecision[];
}

const SCORE_TABLE = 'nightly_scores';
/** Customer-level rows of the latest 14 nights are kept (two weeks of snapshots to look back on). */
export const DEFAULT_KEEP_NIGHTS = 14;

function step(
  name: string,
  description: string,
  dependsOn: string[],
  run: (ctx: NightlyContext, progress: (label: string, rows?: number) => void) => Promise<{ rows?: number; detail?: Record<string, unknown> }>,
): Step<NightlyContext> {
  return {
    name,
    description,
    dependsOn,
    run: async (ctx, reporter) => {
      await ctx.options.beforeStep?.(name);
      return run(ctx, (label, rows) => reporter.progress(label, rows));
    },
  };
}

/** Snapshot id of the run's own snapshot, or the latest as of the run (after a resume). */
async function snapshotOf(ctx: NightlyContext): Promise<number> {
  if (ctx.snapshotId !== undefined) return ctx.snapshotId;
  const row = await ctx.wh.query<{ id: number }>(
    'SELECT snapshot_id AS id FROM feature_snapshots WHERE as_of = $1 ORDER BY snapshot_id DESC LIMIT 1',
    [ctx.asOf],
  );
  if (!row.length) throw new Error(`no feature snapshot as of ${ctx.asOf.toISOString()}; the features step must run first`);
  ctx.snapshotId = row[0]!.id;
  return ctx.snapshotId;
}

export const NIGHTLY_STEPS: Step<NightlyContext>[] = [
  step('ingest-outcomes', "load the dialer's closed outcome segments", [], async (ctx, progress) => {
    const r = await ingestOutcomeSegments(ctx.wh, ctx.options.dataDir, (file, i, n) => progress(`segment ${i}/${n} ${file}`));
    const loaded = r.reports.reduce((s, x) => s + x.rowsLoaded, 0);
    return { rows: loaded, detail: { segments: r.files, skipped: r.skipped, quarantined: r.reports.reduce((s, x) => s + x.rowsQuarantined, 0) } };
  }),
  step('features', 'point-in-time feature snapshot as of the night', ['ingest-outcomes'], async (ctx, progress) => {
    const s = await buildSnapshot(ctx.wh, { asOf: ctx.asOf, onProgress: (p) => progress(p.label, p.rows) });
    ctx.snapshotId = s.snapshotId;
    const alarms = s.drift?.features.filter((f) => f.alarm).map((f) => f.feature) ?? [];
    return { rows: s.rows, detail: { snapshotId: s.snapshotId, driftAlarms: alarms } };
  }),
  step('graph', 'households, shared numbers and do-not-call propagation', ['ingest-outcomes'], async (ctx) => {
    const g = await buildGraph(ctx.wh, { asOf: ctx.asOf });
    return { rows: g.customers, detail: { households: g.households, sharedNumbers: g.sharedNumbers, blockedNumbers: g.blockedNumbers } };
  }),
  step('segments', 'K-Means segments with stable ids', ['features'], async (ctx, progress) => {
    const s = await segmentCustomers(ctx.wh, {
      snapshotId: await snapshotOf(ctx),
      ...(ctx.options.k !== undefined ? { k: ctx.options.k } : {}),
      ...(ctx.options.seed !== undefined ? { seed: ctx.options.seed } : {}),
      onProgress: (p) => progress(p.label, p.rows),
    });
    return { rows: s.rows, detail: { version: s.version, k: s.k, names: s.names } };
  }),
  step('train-conversion', 'candidate conversion model (XGBoost)', ['features'], async (ctx, progress) => {
    const r = await trainConversion(ctx.wh, {
      asOf: ctx.asOf,
      gateDays: ctx.options.gateDays ?? 7,
      parentRun: ctx.runId,
      ...(ctx.options.seed !== undefined ? { seed: ctx.options.seed } : {}),
      boosterProgress: false,
      onProgress: (p) => progress(p.label, p.rows),
    });
    ctx.candidates.conversion = r.version.version;
    return { detail: { version: r.version.version } };
  }),
  step('train-contact', 'candidate best-time-to-call model (TensorFlow.js)', ['features', 'segments'], async (ctx, progress) => {
    const r = await trainContact(ctx.wh, {
      asOf: ctx.asOf,
      gateDays: ctx.options.gateDays ?? 7,
      parentRun: ctx.runId,
      ...(ctx.options.seed !== undefined ? { seed: ctx.options.seed } : {}),
      onProgress: (p) => progress(p.label, p.rows),
    });
    ctx.candidates.contact = r.version.version;
    return { detail: { version: r.version.version } };
  }),
  step('gate', 'promote candidates that beat the champions on a fresh window', ['train-conversion', 'train-contact'], async (ctx) => {
    const detail: Record<string, unknown> = {};
    for (const [kind, version] of Object.entries(await candidatesOf(ctx))) {
      const decision = await promoteIfBetter(ctx.wh, version);
      ctx.gates.push(decision);
      detail[kind] = { candidate: version, promoted: decision.promoted, reason: decision.reason };
    }
    return { detail };
  }),
  step('score', 'score every customer with the champions', ['gate', 'segments', 'graph'], async (ctx, progress) => {
    const snapshotId = await snapshotOf(ctx);
    progress('conversion and contact');
    // one read of the snapshot, both champions at once on every core (models/scoring)
    const scored = await scoreSnapshot(ctx.wh, { snapshotId, conversion: 'champion', contact: 'champion', reasons: 3, bestHours: 3 });
    const conv = scored.conversion;
    const contact = scored.contact;
    if (!conv?.customerIds || !contact?.customerIds) throw new Error('scores came back without customer ids');
    await writeScoreTables(ctx.wh, conv, contact);
    return { rows: conv.rows, detail: { conversion: conv.version, contact: contact.version } };
  }),
  step('publish', 'write the published run and switch CURRENT', ['score'], async (ctx) => {
    if (existsSync(join(ctx.options.dataDir, PUBLISHED_DIR, ctx.runId, MANIFEST_FILE))) {
      // An earlier attempt renamed this run's folder into place, then died before CURRENT or the
      // log said so. Its files are this run's own (the score tables may since hold another
      // run's), so finish that publish rather than refuse ("already published") forever.
      const done = verifyRun(ctx.options.dataDir, ctx.runId);
      writeFileAtomic(join(ctx.options.dataDir, PUBLISHED_DIR, CURRENT_FILE), `${ctx.runId}\n`);
      await ctx.wh.run('UPDATE pipeline_runs SET published = true WHERE run_id = $1', [ctx.runId]);
      return { rows: done.manifest.row_counts.scores, detail: { dir: done.dir, rowCounts: done.manifest.row_counts, finishedEarlierAttempt: true } };
    }
    const versions: Record<string, string> = {};
    for (const kind of ['conversion', 'contact']) {
      const v = await aliasVersion(ctx.wh, kind, 'champion');
      if (v) versions[kind] = v;
    }
    // the segments of this run's own snapshot, not whichever run was written last
    const snapshot = await snapshotOf(ctx);
    const segment = await ctx.wh.query<{ version: string }>(
      'SELECT version FROM segment_runs WHERE snapshot_id = $snapshot ORDER BY run_seq DESC LIMIT 1',
      { snapshot },
    );
    if (!segment[0]) throw new Error(`no segment run for snapshot ${snapshot}; the segments step must run first`);
    versions.segments = segment[0].version;
    const value = ctx.options.valuePerConversion ?? (await meanConversionValue(ctx.wh, ctx.asOf));
    const params = { value, versions: JSON.stringify(versions), segments: segment[0].version };
    const ref = await publishRun(ctx.wh, {
      dataDir: ctx.options.dataDir,
      runId: ctx.runId,
      asOf: ctx.asOf,
      modelVersions: versions,
      scoresSql: bindInline(SCORES_SQL, params),
      leadsSql: bindInline(LEADS_SQL, params),
      segmentsSql: bindInline(SEGMENTS_SQL, params),
    });
    await ctx.wh.run('UPDATE pipeline_runs SET published = true WHERE run_id = $1', [ctx.runId]);
    return { rows: ref.manifest.row_counts.scores, detail: { dir: ref.dir, rowCounts: ref.manifest.row_counts } };
  }),
  step('retention', "drop customer-level rows of nights past the retention window (summaries stay)", ['publish'], async (ctx) => {
    const keep = ctx.options.keepNights ?? DEFAULT_KEEP_NIGHTS;
    // housekeeping after the publish: a failure here is reported, and the next night tries
    // again, but it must not turn a published run into a failed one
    try {
      const snapshots = await dropOldSnapshotRows(ctx.wh, keep);
      const graphs = await dropOldGraphRows(ctx.wh, keep);
      const segments = await dropOldSegmentRows(ctx.wh, keep);
      if (snapshots.rows + graphs.rows + segments.rows > 0) await ctx.wh.run('CHECKPOINT');
      return {
        rows: snapshots.rows + graphs.rows + segments.rows,
        detail: { keep, snapshots: snapshots.runs, graphRuns: graphs.runs, segmentRuns: segments.versions },
      };
    } catch (e) {
      return { rows: 0, detail: { keep, warning: `retention stopped (each kind is dropped in its own transaction): ${(e as Error).message}` } };
    }
  }),
];

/**
 * The score step's output: `nightly_scores_conv` (customer_id, p_convert, reasons as JSON) and
 * `nightly_scores_contact` (customer_id, p_answer FLOAT[168], h1–h3), replaced, with bulk
 * typed-array appends. Publish reads them (publish-sql.ts).
 */
export async function writeScoreTables(wh: Warehouse, conv: ConversionScores, contact: ContactScores): Promise<void> {
  if (!conv.customerIds || !contact.customerIds) throw new Error('scores came back without customer ids');
  await wh.run(`CREATE OR REPLACE TABLE ${SCORE_TABLE}_conv (customer_id VARCHAR, p_convert DOUBLE, reasons VARCHAR)`);
  await bulkAppend(wh, `${SCORE_TABLE}_conv`, [
    { name: 'customer_id', kind: 'varchar', values: conv.customerIds },
    { name: 'p_convert', kind: 'double', values: conv.pConvert },
    { name: 'reasons', kind: 'varchar', values: Array.from({ length: conv.rows }, (_, i) => JSON.stringify(conv.reasonPhrases(i))) },
  ]);
  const best = contact.bestHoursPerRow;
  await wh.run(`CREATE OR REPLACE TABLE ${SCORE_TABLE}_contact (customer_id VARCHAR, p_answer FLOAT[168], h1 INTEGER, h2 INTEGER, h3 INTEGER)`);
  const hourColumn = (slot: number) => Int32Array.from({ length: contact.rows }, (_, i) => (slot < best ? contact.bestHours[i * best + slot]! : -1));
  await bulkAppend(wh, `${SCORE_TABLE}_contact`, [
    { name: 'customer_id', kind: 'varchar', values: contact.customerIds },
    { name: 'p_answer', kind: 'float_array', width: 168, values: contact.pAnswer },
    { name: 'h1', kind: 'integer', values: hourColumn(0) },
    { name: 'h2', kind: 'integer', values: hourColumn(1) },
    { name: 'h3', kind: 'integer', values: hourColumn(2) },
  ]);
}

/** The candidates of this run (after a resume, from the registry's parent-run record). */
async function candidatesOf(ctx: NightlyContext): Promise<Record<string, string>> {
  if (Object.keys(ctx.candidates).length === 2) return ctx.candidates;
  const rows = await ctx.wh.query<{ kind: string; version: string }>(
    'SELECT kind, version FROM model_versions WHERE parent_run = $1 ORDER BY created_at',
    [ctx.runId],
  );
  for (const r of rows) ctx.candidates[r.kind] = r.version;
  return ctx.candidates;
}

async function meanConversionValue(wh: Warehouse, asOf: Date): Promise<number> {
  const r = await wh.one<{ v: number | null }>(
    'SELECT avg(conversion_value) AS v FROM call_attempts WHERE converted AND conversion_value > 0 AND started_at < $1',
    [asOf],
  );
  return r.v && Number.isFinite(r.v) ? r.v : 1;
}

/**
 * COPY … TO cannot take bound parameters, so the values the publish queries need are rendered
 * here from values the program computed (a number, a JSON object of model version ids, a
 * segment version id), never from user text.
 */
function bindInline(sql: string, params: { value: number; versions: string; segments: string }): string {
  if (!Number.isFinite(params.value)) throw new Error('value per conversion must be a finite number');
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return sql
    .replaceAll('$value', String(params.value))
    .replaceAll('$versions', literal(params.versions))
    .replaceAll('$segments', literal(params.segments));
}

/** Runs (or resumes) the nightly pipeline: ingest → features → graph → segments → train → gate → score → publish → retention. */
export async function runNightly(wh: Warehouse, options: NightlyOptions): Promise<RunResult> {
  let asOf = options.asOf ?? new Date();
  let runId = options.resumeRunId;
  if (runId) {
    const run = await wh.query<{ as_of: Date }>('SELECT as_of FROM pipeline_runs WHERE run_id = $1', [runId]);
    if (run[0]) asOf = run[0].as_of;
  } else runId = newRunId('nightly', asOf);
  const ctx: NightlyContext = { wh, options, asOf, runId, candidates: {}, gates: [] };
  return runPipeline(wh, {
    kind: 'nightly',
    asOf,
    steps: NIGHTLY_STEPS,
    ctx,
    ...(options.events ? { events: options.events } : {}),
    ...(options.resumeRunId ? { resumeRunId: options.resumeRunId } : { runId }),
  });
}
