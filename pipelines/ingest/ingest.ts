import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { defaultPhoneSalt, type IngestKind, type Mapping } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { IngestError, MappingError } from './errors.ts';
import { KIND_SPECS, type KindSpec } from './fields.ts';
import { CUSTOMER_CONTENT_COLUMNS } from './keys.ts';
import { loadMapping, resolveColumns } from './mapping.ts';
import type { IngestReport, ReasonCount } from './report.ts';
import { prepareText } from './text.ts';
import { describeSource } from './source.ts';
import { dropStaged, REJECT_TABLE, STAGE_TABLE, stageFile, type StagedFile } from './stage.ts';
import { buildTyped, PRESENT_TABLE, TYPED_TABLE, withoutInsertionOrder, type TypedColumns } from './transform.ts';
import { rememberNewPhones, PHONE_NEW } from './phones.ts';
import { ensureZoneTable } from './zones.ts';

export interface IngestProgress {
  file: string;
  step: number;
  steps: number;
  label: string;
  rows?: number;
}

export interface IngestOptions {
  kind: IngestKind;
  /** a mapping file path, or an already-parsed mapping */
  mapping?: string | Mapping;
  /** recorded as `source` on every row (default: mapping.source, else the file name) */
  source?: string;
  phoneSalt?: string;
  /** "now" for the not-in-the-future checks (tests pin it) */
  now?: Date;
  /** called between steps; an exception thrown here aborts the ingest and rolls it back */
  onProgress?: (p: IngestProgress) => void;
  /** the CSV reader's buffer in bytes (default 32 MB; tests use small ones to read a file in many buffers) */
  csvBufferBytes?: number;
}

const STEPS = ['read', 'validate', 'classify', 'load'] as const;
const CLASSIFIED = '__classified';
const DUPLICATES = '__duplicates';

/**
 * Ingests one file atomically: either every row is accounted for (loaded, updated,
 * quarantined or already present) and committed, or the warehouse is left exactly as it was
 * and the failure is recorded in `ingest_runs`.
 */
export async function ingestFile(wh: Warehouse, path: string, options: IngestOptions): Promise<IngestReport> {
  const started = new Date();
  const t0 = performance.now();
  const file = describeSource(path);
  const spec = KIND_SPECS[options.kind];
  const mapping = typeof options.mapping === 'object' ? options.mapping : loadMapping(options.mapping);
  const mappingName = typeof options.mapping === 'string' ? options.mapping : 'mapping';
  const source = options.source ?? mapping.source ?? basename(path);
  const runId = `ing_${started.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomUUID().slice(0, 8)}`;
  const progress = (step: number, rows?: number) =>
    options.onProgress?.({ file: path, step: step + 1, steps: STEPS.length, label: STEPS[step]!, rows });

  const sha = sha256File(path);
  try {
    const zones = await ensureZoneTable(wh);
    if (!zones.has(mapping.defaultTimezone)) {
      throw new MappingError(mappingName, `defaultTimezone: unknown IANA time zone "${mapping.defaultTimezone}"`);
    }
    // Reading, validating and classifying write temp tables only, so they run before the
    // transaction, which holds just the changes to the warehouse. Rows appended inside a
    // transaction get transaction-local rowids (a staged CSV's line numbers come from its
    // rowids), and DuckDB scans transaction-local tables less well (one thread for the insert).
    progress(0);
    const text = await prepareText(file, mapping);
    let staged: StagedFile;
    try {
      staged = await stageFile(wh, text.file, { csvBufferBytes: options.csvBufferBytes });
    } finally {
      text.cleanup();
    }
    const resolution = resolveColumns(spec, staged.columns, mapping, path, mappingName);
    progress(1, staged.parsed + staged.parseRejected);
    const typed = await buildTyped(wh, { spec, mapping, resolution, phoneSalt: options.phoneSalt ?? defaultPhoneSalt(), now: options.now ?? new Date() });
    progress(2);
    await classify(wh, typed);
    const result = await wh.transaction(async () => {
      progress(3);
      await rememberNewPhones(wh);
      const counts = await load(wh, spec, {
        runId,
        source,
        kind: options.kind,
        rawSql: staged.rawSql,
        rawParams: staged.rawParams,
        lineOffset: text.file.lineOffset,
      });
      const reasons = await wh.query<ReasonCount>(
        `SELECT field, regexp_replace(regexp_replace(reason, '''[^'']*''', '''…''', 'g'), 'got -?[0-9.e+]+', 'got …', 'g') AS reason,
                count(*) AS count
         FROM quarantine WHERE ingest_run_id = $run GROUP BY ALL ORDER BY count DESC, reason`,
        { run: runId },
      );
      const ignoredColumns = spec.keepExtraAs ? [] : resolution.extraColumns.map((i) => staged.columns[i]!);
      const seconds = (performance.now() - t0) / 1000;
      const rowsRead = staged.parsed + staged.parseRejected;
      const report: IngestReport = {
        runId,
        file: path,
        source,
        kind: options.kind,
        format: file.format,
        encoding: text.encoding,
        status: 'succeeded',
        rowsRead,
        ...counts,
        reasons,
        ignoredColumns,
        seconds,
        rowsPerSecond: rowsRead / Math.max(seconds, 1e-9),
      };
      const accounted = report.rowsLoaded + report.rowsUpdated + report.rowsQuarantined + report.rowsAlreadyPresent;
      if (accounted !== rowsRead) {
        throw new IngestError(path, `internal accounting error: ${rowsRead} rows read but ${accounted} accounted for; nothing was loaded`);
      }
      await recordRun(wh, report, started, await sha);
      return report;
    });
    await dropScratch(wh);
    return result;
  } catch (error) {
    await dropScratch(wh).catch(() => undefined);
    const message = (error as Error).message;
    await recordFailure(wh, { runId, kind: options.kind, source, started, sha: await sha.catch(() => null), message }).catch(() => undefined);
    if (error instanceof IngestError || error instanceof MappingError) throw error;
    throw new IngestError(path, message, { cause: error });
  }
}

/** SHA-256 of a file, streamed (call-log exports are gigabytes). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Decides each typed row's fate: invalid, duplicate in the file, already present, update, or
 * new. `__typed` already knows validity and existence; only keys seen twice among the valid
 * rows need a table (usually empty), so the fate is a view over `__typed`, not another copy.
 */
async function classify(wh: Warehouse, typed: TypedColumns): Promise<void> {
  // Grouping 10M string keys costs seconds; their 64-bit hashes, sorted, show the repeats for
  // less (10M keys: 2.2–2.4 CPU-s grouped, 1.3–1.4 sorted). Keys whose hash occurs twice (true
  // duplicates, or a rare collision) are then compared exactly.
  await withoutInsertionOrder(wh, () =>
    wh.run(`CREATE OR REPLACE TEMP TABLE ${DUPLICATES} AS
      WITH twice AS (SELECT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS prev FROM (SELECT hash(__key) AS h FROM ${TYPED_TABLE} WHERE __valid)) WHERE h = prev)
      SELECT __key, min(__line) AS __first_line FROM ${TYPED_TABLE}
      WHERE __valid AND hash(__key) IN (SELECT h FROM twice) GROUP BY __key HAVING count(*) > 1`),
  );
  // usually no key occurs twice: then the view need not join (every later step reads it)
  const { n } = await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${DUPLICATES}`);
  // nor, when no key is loaded already (a nightly file of new outcomes), the present keys
  const joinPresent = typed.present !== undefined && typed.present > 0;
  const exists = typed.present === undefined ? 't.__exists' : joinPresent ? 'p.__key IS NOT NULL' : 'false';
  await wh.run(`CREATE OR REPLACE TEMP VIEW ${CLASSIFIED} AS
    SELECT t.*, ${typed.constants.map((c) => c + ', ').join('')}${n ? 'd.__first_line' : 'NULL::BIGINT AS __first_line'},
      CASE WHEN NOT t.__valid THEN 'invalid'
           ${n ? `WHEN t.__line > d.__first_line THEN 'duplicate' -- an equality join only: another condition makes it a nested loop` : ''}
           WHEN NOT ${exists} THEN 'new'
           WHEN t.__same THEN 'present'
           ELSE 'update' END AS __state
    FROM ${TYPED_TABLE} t${n ? ` LEFT JOIN ${DUPLICATES} d ON d.__key = t.__key` : ''}${joinPresent ? ` LEFT JOIN ${PRESENT_TABLE} p ON p.__key = t.__key` : ''}`);
}

interface LoadContext {
  runId: string;
  source: string;
  kind: IngestKind;
  rawSql: string;
  rawParams: Record<string, unknown>;
  /** lines of the file before the staged text (a preamble, Excel's "sep=" line): staged line + offset = file line */
  lineOffset: number;
}

type LoadCounts = Pick<IngestReport, 'rowsLoaded' | 'rowsUpdated' | 'rowsQuarantined' | 'rowsAlreadyPresent'>;

async function load(wh: Warehouse, spec: KindSpec, ctx: LoadContext): Promise<LoadCounts> {
  const run = { run: ctx.runId, source: ctx.source };
  // every rejected record, with its raw text and reason; ones quarantined before stay once.
  // The (few) rejected lines are picked first, so the join to the staged text builds on them.
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE __rejected AS
     SELECT k.__line,
            CASE WHEN k.__state = 'duplicate'
                 THEN '${spec.key}: duplicate key ''' || k.__key || ''' (first at line ' || (k.__first_line + $offset) || ')'
                 ELSE k.__reason END AS reason
     FROM ${CLASSIFIED} k WHERE k.__state IN ('invalid', 'duplicate')`,
    { offset: ctx.lineOffset },
  );
  // with nothing rejected, DuckDB would still scan and probe every staged row
  const { rejected } = await wh.one<{ rejected: number }>('SELECT count(*) AS rejected FROM __rejected');
  const typedRejects = rejected
    ? `SELECT k.__line, k.reason, ${ctx.rawSql} AS raw FROM __rejected k JOIN ${STAGE_TABLE} s ON s.__line = k.__line UNION ALL `
    : '';
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE __q AS
     WITH rows AS (${typedRejects}SELECT __line, reason, raw FROM ${REJECT_TABLE})
     SELECT r.*, split_part(r.reason, ':', 1) AS field, md5(coalesce(r.raw, '')) AS raw_hash,
            EXISTS (SELECT 1 FROM quarantine q WHERE q.kind = $kind AND q.raw_hash = md5(coalesce(r.raw, '')) AND q.reason = r.reason) AS __seen
     FROM rows r`,
    { ...(ctx.rawParams as Record<string, never>), kind: ctx.kind },
  );
  await wh.run(
    `INSERT INTO quarantine (ingest_run_id, kind, source, line_number, field, reason, raw, raw_hash)
     SELECT $run, $kind, $source, __line + $offset, CASE WHEN reason LIKE 'the line%' THEN NULL ELSE field END, reason, raw, raw_hash
     FROM __q WHERE NOT __seen ORDER BY __line`,
    { ...run, kind: ctx.kind, offset: ctx.lineOffset },
  );
  const q = await wh.one<{ fresh: number; seen: number }>(
    `SELECT count(*) FILTER (WHERE NOT __seen) AS fresh, count(*) FILTER (WHERE __seen) AS seen FROM __q`,
  );
  await insertRows(wh, spec, run);
  const c = await wh.one<{ loaded: number; updated: number; present: number }>(
    `SELECT count(*) FILTER (WHERE __state = 'new') AS loaded, count(*) FILTER (WHERE __state = 'update') AS updated,
            count(*) FILTER (WHERE __state = 'present') AS present FROM ${CLASSIFIED}`,
  );
  await wh.run('DROP TABLE __q');
  await wh.run('DROP TABLE __rejected');
  return { rowsLoaded: c.loaded, rowsUpdated: c.updated, rowsQuarantined: q.fresh, rowsAlreadyPresent: c.present + q.seen };
}

async function insertRows(wh: Warehouse, spec: KindSpec, run: { run: string; source: string }): Promise<void> {
  switch (spec.kind) {
    case 'customers': {
      const cols = ['customer_id', ...CUSTOMER_CONTENT_COLUMNS];
      const select = cols.map((c) => (c === 'customer_id' ? '__key' : c));
      await wh.run(
        `INSERT INTO customers (${cols.join(', ')}, source, ingest_run_id)
         SELECT ${select.join(', ')}, $source, $run FROM ${CLASSIFIED} WHERE __state = 'new'`,
        run,
      );
      await wh.run(
        `UPDATE customers SET ${CUSTOMER_CONTENT_COLUMNS.map((c) => `${c} = k.${c}`).join(', ')}, source = $source, ingest_run_id = $run
         FROM ${CLASSIFIED} k WHERE k.__state = 'update' AND customers.customer_id = k.__key`,
        run,
      );
      // a DNC flag in the CRM is a consent record too, with when and where it came from
      await wh.run(
        `INSERT INTO consents (consent_id, customer_id, phone_hash, kind, effective_at, source, reason, ingest_run_id)
         SELECT md5('dnc|' || k.__key || '|' || coalesce(k.phone_hash, '')), k.__key, k.phone_hash, 'dnc',
                coalesce(k.updated_at, k.created_at, now()), $source, 'do-not-call flag in the customer file', $run
         FROM ${CLASSIFIED} k
         WHERE k.__state IN ('new', 'update') AND k.dnc
           AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.consent_id = md5('dnc|' || k.__key || '|' || coalesce(k.phone_hash, '')))`,
        run,
      );
      return;
    }
    case 'events':
      await wh.run(
        `INSERT INTO events (event_id, customer_id, ts, type, value, source, ingest_run_id)
         SELECT __key, customer_id, ts, type, value, $source, $run FROM ${CLASSIFIED} WHERE __state = 'new'`,
        run,
      );
      return;
    case 'call-attempts':
      await wh.run(
        `INSERT INTO call_attempts (attempt_id, campaign_id, customer_id, phone_hash, started_at, disposition, ring_seconds,
           talk_seconds, converted, conversion_value, opted_out, handled_by, transferred, arm, propensity, model_versions,
           source, ingest_run_id)
         SELECT __key, campaign_id, customer_id, __phone_hash, started_at, disposition, ring_seconds, talk_seconds, converted,
           conversion_value, opted_out, handled_by, transferred, arm, propensity, model_versions, coalesce(source, $source), $run
         FROM ${CLASSIFIED} WHERE __state = 'new'`,
        run,
      );
      await wh.run(
        `INSERT INTO campaigns (campaign_id, name, created_at)
         SELECT campaign_id, campaign_id, min(started_at) FROM ${CLASSIFIED}
         WHERE __state = 'new' AND campaign_id IS NOT NULL AND campaign_id NOT IN (SELECT campaign_id FROM campaigns)
         GROUP BY campaign_id`,
      );
      // an opt-out captured during a call takes effect from that call on
      await wh.run(
        `INSERT INTO consents (consent_id, customer_id, phone_hash, kind, effective_at, source, reason, ingest_run_id)
         SELECT md5('opt_out|' || __key), customer_id, __phone_hash, 'opt_out', started_at, $source,
                'opted out during call ' || __key, $run
         FROM ${CLASSIFIED} WHERE __state = 'new' AND opted_out`,
        run,
      );
      return;
  }
}

async function recordRun(wh: Warehouse, r: IngestReport, started: Date, sha: string): Promise<void> {
  await wh.run(
    `INSERT INTO ingest_runs (ingest_run_id, kind, source, file_sha256, started_at, finished_at, status, rows_read,
       rows_loaded, rows_updated, rows_quarantined, rows_already_present, report)
     VALUES ($run, $kind, $source, $sha, $started, now(), 'succeeded', $read, $loaded, $updated, $quarantined, $present, $report)`,
    {
      run: r.runId,
      kind: r.kind,
      source: r.source,
      sha,
      started,
      read: r.rowsRead,
      loaded: r.rowsLoaded,
      updated: r.rowsUpdated,
      quarantined: r.rowsQuarantined,
      present: r.rowsAlreadyPresent,
      report: JSON.stringify(r),
    },
  );
}

async function recordFailure(
  wh: Warehouse,
  f: { runId: string; kind: IngestKind; source: string; started: Date; sha: string | null; message: string },
): Promise<void> {
  await wh.run(
    `INSERT INTO ingest_runs (ingest_run_id, kind, source, file_sha256, started_at, finished_at, status, error)
     VALUES ($run, $kind, $source, $sha, $started, now(), 'failed', $error)`,
    { run: f.runId, kind: f.kind, source: f.source, sha: f.sha, started: f.started, error: f.message },
  );
}

async function dropScratch(wh: Warehouse): Promise<void> {
  await wh.run('RESET preserve_insertion_order');
  await wh.run(`DROP VIEW IF EXISTS ${CLASSIFIED}`);
  await dropStaged(wh);
  for (const t of [REJECT_TABLE, TYPED_TABLE, PRESENT_TABLE, DUPLICATES, '__rejected', '__q', '__phone_map', PHONE_NEW]) await wh.run(`DROP TABLE IF EXISTS ${t}`);
}
