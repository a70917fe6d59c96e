import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DialwiseError } from './errors.ts';

/**
 * The published-run contract (DESIGN.md): what the nightly run writes and the dialer reads.
 *
 *   <data-dir>/published/<run_id>/scores.parquet    one row per scored customer (ScoreRow)
 *   <data-dir>/published/<run_id>/leads.parquet     what the dialer needs to call (LeadRow)
 *   <data-dir>/published/<run_id>/segments.parquet  segment_id, segment_name, size, profile (JSON)
 *   <data-dir>/published/<run_id>/manifest.json     PublishedManifest
 *   <data-dir>/published/CURRENT                    the run id in force (written, fsynced, renamed)
 */
export const PUBLISHED_DIR = 'published';
export const CURRENT_FILE = 'CURRENT';
export const SCORES_FILE = 'scores.parquet';
export const LEADS_FILE = 'leads.parquet';
export const SEGMENTS_FILE = 'segments.parquet';
export const MANIFEST_FILE = 'manifest.json';
export const PUBLISHED_SCHEMA_VERSION = 1;
/** Local hours in a week, Monday 00:00 = 0 … Sunday 23:00 = 167, in the callee's own zone. */
export const HOURS_PER_WEEK = 168;

/** scores.parquet */
export interface ScoreRow {
  customer_id: string;
  /** calibrated probability of conversion when reached */
  p_convert: number;
  /** probability of an answer per local hour-of-week (FLOAT[168]) */
  p_answer: number[];
  /** best local hours-of-week inside the allowed calling hours, best first */
  best_hours: number[];
  segment_id: number | null;
  segment_name: string | null;
  /** value per conversion × p_convert × max p_answer (the ranking key without time) */
  expected_value: number;
  /** top contributions, e.g. "balance high (+0.41)" */
  reasons: string[];
  /** kind → model version used for this row */
  model_versions: Record<string, string>;
}

/** leads.parquet: what the dialer needs to place a call and fill a script. */
export interface LeadRow {
  customer_id: string;
  phone_e164: string;
  phone_hash: string;
  timezone: string;
  country: string | null;
  name: string | null;
  consent: boolean;
  dnc: boolean;
  /** set when the number is blocked through a shared-number (household) DNC or opt-out */
  blocked_reason: string | null;
  /** script variables (JSON object as text): customer_name, first_name, balance, … */
  variables: string;
}

export const PublishedManifestSchema = z.object({
  schema_version: z.literal(PUBLISHED_SCHEMA_VERSION),
  run_id: z.string().min(1),
  as_of: z.string().datetime({ offset: true }),
  created_at: z.string().datetime({ offset: true }),
  model_versions: z.record(z.string(), z.string()),
  row_counts: z.record(z.string(), z.number().int().nonnegative()),
  files: z.record(z.string(), z.object({ sha256: z.string().length(64), bytes: z.number().int().nonnegative() })),
});
export type PublishedManifest = z.infer<typeof PublishedManifestSchema>;

export class PublishedRunError extends DialwiseError {
  constructor(message: string) {
    super('PUBLISHED_RUN', message);
  }
}

export interface PublishedRunRef {
  runId: string;
  dir: string;
  manifest: PublishedManifest;
}

/** The run named by `published/CURRENT`, with its manifest validated. */
export function readCurrentRun(dataDir: string): PublishedRunRef {
  const root = join(dataDir, PUBLISHED_DIR);
  const currentPath = join(root, CURRENT_FILE);
  if (!existsSync(currentPath)) {
    throw new PublishedRunError(`no published run in ${root} (run \`dialwise nightly\` first)`);
  }
  const runId = readFileSync(currentPath, 'utf8').trim();
  return readRun(dataDir, runId);
}

export function readRun(dataDir: string, runId: string): PublishedRunRef {
  const dir = join(dataDir, PUBLISHED_DIR, runId);
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new PublishedRunError(`published run ${runId} has no ${MANIFEST_FILE} (${dir})`);
  const parsed = PublishedManifestSchema.safeParse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  if (!parsed.success) {
    throw new PublishedRunError(`${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { runId, dir, manifest: parsed.data };
}
