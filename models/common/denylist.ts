/**
 * What a model may never see as an input. The outcome of the attempt being predicted, and
 * every field of it known only after the call, are labels; the identifiers and bookkeeping of
 * the attempt say nothing about the customer and would let a model memorise rows.
 */
import { POST_CALL_FIELDS } from '../../contracts/index.ts';
import { listFeatures, type FeatureDef } from '../../features/index.ts';
import { LeakageError } from './errors.ts';

/** Columns of the current attempt that are not known before it is dialled, or are its identity. */
export const CURRENT_ATTEMPT_FIELDS = [
  'attempt_id',
  'started_at',
  'as_of',
  'answered',
  'label',
  'arm',
  'propensity',
  'model_versions',
  'source',
  'ingest_run_id',
  'phone_hash',
  'customer_id',
  'local_how',
] as const;

/**
 * The deny-list: contracts' POST_CALL_FIELDS plus the current attempt's own columns. Matched by
 * name, case-insensitively. Note that the feature registry's `opted_out` (an opt-out known
 * before as-of) shares its name with the post-call field and is therefore excluded too.
 */
export const DENIED_FEATURES: readonly string[] = [...new Set([...POST_CALL_FIELDS, ...CURRENT_ATTEMPT_FIELDS])];

const denied = new Set(DENIED_FEATURES.map((n) => n.toLowerCase()));

export function isDenied(name: string): boolean {
  return denied.has(name.toLowerCase());
}

/** Registered features a call-outcome model may use: every registry feature not on the deny-list. */
export function modelFeatureDefs(): FeatureDef[] {
  return listFeatures().filter((d) => !isDenied(d.name));
}

/** Throws if any model input column is on the deny-list (or in `extraDenied`). */
export function assertNoLeakage(columns: readonly string[], extraDenied: readonly string[] = []): void {
  const extra = new Set(extraDenied.map((n) => n.toLowerCase()));
  const bad = columns.filter((c) => isDenied(c) || extra.has(c.toLowerCase()));
  if (bad.length > 0) {
    throw new LeakageError(
      `model inputs ${bad.join(', ')} are known only after the call (or identify the attempt); drop them (--exclude) — they are labels, not features`,
    );
  }
}
