/**
 * Any warehouse table as a conversion dataset, for data scientists: one row per customer (or
 * contact) with an outcome column. Column types come from the table: numbers and booleans are
 * numeric inputs, text is categorical (XGBoost native categories, see common/encoding.ts),
 * dates and nested types are left out. Deny-listed names (talk_seconds, converted, …) and
 * columns that look like row identifiers are dropped, and every drop is reported.
 */
import type { FeatureMatrix } from '../../features/index.ts';
import { quoteIdent, type Warehouse } from '../../warehouse/index.ts';
import { isDenied, timeMs, type ColumnType } from '../common/index.ts';
import { TableModelError } from './errors.ts';

export interface TableSource {
  table: string;
  /** Outcome column: boolean, 0/1, or two text values (say which is positive with `positive`). */
  label: string;
  /** Columns never to use (e.g. `duration`, known only after the call). */
  exclude?: readonly string[];
  /** Timestamp column for an out-of-time split; without it the split is random. */
  timeColumn?: string | null;
  /** The label value meaning "converted" when the label is text or not 0/1. */
  positive?: string | null;
}

export interface TableColumnPlan {
  name: string;
  duckType: string;
  use: ColumnType | null;
  /** Why a column is not used. */
  dropped?: string;
}

export interface TableDataset {
  matrix: FeatureMatrix;
  rows: number;
  label: Float32Array;
  timeMs: Float64Array | null;
  types: Record<string, ColumnType>;
  columns: TableColumnPlan[];
  positive: string;
  /** Rows dropped because their label (or time) was null. */
  droppedRows: number;
}

const NUMERIC_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$/i;
const TEXT_TYPES = /^(VARCHAR|ENUM.*|CHAR.*|TEXT|STRING)$/i;
const TIME_TYPES = /^(DATE|TIME.*|TIMESTAMP.*)$/i;
const POSITIVE_WORDS = ['yes', 'y', 'true', 't', '1', 'converted', 'success', 'sale', 'positive'];

async function describe(wh: Warehouse, table: string): Promise<{ column_name: string; column_type: string }[]> {
  try {
    return await wh.query<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE ${quoteIdent(table)})`);
  } catch (cause) {
    throw new TableModelError(`cannot read table ${table}: ${(cause as Error).message}; import it into the warehouse first`, { cause });
  }
}

/** Decides, column by column, what the model will use (no data read beyond distinct counts). */
export async function planTable(wh: Warehouse, source: TableSource): Promise<TableColumnPlan[]> {
  const described = await describe(wh, source.table);
  const names = described.map((c) => c.column_name);
  for (const required of [source.label, ...(source.timeColumn ? [source.timeColumn] : [])]) {
    if (!names.includes(required)) {
      throw new TableModelError(`table ${source.table} has no column ${required} (it has ${names.join(', ')})`);
    }
  }
  const unknownExcludes = (source.exclude ?? []).filter((e) => !names.includes(e));
  if (unknownExcludes.length) {
    throw new TableModelError(`--exclude names columns ${unknownExcludes.join(', ')} that table ${source.table} does not have`);
  }
  const exclude = new Set(source.exclude ?? []);
  const { n } = await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(source.table)}`);
  const plan: TableColumnPlan[] = [];
  for (const c of described) {
    const p: TableColumnPlan = { name: c.column_name, duckType: c.column_type, use: null };
    if (c.column_name === source.label) p.dropped = 'label';
    else if (c.column_name === source.timeColumn) p.dropped = 'time column (used for the out-of-time split)';
    else if (exclude.has(c.column_name)) p.dropped = 'excluded (--exclude)';
    else if (isDenied(c.column_name)) p.dropped = 'on the post-call deny-list';
    else if (/^BOOLEAN$/i.test(c.column_type)) p.use = 'boolean';
    else if (NUMERIC_TYPES.test(c.column_type)) p.use = 'numeric';
    else if (TEXT_TYPES.test(c.column_type)) p.use = 'categorical';
    else if (TIME_TYPES.test(c.column_type)) p.dropped = `${c.column_type} column (pass it as --time-column, or derive a number from it)`;
    else p.dropped = `unsupported type ${c.column_type}`;
    plan.push(p);
  }
  // Text columns with a distinct value on (nearly) every row are identifiers, not categories.
  for (const p of plan) {
    if (p.use !== 'categorical' && p.use !== 'numeric') continue;
    const { d } = await wh.one<{ d: number }>(`SELECT count(DISTINCT ${quoteIdent(p.name)}) AS d FROM ${quoteIdent(source.table)}`);
    if (d <= 1) {
      p.use = null;
      p.dropped = 'constant';
    } else if (p.use === 'categorical' && n >= 50 && d > 0.5 * n) {
      p.use = null;
      p.dropped = `looks like an identifier (${d} distinct values in ${n} rows)`;
    }
  }
  if (!plan.some((p) => p.use !== null)) {
    throw new TableModelError(`table ${source.table} has no usable input columns after exclusions (${plan.map((p) => `${p.name}: ${p.dropped}`).join('; ')})`);
  }
  return plan;
}

/** Which label value is positive: `positive` if given, else true / 1 / yes-like. */
async function positiveValue(wh: Warehouse, source: TableSource, labelType: string): Promise<string> {
  if (source.positive !== undefined && source.positive !== null) return source.positive;
  if (/^BOOLEAN$/i.test(labelType)) return 'true';
  const values = await wh.query<{ v: string }>(
    `SELECT DISTINCT ${quoteIdent(source.label)}::VARCHAR AS v FROM ${quoteIdent(source.table)} WHERE ${quoteIdent(source.label)} IS NOT NULL ORDER BY 1 LIMIT 3`,
  );
  const distinct = values.map((r) => r.v);
  if (distinct.length !== 2) {
    throw new TableModelError(
      `label ${source.label} has ${distinct.length > 2 ? 'more than two' : distinct.length} distinct values (${distinct.join(', ')}${distinct.length > 2 ? ', …' : ''}); ` +
        'a conversion model needs a two-valued outcome — pass --positive <value> to say which value is a conversion',
    );
  }
  const yes = distinct.filter((v) => POSITIVE_WORDS.includes(v.trim().toLowerCase()));
  if (yes.length !== 1) {
    throw new TableModelError(`cannot tell which of ${distinct.join(' / ')} means converted; pass --positive <value>`);
  }
  return yes[0]!;
}

/** Reads the table's used columns into a FeatureMatrix, with labels (and times for an out-of-time split). */
export async function loadTableDataset(wh: Warehouse, source: TableSource, plan?: TableColumnPlan[]): Promise<TableDataset> {
  const columns = plan ?? (await planTable(wh, source));
  const described = await describe(wh, source.table);
  const labelType = described.find((c) => c.column_name === source.label)?.column_type ?? 'VARCHAR';
  const positive = await positiveValue(wh, source, labelType);
  return readTableRows(wh, source, columns, positive);
}

/**
 * Reads rows of the table for the given plan. `window` restricts rows by the time column
 * (used to evaluate a table model on a later window).
 */
export async function readTableRows(
  wh: Warehouse,
  source: TableSource,
  plan: readonly TableColumnPlan[],
  positive: string | null,
  window?: { from: Date; to: Date },
): Promise<TableDataset> {
  const used = plan.filter((p) => p.use !== null);
  const select = used.map((p) => {
    const q = quoteIdent(p.name);
    if (p.use === 'categorical') return `${q}::VARCHAR AS ${q}`;
    if (p.use === 'numeric') return `${q}::DOUBLE AS ${q}`;
    return q;
  });
  const label = quoteIdent(source.label);
  const time = source.timeColumn ? quoteIdent(source.timeColumn) : null;
  const filters = [`${label} IS NOT NULL`, ...(time ? [`${time} IS NOT NULL`] : [])];
  if (window && time) filters.push(`${time} >= $from AND ${time} < $to`);
  const table = quoteIdent(source.table);
  const sql = `SELECT ${[...select, `${label}::VARCHAR AS __label`, ...(time ? [`${time}::TIMESTAMPTZ AS __time`] : [])].join(', ')}
               FROM ${table} WHERE ${filters.join(' AND ')}${time ? ' ORDER BY __time' : ''}`;
  const cols = await wh.columns(sql, window && time ? { from: window.from, to: window.to } : undefined);
  const { total } = await wh.one<{ total: number }>(`SELECT count(*) AS total FROM ${table}`);
  const rows = (cols.__label ?? []).length;
  const numericCols = used.filter((p) => p.use !== 'categorical').map((p) => p.name);
  const categoricalCols = used.filter((p) => p.use === 'categorical').map((p) => p.name);
  const numeric = new Float32Array(rows * numericCols.length);
  numericCols.forEach((name, j) => {
    const values = cols[name] ?? [];
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      numeric[i * numericCols.length + j] = v === null || v === undefined ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
    }
  });
  const categorical: Record<string, (string | null)[]> = {};
  for (const name of categoricalCols) categorical[name] = (cols[name] ?? []).map((v) => (v === null || v === undefined ? null : String(v)));
  const labels = cols.__label ?? [];
  const y = new Float32Array(rows);
  const pos = positive?.toLowerCase() ?? null;
  for (let i = 0; i < rows; i++) y[i] = pos !== null && String(labels[i]).toLowerCase() === pos ? 1 : 0;
  const types: Record<string, ColumnType> = {};
  for (const p of used) types[p.name] = p.use as ColumnType;
  return {
    matrix: { rows, numericColumns: numericCols, numeric, categoricalColumns: categoricalCols, categorical, extra: {} },
    rows,
    label: y,
    timeMs: time ? Float64Array.from(cols.__time ?? [], timeMs) : null,
    types,
    columns: [...plan],
    positive: positive ?? '',
    droppedRows: window ? 0 : total - rows,
  };
}
