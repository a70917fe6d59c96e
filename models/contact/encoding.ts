/**
 * Customer features as the contact network reads them: numeric and boolean features
 * standardised with training means and deviations (missing → 0, the mean, plus a 0/1
 * "missing" input for columns that had missing values in training); categorical features
 * one-hot over their training levels (at most `maxLevels`, the rest share an "other" input).
 * The registry's categoricals (age band, occupation, region, income band) are low-cardinality,
 * so one-hot costs a few dozen inputs. The encoding is JSON stored with the model.
 */
import type { FeatureMatrix } from '../../features/index.ts';
import { TrainingError } from '../common/index.ts';
import { logit } from '../metrics/index.ts';
import { HOUR_OF_WEEK_BLOCKS, hourOfWeekFeature } from '../../features/index.ts';

export interface NetNumeric {
  name: string;
  mean: number;
  std: number;
  /** Whether a separate missing-indicator input follows this column. */
  missing: boolean;
}

export interface NetCategorical {
  name: string;
  levels: string[];
  /** Whether an "other / unseen / missing" input follows the levels. */
  other: boolean;
}

export interface NetEncoding {
  format: 'dialwise-net-encoding/1';
  numeric: NetNumeric[];
  categorical: NetCategorical[];
  width: number;
  /** Inputs in order, for reports. */
  inputs: string[];
  /** The 42 hour-of-week block features (customer's own smoothed answer rate per 4-hour block). */
  blockFeatures: string[];
}

const LOGIT_CACHE = 4096;

export function blockFeatureNames(): string[] {
  return Array.from({ length: HOUR_OF_WEEK_BLOCKS }, (_, b) => hourOfWeekFeature(b));
}

export function fitNetEncoding(m: FeatureMatrix, rows: ArrayLike<number>, options: { maxLevels?: number } = {}): NetEncoding {
  const maxLevels = options.maxLevels ?? 30;
  const width = m.numericColumns.length;
  const numeric: NetNumeric[] = m.numericColumns.map((name, j) => {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    let missing = 0;
    for (let k = 0; k < rows.length; k++) {
      const v = m.numeric[(rows[k] as number) * width + j] as number;
      if (Number.isNaN(v)) {
        missing++;
        continue;
      }
      n++;
      sum += v;
      sumSq += v * v;
    }
    const mean = n > 0 ? sum / n : 0;
    const variance = n > 1 ? Math.max(0, sumSq / n - mean * mean) : 0;
    const std = Math.sqrt(variance) > 1e-9 ? Math.sqrt(variance) : 1;
    return { name, mean, std, missing: missing > 0 };
  });
  const categorical: NetCategorical[] = m.categoricalColumns.map((name) => {
    const values = m.categorical[name] ?? [];
    const counts = new Map<string, number>();
    for (let k = 0; k < rows.length; k++) {
      const v = values[rows[k] as number];
      if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
    // always an "other" input: missing values, rare levels and levels first seen at scoring go there
    return { name, levels: sorted.slice(0, maxLevels), other: true };
  });
  const inputs: string[] = [];
  for (const c of numeric) {
    inputs.push(c.name);
    if (c.missing) inputs.push(`${c.name}:missing`);
  }
  for (const c of categorical) {
    for (const l of c.levels) inputs.push(`${c.name}=${l}`);
    if (c.other) inputs.push(`${c.name}=(other)`);
  }
  const blockFeatures = blockFeatureNames();
  for (const b of blockFeatures) {
    if (!m.numericColumns.includes(b)) throw new TrainingError(`the contact model needs the hour-of-week feature ${b}, which the input lacks`);
  }
  return { format: 'dialwise-net-encoding/1', numeric, categorical, width: inputs.length, inputs, blockFeatures };
}

/** Where each numeric network input is read (source column) and written, with its standardisation. */
export interface NumericLayout {
  numSrc: Int32Array;
  numOut: Int32Array;
  numMean: Float64Array;
  numInvStd: Float64Array;
  /** 1 where the input has a missing-flag column right after it */
  numMissing: Uint8Array;
  /** the first network column after the numeric inputs (where the categorical ones start) */
  end: number;
}

/** The numeric inputs' layout over source `columns`; `lacking` builds the error for a column the source lacks. */
export function numericLayout(enc: NetEncoding, columns: readonly string[], lacking: (name: string) => Error): NumericLayout {
  const index = new Map(columns.map((name, j) => [name, j]));
  const nq = enc.numeric.length;
  const layout: NumericLayout = {
    numSrc: new Int32Array(nq),
    numOut: new Int32Array(nq),
    numMean: new Float64Array(nq),
    numInvStd: new Float64Array(nq),
    numMissing: new Uint8Array(nq),
    end: 0,
  };
  let col = 0;
  enc.numeric.forEach((c, q) => {
    const j = index.get(c.name);
    if (j === undefined) throw lacking(c.name);
    layout.numSrc[q] = j;
    layout.numOut[q] = col;
    layout.numMean[q] = c.mean;
    layout.numInvStd[q] = 1 / c.std;
    layout.numMissing[q] = c.missing ? 1 : 0;
    col += c.missing ? 2 : 1;
  });
  layout.end = col;
  return layout;
}

/** rows × width network inputs (all rows of `m` when `rows` is omitted; positions [from, to) of them). */
export function encodeNet(enc: NetEncoding, m: FeatureMatrix, rows?: ArrayLike<number>, from = 0, to?: number): Float32Array {
  const n = (to ?? (rows ? rows.length : m.rows)) - from;
  const width = enc.width;
  const out = new Float32Array(n * width);
  const srcWidth = m.numericColumns.length;
  const { numSrc, numOut, numMean, numInvStd, numMissing, end } = numericLayout(
    enc,
    m.numericColumns,
    (name) => new TrainingError(`the contact model needs column ${name}, which the input lacks`),
  );
  let col = end;
  const cats = enc.categorical.map((c) => {
    const values = m.categorical[c.name];
    if (!values) throw new TrainingError(`the contact model needs categorical column ${c.name}, which the input lacks`);
    const at = col;
    col += c.levels.length + (c.other ? 1 : 0);
    return { values, level: new Map(c.levels.map((l, i) => [l, i])), at, other: c.other ? c.levels.length : -1 };
  });
  const nq = enc.numeric.length;
  for (let k = 0; k < n; k++) {
    const r = rows ? (rows[from + k] as number) : from + k;
    const inBase = r * srcWidth;
    const outBase = k * width;
    for (let q = 0; q < nq; q++) {
      const v = m.numeric[inBase + (numSrc[q] as number)] as number;
      const o = outBase + (numOut[q] as number);
      if (v !== v) {
        // NaN: the mean, plus the missing flag
        out[o] = 0;
        if (numMissing[q]) out[o + 1] = 1;
      } else out[o] = (v - (numMean[q] as number)) * (numInvStd[q] as number);
    }
    for (const c of cats) {
      const v = c.values[r];
      const i = v === null || v === undefined ? undefined : c.level.get(v);
      const at = i ?? c.other;
      if (at >= 0) out[outBase + c.at + at] = 1;
    }
  }
  return out;
}

/** rows × 42 log-odds of the customer's own smoothed answer rate per 4-hour block (the "own" input). */
export function encodeBlocks(enc: NetEncoding, m: FeatureMatrix, rows?: ArrayLike<number>, from = 0, to?: number): Float32Array {
  const n = (to ?? (rows ? rows.length : m.rows)) - from;
  const blocks = enc.blockFeatures.length;
  const out = new Float32Array(n * blocks);
  const srcWidth = m.numericColumns.length;
  const cols = Int32Array.from(enc.blockFeatures, (b) => m.numericColumns.indexOf(b));
  // Most customers have no calls in most blocks, so their rate is the shared prior: a small
  // direct-mapped cache keyed by the float's bits saves most of the logarithms.
  const bits = new Int32Array(m.numeric.buffer, m.numeric.byteOffset, m.numeric.length);
  const cacheKey = new Int32Array(LOGIT_CACHE).fill(0x7fc00001);
  const cacheVal = new Float32Array(LOGIT_CACHE);
  for (let k = 0; k < n; k++) {
    const r = rows ? (rows[from + k] as number) : from + k;
    const inBase = r * srcWidth;
    for (let b = 0; b < blocks; b++) {
      const at = inBase + (cols[b] as number);
      const key = bits[at] as number;
      const slot = (Math.imul(key, 0x9e3779b1) >>> 20) & (LOGIT_CACHE - 1);
      if (cacheKey[slot] === key) out[k * blocks + b] = cacheVal[slot] as number;
      else {
        const v = m.numeric[at] as number;
        const z = v !== v ? 0 : logit(v);
        cacheKey[slot] = key;
        cacheVal[slot] = z;
        out[k * blocks + b] = z;
      }
    }
  }
  return out;
}
