import { quoteIdent, type Warehouse } from '../warehouse/index.ts';
import { FeatureDefinitionError, SnapshotNotFoundError } from './errors.ts';
import { FEATURES, featureByName, type FeatureDef } from './registry.ts';

/**
 * Feature rows as models want them: numeric and boolean features in one row-major
 * Float32Array (NaN = null, true/false = 1/0), categorical features as string columns for
 * the model to encode, and any carried columns (ids, labels) as they came.
 */
export interface FeatureMatrix {
  rows: number;
  numericColumns: string[];
  /** rows × numericColumns.length, row-major. */
  numeric: Float32Array;
  categoricalColumns: string[];
  categorical: Record<string, (string | null)[]>;
  extra: Record<string, unknown[]>;
}

/** Turns column-wise results (e.g. `wh.columns(...)`) into a FeatureMatrix. */
export function toFeatureMatrix(
  columns: Readonly<Record<string, readonly unknown[]>>,
  options: { features?: readonly FeatureDef[]; extra?: readonly string[]; shared?: boolean } = {},
): FeatureMatrix {
  const features = options.features ?? FEATURES.filter((d) => d.name in columns);
  const numericDefs = features.filter((d) => d.type !== 'categorical');
  const categoricalDefs = features.filter((d) => d.type === 'categorical');
  for (const d of features) {
    if (!(d.name in columns)) throw new FeatureDefinitionError(`feature column ${d.name} is missing from the result`);
  }
  const first = features[0] ?? null;
  const rows = first ? (columns[first.name]?.length ?? 0) : (Object.values(columns)[0]?.length ?? 0);
  const width = numericDefs.length;
  const bytes = rows * width * 4;
  const numeric = new Float32Array(options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  numericDefs.forEach((d, j) => {
    const values = columns[d.name]!;
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      numeric[i * width + j] =
        v === null || v === undefined ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
    }
  });
  const categorical: Record<string, (string | null)[]> = {};
  for (const d of categoricalDefs) {
    categorical[d.name] = columns[d.name]!.map((v) => (v === null || v === undefined ? null : String(v)));
  }
  const extra: Record<string, unknown[]> = {};
  for (const name of options.extra ?? []) {
    const values = columns[name];
    if (!values) throw new FeatureDefinitionError(`column ${name} is missing from the result`);
    extra[name] = [...values];
  }
  return {
    rows,
    numericColumns: numericDefs.map((d) => d.name),
    numeric,
    categoricalColumns: categoricalDefs.map((d) => d.name),
    categorical,
    extra,
  };
}

/**
 * Reads a training-rows table or a stored snapshot as a FeatureMatrix. `features` narrows the
 * feature columns (registry names); `extra` names carried columns to return alongside
 * (a snapshot carries customer_id, returned by default). `shared` puts the numeric matrix in
 * a SharedArrayBuffer, for worker threads to read without a copy (models/scoring).
 */
export async function readFeatureMatrix(
  wh: Warehouse,
  source: { table: string } | { snapshotId: number },
  options: { features?: readonly string[]; extra?: readonly string[]; shared?: boolean } = {},
): Promise<FeatureMatrix> {
  const features = (options.features ?? FEATURES.map((d) => d.name)).map((name) => {
    const d = featureByName(name);
    if (!d) throw new FeatureDefinitionError(`${name} is not a registered feature (see listFeatures())`);
    return d;
  });
  const extra = options.extra ?? ('snapshotId' in source ? ['customer_id'] : []);
  const select = [...extra, ...features.map((d) => d.name)].map(quoteIdent).join(', ');
  if ('snapshotId' in source) await assertSnapshotRows(wh, source.snapshotId);
  const columns =
    'snapshotId' in source
      ? await wh.columns(`SELECT ${select} FROM customer_features WHERE snapshot_id = $id ORDER BY customer_id`, {
          id: source.snapshotId,
        })
      : await wh.columns(`SELECT ${select} FROM ${quoteIdent(source.table)}`);
  return toFeatureMatrix(columns, { features, extra, ...(options.shared ? { shared: true } : {}) });
}

/** A snapshot's customer rows are there to read: it exists and retention has not dropped them. */
async function assertSnapshotRows(wh: Warehouse, snapshotId: number): Promise<void> {
  const rows = await wh.query<{ dropped: Date | null }>('SELECT rows_dropped_at AS dropped FROM feature_snapshots WHERE snapshot_id = $id', {
    id: snapshotId,
  });
  if (!rows[0]) throw new SnapshotNotFoundError(`no feature snapshot ${snapshotId}; list them with listSnapshots() or build one`);
  if (rows[0].dropped) {
    throw new SnapshotNotFoundError(
      `feature snapshot ${snapshotId}'s customer rows were dropped by retention on ${rows[0].dropped.toISOString()} (its statistics remain); build a snapshot as of the time you need with \`dialwise features --as-of <time>\``,
    );
  }
}
