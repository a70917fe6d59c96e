/**
 * Training data for call-outcome models: one row per call attempt with its customer's
 * features as of the attempt's own start (features/ point-in-time builder), the label, the
 * dialer's arm and propensity (for inverse-propensity weights), and for the contact model the
 * attempt's local hour-of-week. Features come only from the feature registry minus the
 * deny-list; the spine's own columns (labels, ids) are carried beside them, never inside.
 */
import { buildTrainingRows, readFeatureMatrix, type FeatureMatrix, type OnProgress } from '../../features/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import { assertNoLeakage, modelFeatureDefs } from './denylist.ts';
import type { ColumnType } from './encoding.ts';
import { TrainingError } from './errors.ts';
import { timeMs } from './windows.ts';

/** Far enough back to mean "all history" in a bound TIMESTAMPTZ parameter. */
export const BEGINNING = new Date('1900-01-01T00:00:00Z');

export interface AttemptDataset {
  /** Features only (registry names minus the deny-list). */
  matrix: FeatureMatrix;
  rows: number;
  label: Float32Array;
  /** Attempt start, ms since the epoch. */
  timeMs: Float64Array;
  arm: unknown[];
  propensity: unknown[];
  customerId: string[];
  /** Local hour-of-week of the attempt (Monday 00:00 = 0), contact rows only. */
  localHow: Int16Array | null;
  types: Record<string, ColumnType>;
  descriptions: Record<string, string>;
}

export type AttemptLabel = 'converted' | 'answered';

const ROWS_TABLE = '__model_training_rows';

/**
 * The spine: attempts in [from, to). For `converted`, answered attempts only (conversion is
 * modelled given an answer); for `answered`, every attempt, with its local hour-of-week
 * computed in the customer's own zone.
 */
function spineSql(label: AttemptLabel): string {
  if (label === 'converted') {
    return `SELECT a.attempt_id, a.customer_id, a.started_at AS as_of, a.arm, a.propensity,
                   coalesce(a.converted, false) AS label
            FROM call_attempts a
            WHERE a.disposition = 'answered' AND a.started_at >= $from AND a.started_at < $to`;
  }
  return `SELECT a.attempt_id, a.customer_id, a.started_at AS as_of, a.arm, a.propensity,
                 a.disposition = 'answered' AS label,
                 ((isodow(timezone(coalesce(c.timezone, 'UTC'), a.started_at)) - 1) * 24
                   + hour(timezone(coalesce(c.timezone, 'UTC'), a.started_at)))::SMALLINT AS local_how
          FROM call_attempts a LEFT JOIN customers c ON c.customer_id = a.customer_id
          WHERE a.started_at >= $from AND a.started_at < $to`;
}

export async function loadAttemptDataset(
  wh: Warehouse,
  options: { label: AttemptLabel; from?: Date | null; to: Date; onProgress?: OnProgress },
): Promise<AttemptDataset> {
  const defs = modelFeatureDefs();
  const names = defs.map((d) => d.name);
  assertNoLeakage(names);
  const extra = ['customer_id', 'as_of', 'label', 'arm', 'propensity', ...(options.label === 'answered' ? ['local_how'] : [])];
  try {
    const built = await buildTrainingRows(wh, {
      spine: { sql: spineSql(options.label), params: { from: options.from ?? BEGINNING, to: options.to } },
      into: ROWS_TABLE,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    if (built.rows === 0) {
      return emptyDataset(defs.map((d) => [d.name, d.type]), options.label === 'answered');
    }
    const m = await readFeatureMatrix(wh, { table: ROWS_TABLE }, { features: names, extra });
    const matrix: FeatureMatrix = { ...m, extra: {} };
    const n = m.rows;
    const label = new Float32Array(n);
    const times = new Float64Array(n);
    const labels = m.extra.label ?? [];
    const asOf = m.extra.as_of ?? [];
    for (let i = 0; i < n; i++) {
      label[i] = labels[i] === true || labels[i] === 1 ? 1 : 0;
      times[i] = timeMs(asOf[i]);
    }
    let localHow: Int16Array | null = null;
    if (options.label === 'answered') {
      const how = m.extra.local_how ?? [];
      localHow = Int16Array.from(how, (v) => Number(v));
    }
    const types: Record<string, ColumnType> = {};
    const descriptions: Record<string, string> = {};
    for (const d of defs) {
      types[d.name] = d.type;
      descriptions[d.name] = d.description;
    }
    return {
      matrix,
      rows: n,
      label,
      timeMs: times,
      arm: m.extra.arm ?? [],
      propensity: m.extra.propensity ?? [],
      customerId: (m.extra.customer_id ?? []).map(String),
      localHow,
      types,
      descriptions,
    };
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${ROWS_TABLE}`).catch(() => undefined);
  }
}

function emptyDataset(types: [string, ColumnType][], contact: boolean): AttemptDataset {
  const numericColumns = types.filter(([, t]) => t !== 'categorical').map(([n]) => n);
  const categoricalColumns = types.filter(([, t]) => t === 'categorical').map(([n]) => n);
  return {
    matrix: {
      rows: 0,
      numericColumns,
      numeric: new Float32Array(0),
      categoricalColumns,
      categorical: Object.fromEntries(categoricalColumns.map((n) => [n, []])),
      extra: {},
    },
    rows: 0,
    label: new Float32Array(0),
    timeMs: new Float64Array(0),
    arm: [],
    propensity: [],
    customerId: [],
    localHow: contact ? new Int16Array(0) : null,
    types: Object.fromEntries(types),
    descriptions: {},
  };
}

/** Keeps only the given rows of a dataset (a new object; typed arrays copied). */
export function subsetDataset(d: AttemptDataset, rows: ArrayLike<number>): AttemptDataset {
  const idx = Array.from(rows as ArrayLike<number>);
  const width = d.matrix.numericColumns.length;
  const numeric = new Float32Array(idx.length * width);
  idx.forEach((r, k) => numeric.set(d.matrix.numeric.subarray(r * width, (r + 1) * width), k * width));
  const categorical: Record<string, (string | null)[]> = {};
  for (const c of d.matrix.categoricalColumns) categorical[c] = idx.map((r) => d.matrix.categorical[c]?.[r] ?? null);
  return {
    ...d,
    matrix: { ...d.matrix, rows: idx.length, numeric, categorical, extra: {} },
    rows: idx.length,
    label: Float32Array.from(idx, (r) => d.label[r] as number),
    timeMs: Float64Array.from(idx, (r) => d.timeMs[r] as number),
    arm: idx.map((r) => d.arm[r]),
    propensity: idx.map((r) => d.propensity[r]),
    customerId: idx.map((r) => d.customerId[r] as string),
    localHow: d.localHow ? Int16Array.from(idx, (r) => d.localHow![r] as number) : null,
  };
}

/** Newest attempt time in the warehouse (for the default as-of), or null when there is none. */
export async function newestAttempt(wh: Warehouse, answeredOnly: boolean): Promise<Date | null> {
  const row = await wh.one<{ t: Date | null }>(
    `SELECT max(started_at) AS t FROM call_attempts ${answeredOnly ? "WHERE disposition = 'answered'" : ''}`,
  );
  return row.t ?? null;
}

/** As-of default: one millisecond after the newest attempt, so every attempt is usable. */
export async function defaultAsOf(wh: Warehouse, answeredOnly: boolean): Promise<Date> {
  const newest = await newestAttempt(wh, answeredOnly);
  if (!newest) throw new TrainingError('call_attempts is empty; ingest a call log first (dialwise ingest … --kind call-attempts)');
  return new Date(newest.getTime() + 1);
}
