import { quoteIdent, type SqlParams, type Warehouse } from '../warehouse/index.ts';
import { createSpine, dropWorkTables, evaluateSpine, EVALUATION_STEPS, withFeatureLock } from './engine.ts';
import { FeatureBuildError, SpineError } from './errors.ts';
import type { OnProgress } from './progress.ts';
import { FEATURES, type FeatureDef } from './registry.ts';

/**
 * A spine: the (customer_id, as_of) rows to compute features for, each as of its own time,
 * plus any columns to carry along (attempt id, labels …). Either a SELECT or an existing
 * table. as_of is a TIMESTAMPTZ (a plain TIMESTAMP is read as UTC). Carried columns are
 * copied, never used as features.
 */
export type Spine = { sql: string; params?: SqlParams } | { table: string };

export interface BuildTrainingRowsOptions {
  spine: Spine;
  /** Name of the temp table to (re)create with the result (default `training_rows`). */
  into?: string;
  onProgress?: OnProgress;
}

export interface TrainingRows {
  /** Temp table (this connection) with the spine's columns then every feature, in spine order. */
  table: string;
  rows: number;
  spineColumns: string[];
  features: FeatureDef[];
}

const SPINE_SOURCE = '__spine_source';

/**
 * A spine of call attempts in [from, to): each attempt becomes one row, as of its own start,
 * carrying its id and its outcome (the labels: disposition, answered, converted, value …).
 * The outcome is a label on the row; the row's features only see earlier attempts.
 */
export function attemptSpine(range: { from: Date; to: Date }): Spine {
  return {
    sql: `SELECT attempt_id, customer_id, started_at AS as_of, campaign_id, arm, propensity,
                 disposition, disposition = 'answered' AS answered, coalesce(converted, false) AS converted,
                 conversion_value, talk_seconds
          FROM call_attempts
          WHERE started_at >= $from AND started_at < $to`,
    params: { from: range.from, to: range.to },
  };
}

/**
 * Feature rows for many (customer, time) pairs at once — one vector per spine row, each as of
 * its own as_of — with the same SQL as snapshots (set-based, no per-row query loop). Row i
 * equals what buildSnapshot(as_of_i) computes for that customer. Result rows are ordered by
 * (as_of, customer_id).
 */
export async function buildTrainingRows(wh: Warehouse, options: BuildTrainingRowsOptions): Promise<TrainingRows> {
  const into = options.into ?? 'training_rows';
  const report = options.onProgress ?? (() => undefined);
  const steps = 1 + EVALUATION_STEPS + 1;
  let step = 0;
  return withFeatureLock(wh, async () => {
    try {
      report({ step: ++step, steps, label: 'spine' });
      const source = 'sql' in options.spine ? `(${options.spine.sql})` : quoteIdent(options.spine.table);
      const params = 'sql' in options.spine ? options.spine.params : undefined;
      const described = await wh
        .query<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${source} AS spine LIMIT 0)`, params)
        .catch((cause: unknown) => {
          throw new SpineError(`cannot read the spine: ${(cause as Error).message}`, { cause });
        });
      const spineColumns = described.map((c) => c.column_name);
      checkSpineColumns(spineColumns);

      await wh.run(
        `CREATE OR REPLACE TEMP TABLE ${SPINE_SOURCE} AS
         SELECT row_number() OVER (ORDER BY as_of::TIMESTAMPTZ, customer_id) AS __spine_id, *
         FROM ${source} AS spine`,
        params,
      );
      const bad = await wh.one<{ n: number }>(
        `SELECT count(*) AS n FROM ${SPINE_SOURCE} WHERE customer_id IS NULL OR as_of IS NULL`,
      );
      if (bad.n > 0) throw new SpineError(`${bad.n} spine rows have no customer_id or as_of; filter them out of the spine`);
      const rows = await createSpine(wh, `SELECT __spine_id AS spine_id, customer_id, as_of FROM ${SPINE_SOURCE}`);

      const select = await evaluateSpine(wh, (label) => report({ step: ++step, steps, label, rows }));
      report({ step: ++step, steps, label: `write ${into}`, rows });
      const featureColumns = FEATURES.map((d) => `f.${quoteIdent(d.name)}`).join(', ');
      await wh.run(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
         SELECT src.* EXCLUDE (__spine_id), ${featureColumns}
         FROM ${SPINE_SOURCE} src JOIN (${select}) f ON f.spine_id = src.__spine_id
         ORDER BY src.__spine_id`,
      );
      return { table: into, rows, spineColumns, features: FEATURES.map((d) => ({ ...d })) };
    } catch (error) {
      if (error instanceof Error && 'code' in error) throw error;
      throw new FeatureBuildError(`training rows failed: ${(error as Error).message}`, { cause: error });
    } finally {
      await dropWorkTables(wh, [SPINE_SOURCE]);
    }
  });
}

function checkSpineColumns(columns: readonly string[]): void {
  for (const required of ['customer_id', 'as_of']) {
    if (!columns.includes(required)) {
      throw new SpineError(
        `the spine has no ${required} column (it has ${columns.join(', ')}); select e.g. \`started_at AS as_of\``,
      );
    }
  }
  const clash = columns.filter((c) => c === '__spine_id' || FEATURES.some((d) => d.name === c));
  if (clash.length) {
    throw new SpineError(`spine columns ${clash.join(', ')} clash with feature names; rename them in the spine`);
  }
}
