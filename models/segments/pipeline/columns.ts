/**
 * Which snapshot features segments are built from, and how each becomes model columns.
 *
 * Inputs are registry features (features/registry.ts) or one of four derived "daypart" tilts
 * computed from the 42 hour-of-week blocks. Encodings:
 *   numeric / boolean  one column (true = 1); money amounts through a signed log1p, because
 *                      balances are heavy-tailed and K-Means would otherwise split off the
 *                      few richest customers instead of describing everybody;
 *   ordinal            ordered categories (age band, income band) → their rank;
 *   onehot             other categories → one 0/1 column per category, each weighted
 *                      1/√L (L categories) after standardisation, so that the whole
 *                      categorical carries the same total variance as one numeric feature;
 *   daypart            the customer's mean answer rate in a daypart minus their mean over the
 *                      four dayparts: *when* they answer, apart from *how much*.
 * Missing values are imputed with the column mean by the scaler (a missing one-hot is all 0).
 */
import { createHash } from 'node:crypto';
import { featureByName, hourOfWeekFeature, type FeatureDef, type FeatureMatrix as SnapshotMatrix } from '../../../features/index.ts';
import { SegmentFeatureError } from './errors.ts';

export type Encoding = 'numeric' | 'boolean' | 'ordinal' | 'onehot' | 'daypart';

/** One column of the model matrix. Stored in segment_runs.features (JSON), in order. */
export interface SegmentColumn {
  /** Column name: the input's name, or `<input>=<category>` for one-hot columns. */
  name: string;
  /** The input feature it comes from. */
  source: string;
  encoding: Encoding;
  transform: 'none' | 'signed_log1p';
  /** Multiplier after standardisation (distances weigh the column by weight²). */
  weight: number;
  /** onehot: the category this column is 1 for. */
  category?: string;
  /** ordinal: the levels in order (rank 0 first). */
  levels?: string[];
}

/**
 * The default inputs: who the customer is, when and how readily they answer, and how they
 * behave. Left out on purpose: ids; region (where, not who, and it mostly restates the time
 * zone, which local-time features already remove); consent and opt-out flags (compliance
 * state, not a trait); raw attempt counts and days-since-attempt (they describe our dialing
 * policy, not the customer); conversion history (an outcome, reported in the profiles
 * instead); the 42 raw hour-of-week blocks (so many correlated columns would swamp every
 * other feature; the four daypart tilts summarise them).
 */
export const DEFAULT_SEGMENT_FEATURES: readonly string[] = [
  // who
  'age_band',
  'occupation',
  'income_band',
  'tenure_months',
  'balance',
  // when and how readily they answer
  'answer_rate_smoothed',
  'tilt_morning',
  'tilt_afternoon',
  'tilt_evening',
  'tilt_weekend',
  // behaviour (RFM quintile scores: bounded, robust to outliers)
  'rfm_r_score',
  'rfm_f_score',
  'rfm_m_score',
];

/** Categories with a natural order, ranked instead of one-hot encoded. */
export const ORDINAL_LEVELS: Readonly<Record<string, readonly string[]>> = {
  age_band: ['<18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
  income_band: ['low', 'lower_middle', 'middle', 'upper_middle', 'high'],
};

/** Money amounts: heavy-tailed, so modelled as sign(x)·log(1 + |x|). */
export const LOG_FEATURES: ReadonlySet<string> = new Set(['balance', 'rfm_monetary', 'conversion_value_total']);

/** One-hot encoding is refused past this many categories (the matrix would be mostly zeros). */
export const MAX_ONEHOT_LEVELS = 30;

const WEEKDAYS = [0, 1, 2, 3, 4];
const WEEKEND = [5, 6];
const BLOCKS_PER_DAY = 6;
const blocksOf = (days: number[], hours: number[]) => days.flatMap((d) => hours.map((h) => d * BLOCKS_PER_DAY + h / 4));

/** The derived daypart inputs: local 4-hour blocks of the week each one averages. */
export const DAYPARTS: Readonly<Record<string, { blocks: readonly number[]; description: string }>> = {
  tilt_morning: { blocks: blocksOf(WEEKDAYS, [8]), description: 'weekday 08–12 local answer rate, relative to the customer’s own mean' },
  tilt_afternoon: { blocks: blocksOf(WEEKDAYS, [12]), description: 'weekday 12–16 local answer rate, relative to the customer’s own mean' },
  tilt_evening: { blocks: blocksOf(WEEKDAYS, [16, 20]), description: 'weekday 16–24 local answer rate, relative to the customer’s own mean' },
  tilt_weekend: { blocks: blocksOf(WEEKEND, [8, 12, 16]), description: 'weekend 08–20 local answer rate, relative to the customer’s own mean' },
};
const DAYPART_NAMES = Object.keys(DAYPARTS);
/** Every hour-of-week block any daypart reads (the tilt is relative to all four dayparts). */
const DAYPART_BLOCKS = [...new Set(Object.values(DAYPARTS).flatMap((p) => p.blocks))].sort((a, b) => a - b);

/** What an input is: a registry feature or a derived daypart. */
export interface InputDef {
  name: string;
  kind: 'numeric' | 'boolean' | 'categorical' | 'daypart';
  description: string;
}

/** Resolves input names (registry features or dayparts), in the given order, without repeats. */
export function resolveInputs(names: readonly string[]): InputDef[] {
  if (names.length === 0) throw new SegmentFeatureError('no features to segment on; pass at least one (see DEFAULT_SEGMENT_FEATURES)');
  const out: InputDef[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const part = DAYPARTS[name];
    if (part) {
      out.push({ name, kind: 'daypart', description: part.description });
      continue;
    }
    const def = featureByName(name);
    if (!def) {
      throw new SegmentFeatureError(
        `${name} is neither a registered feature (see \`dialwise features list\`) nor a daypart (${DAYPART_NAMES.join(', ')})`,
      );
    }
    if (name === 'customer_id') throw new SegmentFeatureError('customer_id is an id, not a feature');
    out.push({ name, kind: def.type, description: def.description });
  }
  return out;
}

/** The registry features to read from the snapshot for these inputs. */
export function registryFeaturesFor(inputs: readonly InputDef[]): string[] {
  const names = new Set<string>();
  for (const i of inputs) {
    if (i.kind === 'daypart') for (const b of DAYPART_BLOCKS) names.add(hourOfWeekFeature(b));
    else names.add(i.name);
  }
  return [...names];
}

/**
 * The input values of every customer: numeric, boolean and daypart inputs as float arrays
 * (NaN = missing), categorical inputs as strings. Profiles report means of these.
 */
export interface InputValues {
  rows: number;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, (string | null)[]>;
}

export function inputValues(inputs: readonly InputDef[], fm: SnapshotMatrix): InputValues {
  const n = fm.rows;
  const width = fm.numericColumns.length;
  const index = new Map(fm.numericColumns.map((c, j) => [c, j]));
  const column = (name: string): Float64Array => {
    const j = index.get(name);
    if (j === undefined) throw new SegmentFeatureError(`feature ${name} was not read from the snapshot`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = fm.numeric[i * width + j] as number;
    return out;
  };
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  let parts: Map<string, Float64Array> | undefined;
  for (const input of inputs) {
    if (input.kind === 'categorical') {
      const values = fm.categorical[input.name];
      if (!values) throw new SegmentFeatureError(`feature ${input.name} was not read from the snapshot`);
      categorical.set(input.name, values);
    } else if (input.kind === 'daypart') {
      parts ??= daypartTilts(column, n);
      numeric.set(input.name, parts.get(input.name)!);
    } else {
      numeric.set(input.name, column(input.name));
    }
  }
  return { rows: n, numeric, categorical };
}

/** Daypart means minus the customer's mean over the four dayparts (NaN if any block is missing). */
function daypartTilts(column: (name: string) => Float64Array, n: number): Map<string, Float64Array> {
  const means = DAYPART_NAMES.map((name) => {
    const blocks = DAYPARTS[name]!.blocks.map((b) => column(hourOfWeekFeature(b)));
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const c of blocks) s += c[i] as number;
      out[i] = s / blocks.length;
    }
    return out;
  });
  const tilts = new Map<string, Float64Array>();
  DAYPART_NAMES.forEach((name, p) => {
    const out = new Float64Array(n);
    const own = means[p]!;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const m of means) s += m[i] as number;
      out[i] = (own[i] as number) - s / means.length;
    }
    tilts.set(name, out);
  });
  return tilts;
}

/**
 * Plans the model columns for these inputs. One-hot categories are the ones present in the
 * data, sorted; when the previous run one-hot encoded the same input and every category seen
 * now was among its categories, its list is kept, so the columns (and the segment ids) stay
 * comparable from run to run.
 */
export function planColumns(
  inputs: readonly InputDef[],
  values: InputValues,
  previous: readonly SegmentColumn[] | null = null,
): { columns: SegmentColumn[]; warnings: string[] } {
  const columns: SegmentColumn[] = [];
  const warnings: string[] = [];
  for (const input of inputs) {
    if (input.kind !== 'categorical') {
      columns.push({
        name: input.name,
        source: input.name,
        encoding: input.kind,
        transform: LOG_FEATURES.has(input.name) ? 'signed_log1p' : 'none',
        weight: 1,
      });
      continue;
    }
    const raw = values.categorical.get(input.name)!;
    const levels = ORDINAL_LEVELS[input.name];
    if (levels) {
      const known = new Set(levels);
      const unknown = new Set(raw.filter((v): v is string => v !== null && !known.has(v)));
      if (unknown.size > 0) {
        warnings.push(`${input.name}: values outside the known order (${[...unknown].slice(0, 5).join(', ')}) are treated as missing`);
      }
      columns.push({ name: input.name, source: input.name, encoding: 'ordinal', transform: 'none', weight: 1, levels: [...levels] });
      continue;
    }
    const seen = [...new Set(raw.filter((v): v is string => v !== null))].sort();
    const before = previous?.filter((c) => c.source === input.name && c.encoding === 'onehot').map((c) => c.category!) ?? [];
    const categories = before.length > 0 && seen.every((c) => before.includes(c)) ? before : seen;
    if (categories.length === 0) {
      warnings.push(`${input.name}: no values in this snapshot; left out`);
      continue;
    }
    if (categories.length > MAX_ONEHOT_LEVELS) {
      throw new SegmentFeatureError(
        `${input.name} has ${categories.length} categories; one-hot encoding takes at most ${MAX_ONEHOT_LEVELS}; leave it out of the features`,
      );
    }
    const weight = 1 / Math.sqrt(categories.length);
    for (const category of categories) {
      columns.push({ name: `${input.name}=${category}`, source: input.name, encoding: 'onehot', transform: 'none', weight, category });
    }
  }
  return { columns, warnings };
}

/** sha256 of the column plan: runs with equal hashes have centroids in comparable spaces. */
export function columnsHash(columns: readonly SegmentColumn[]): string {
  return createHash('sha256').update(JSON.stringify(columns)).digest('hex');
}

const signedLog1p = (x: number) => Math.sign(x) * Math.log1p(Math.abs(x));

/** The unscaled model matrix (n × d, row-major, NaN = missing): encodings and transforms applied. */
export function encode(columns: readonly SegmentColumn[], values: InputValues): Float32Array {
  const n = values.rows;
  const d = columns.length;
  const X = new Float32Array(n * d);
  columns.forEach((c, q) => {
    if (c.encoding === 'ordinal' || c.encoding === 'onehot') {
      const raw = values.categorical.get(c.source)!;
      const rank = c.levels ? new Map(c.levels.map((l, r) => [l, r])) : undefined;
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        X[i * d + q] = rank ? (v === null || v === undefined ? Number.NaN : (rank.get(v) ?? Number.NaN)) : v === c.category ? 1 : 0;
      }
      return;
    }
    const raw = values.numeric.get(c.source)!;
    const log = c.transform === 'signed_log1p';
    for (let i = 0; i < n; i++) {
      const v = raw[i] as number;
      X[i * d + q] = log ? signedLog1p(v) : v;
    }
  });
  return X;
}

/** Multiplies each column of a standardised matrix (in place) by its weight. */
export function applyWeights(columns: readonly SegmentColumn[], Z: Float32Array): Float32Array {
  const d = columns.length;
  const w = columns.map((c) => c.weight);
  if (w.every((x) => x === 1)) return Z;
  for (let o = 0; o < Z.length; o++) Z[o] = (Z[o] as number) * (w[o % d] as number);
  return Z;
}

/** Description of an input for reports (registry description or the daypart's). */
export function describeInput(name: string): string {
  return DAYPARTS[name]?.description ?? (featureByName(name) as FeatureDef | undefined)?.description ?? name;
}
