/**
 * How model inputs become the numeric matrix XGBoost reads.
 *
 * - numeric and boolean columns pass through (booleans as 0/1, null as NaN = missing);
 * - categorical columns use XGBoost's native categorical support (feature type 'c', hist
 *   trees): each level becomes an integer code, levels ordered by training frequency. Native
 *   splits partition the levels directly, so there is no one-hot blow-up for occupations or
 *   regions, high-cardinality columns of a campaign export stay one column, and SHAP gives one
 *   contribution per original column (readable reasons). Levels past the `maxCategories` most
 *   frequent share one "(other)" code; levels never seen in training map to "(other)" when it
 *   exists, else to missing.
 *
 * The encoding is JSON, stored beside the model, and is the model's schema at scoring time.
 */
import type { FeatureMatrix } from '../../features/index.ts';
import { TrainingError } from './errors.ts';

export type ColumnType = 'numeric' | 'boolean' | 'categorical';

export interface EncodedColumn {
  /** Column (feature) name as in the warehouse. */
  name: string;
  /** Name given to XGBoost (no whitespace or brackets). */
  modelName: string;
  type: ColumnType;
  /** categorical: level of each code (code = index). */
  categories?: string[];
  /** numeric: training quartiles, for readable reasons ("balance high"). */
  quartiles?: [number, number, number];
  description?: string;
}

export interface Encoding {
  format: 'dialwise-encoding/1';
  columns: EncodedColumn[];
  otherLevel: string;
}

export const OTHER_LEVEL = '(other)';
export const DEFAULT_MAX_CATEGORIES = 64;

/** A name XGBoost accepts: no whitespace, '[', ']' or '<'. */
export function modelSafeName(name: string): string {
  const safe = name.replace(/[\s[\]<]+/g, '_');
  return safe === '' ? '_' : safe;
}

export interface FitEncodingOptions {
  /** Type of each column; numeric columns default to 'numeric'. */
  types?: Readonly<Record<string, ColumnType>>;
  descriptions?: Readonly<Record<string, string>>;
  maxCategories?: number;
}

/** Fits the encoding on the given training rows of a FeatureMatrix. */
export function fitEncoding(m: FeatureMatrix, rows: ArrayLike<number>, options: FitEncodingOptions = {}): Encoding {
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const columns: EncodedColumn[] = [];
  const width = m.numericColumns.length;
  m.numericColumns.forEach((name, j) => {
    const type = options.types?.[name] === 'boolean' ? 'boolean' : 'numeric';
    const col: EncodedColumn = { name, modelName: modelSafeName(name), type };
    if (type === 'numeric') {
      const values: number[] = [];
      const step = Math.max(1, Math.floor(rows.length / 50_000));
      for (let k = 0; k < rows.length; k += step) {
        const v = m.numeric[(rows[k] as number) * width + j] as number;
        if (!Number.isNaN(v)) values.push(v);
      }
      values.sort((a, b) => a - b);
      if (values.length > 0) col.quartiles = [quantile(values, 0.25), quantile(values, 0.5), quantile(values, 0.75)];
    }
    const description = options.descriptions?.[name];
    if (description) col.description = description;
    columns.push(col);
  });
  for (const name of m.categoricalColumns) {
    const values = m.categorical[name] ?? [];
    const counts = new Map<string, number>();
    for (let k = 0; k < rows.length; k++) {
      const v = values[rows[k] as number];
      if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const levels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
    const categories = levels.length > maxCategories ? [...levels.slice(0, maxCategories - 1), OTHER_LEVEL] : levels;
    const col: EncodedColumn = { name, modelName: modelSafeName(name), type: 'categorical', categories };
    const description = options.descriptions?.[name];
    if (description) col.description = description;
    columns.push(col);
  }
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.modelName)) throw new TrainingError(`two columns become the model name ${c.modelName}; rename one of them`);
    names.add(c.modelName);
  }
  return { format: 'dialwise-encoding/1', columns, otherLevel: OTHER_LEVEL };
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function featureTypesOf(enc: Encoding): string[] {
  return enc.columns.map((c) => (c.type === 'categorical' ? 'c' : 'q'));
}

export function modelNamesOf(enc: Encoding): string[] {
  return enc.columns.map((c) => c.modelName);
}

/**
 * The model matrix (row-major Float32Array, rows × columns) for the given rows of `m` (all
 * rows when omitted). Columns are looked up by name, so `m` may hold more than the model uses.
 */
export function encodeMatrix(enc: Encoding, m: FeatureMatrix, rows?: ArrayLike<number>): Float32Array {
  const n = rows ? rows.length : m.rows;
  const ncol = enc.columns.length;
  const out = new Float32Array(n * ncol);
  const width = m.numericColumns.length;
  const numericIndex = new Map(m.numericColumns.map((name, j) => [name, j]));
  // per output column: the source numeric column, or the categorical values and their codes
  const src = new Int32Array(ncol).fill(-1);
  const catValues: ((string | null)[] | null)[] = [];
  const catCodes: (Map<string, number> | null)[] = [];
  const catOther = new Float32Array(ncol).fill(Number.NaN);
  enc.columns.forEach((c, j) => {
    if (c.type === 'categorical') {
      const values = m.categorical[c.name];
      if (!values) throw new TrainingError(`the model needs categorical column ${c.name}, which the input lacks`);
      const codes = new Map((c.categories ?? []).map((level, code) => [level, code]));
      catValues.push(values);
      catCodes.push(codes);
      catOther[j] = codes.get(OTHER_LEVEL) ?? Number.NaN;
    } else {
      const i = numericIndex.get(c.name);
      if (i === undefined) throw new TrainingError(`the model needs column ${c.name}, which the input lacks`);
      src[j] = i;
      catValues.push(null);
      catCodes.push(null);
    }
  });
  // row by row: the source is row-major, so this reads and writes memory in order
  for (let k = 0; k < n; k++) {
    const r = rows ? (rows[k] as number) : k;
    const inBase = r * width;
    const outBase = k * ncol;
    for (let j = 0; j < ncol; j++) {
      const s = src[j] as number;
      if (s >= 0) out[outBase + j] = m.numeric[inBase + s] as number;
      else {
        const v = catValues[j]![r];
        out[outBase + j] = v === null || v === undefined ? Number.NaN : (catCodes[j]!.get(v) ?? (catOther[j] as number));
      }
    }
  }
  return out;
}
