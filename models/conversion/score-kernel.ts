/**
 * The per-row work of conversion scoring, over a range of packed input rows, written into
 * caller-owned outputs: encode the model columns; for approximate reasons walk the trees in JS
 * (paths.ts: margin and top reasons in one pass), otherwise ask XGBoost for predictions (and
 * exact contributions); calibrate. The same function serves the single-threaded path
 * (scoreMatrix) and the worker threads of the scoring pool (models/scoring), which hand it
 * SharedArrayBuffer views; the plan is plain data so it can be posted to a worker.
 */
import { OTHER_LEVEL, featureTypesOf, modelNamesOf, ModelKindError, type Encoding } from '../common/index.ts';
import { calibrate, sigmoid, type Calibrator } from '../metrics/index.ts';
import { DMatrix, type Booster } from '../xgboost/index.ts';
import type { PackedInputs } from '../scoring/inputs.ts';
import type { TreePaths } from './paths.ts';

export type ContributionMode = 'exact' | 'approx' | 'none';

/** Everything the kernel needs besides the booster and the rows (structured-clone safe). */
export interface ConversionPlan {
  ncol: number;
  /** Per model column: the numeric source column, or -1 for a categorical column. */
  src: Int32Array;
  /** Per model column: the categorical source column ('' for numeric ones). */
  catColumn: string[];
  /** Per model column: input dictionary code → model code (NaN = missing); null for numeric ones. */
  catRemap: (Float32Array | null)[];
  names: string[];
  types: string[];
  iterationEnd: number;
  calibrator: Calibrator;
  /** Reasons per row. */
  k: number;
  mode: ContributionMode;
  /** Rows per DMatrix. */
  chunkRows: number;
  /** Threads XGBoost uses to build each DMatrix (0 = all cores). */
  dmatrixThreads: number;
}

/** Where the kernel writes; row i of the inputs goes to row i of each output. */
export interface ConversionOutputs {
  pRaw: Float32Array;
  pConvert: Float32Array;
  /** rows × k model-column indices (-1: none). */
  reasonColumn: Int16Array;
  /** rows × k contributions (log-odds). */
  reasonContribution: Float32Array;
  /** rows × k model-matrix values of the reason columns (NaN: missing, or no reason), for the phrases. */
  reasonValue: Float32Array;
}

export function conversionPlan(
  encoding: Encoding,
  calibrator: Calibrator,
  iterationEnd: number,
  inputs: Pick<PackedInputs, 'numericColumns' | 'categorical'>,
  options: { k: number; mode: ContributionMode; chunkRows?: number; dmatrixThreads?: number },
): ConversionPlan {
  const ncol = encoding.columns.length;
  const numericIndex = new Map(inputs.numericColumns.map((name, j) => [name, j]));
  const src = new Int32Array(ncol).fill(-1);
  const catColumn: string[] = [];
  const catRemap: (Float32Array | null)[] = [];
  encoding.columns.forEach((c, j) => {
    if (c.type === 'categorical') {
      const packed = inputs.categorical[c.name];
      if (!packed) throw new ModelKindError(`the model needs categorical column ${c.name}, which the input lacks`);
      const codes = new Map((c.categories ?? []).map((level, code) => [level, code]));
      // as encodeMatrix: a level unseen in training is "(other)" when the model has it, else missing
      const other = codes.get(OTHER_LEVEL) ?? Number.NaN;
      catColumn.push(c.name);
      catRemap.push(Float32Array.from(packed.levels, (level) => codes.get(level) ?? other));
    } else {
      const i = numericIndex.get(c.name);
      if (i === undefined) throw new ModelKindError(`the model needs column ${c.name}, which the input lacks`);
      src[j] = i;
      catColumn.push('');
      catRemap.push(null);
    }
  });
  return {
    ncol,
    src,
    catColumn,
    catRemap,
    names: modelNamesOf(encoding),
    types: featureTypesOf(encoding),
    iterationEnd,
    calibrator,
    k: options.k,
    mode: options.mode,
    chunkRows: options.chunkRows ?? 250_000,
    dmatrixThreads: options.dmatrixThreads ?? 0,
  };
}

/** Model matrix rows [start, end) into `out` ((end − start) × ncol), as encodeMatrix builds them. */
export function encodeConversionRows(plan: ConversionPlan, inputs: PackedInputs, start: number, end: number, out: Float32Array): void {
  const { ncol, src } = plan;
  const width = inputs.numericColumns.length;
  const numeric = inputs.numeric;
  // row by row, so both matrices are read and written in memory order
  const numDst: number[] = [];
  const numSrc: number[] = [];
  const catDst: number[] = [];
  const catCodes: Int32Array[] = [];
  const catRemap: Float32Array[] = [];
  for (let j = 0; j < ncol; j++) {
    const remap = plan.catRemap[j];
    if (remap) {
      catDst.push(j);
      catCodes.push(inputs.categorical[plan.catColumn[j] as string]!.codes);
      catRemap.push(remap);
    } else {
      numDst.push(j);
      numSrc.push(src[j] as number);
    }
  }
  const nd = Int32Array.from(numDst);
  const ns = Int32Array.from(numSrc);
  const nn = nd.length;
  const nc = catDst.length;
  let infinite = -1;
  for (let r = start, o = 0; r < end; r++, o += ncol) {
    const inBase = r * width;
    for (let q = 0; q < nn; q++) {
      const v = numeric[inBase + (ns[q] as number)] as number;
      out[o + (nd[q] as number)] = v;
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) infinite = r;
    }
    for (let q = 0; q < nc; q++) {
      const c = catCodes[q]![r] as number;
      out[o + (catDst[q] as number)] = c < 0 ? Number.NaN : (catRemap[q]![c] as number);
    }
  }
  // XGBoost refuses infinite inputs (a DMatrix would fail), and so does the JS tree walk
  if (infinite >= 0) {
    const j = Array.from(ns).findIndex((col) => Math.abs(numeric[infinite * width + col] as number) === Number.POSITIVE_INFINITY);
    throw new ModelKindError(
      `input row ${infinite} has an infinite ${inputs.numericColumns[ns[j] as number]}; XGBoost takes finite numbers or missing values (NaN / null), so fix or null it in the features first`,
    );
  }
}

/** Rows per block for approximate reasons: a block's model rows stay in cache while the trees walk them. */
const APPROX_BLOCK_ROWS = 4096;

// Encoded model rows, reused from call to call: a fresh multi-megabyte matrix per call costs page faults.
let scratch = new Float32Array(0);

/**
 * Scores rows [start, end): fills those rows of every output. `paths` is needed for mode
 * 'approx'. The booster is used from the calling thread only.
 */
export function scoreConversionRows(
  plan: ConversionPlan,
  booster: Booster,
  paths: TreePaths | null,
  inputs: PackedInputs,
  start: number,
  end: number,
  out: ConversionOutputs,
): void {
  const { ncol, k, mode } = plan;
  if (mode === 'approx' && !paths) throw new ModelKindError('approximate reasons need the model trees (TreePaths)');
  const range: [number, number] = [0, plan.iterationEnd];
  const step = mode === 'approx' ? APPROX_BLOCK_ROWS : plan.chunkRows;
  const most = Math.min(step, end - start);
  if (scratch.length < most * ncol) scratch = new Float32Array(most * ncol);
  const margin = new Float64Array(mode === 'approx' ? most : 0);
  for (let from = start; from < end; from += step) {
    const rows = Math.min(step, end - from);
    const x = scratch.subarray(0, rows * ncol);
    encodeConversionRows(plan, inputs, from, from + rows, x);
    const column = out.reasonColumn.subarray(from * k, (from + rows) * k);
    const contribution = out.reasonContribution.subarray(from * k, (from + rows) * k);
    if (paths && mode === 'approx') {
      // the trees walked in JS (compiled, see paths.ts): the leaves XGBoost would give, margin and reasons in one pass
      paths.score(x, rows, k, margin, column, contribution);
      for (let i = 0; i < rows; i++) out.pRaw[from + i] = sigmoid(margin[i] as number);
    } else {
      const d = new DMatrix(x, { nrow: rows, ncol, featureNames: plan.names, featureTypes: plan.types, nthread: plan.dmatrixThreads });
      try {
        out.pRaw.set(booster.predict(d, { iterationRange: range }), from);
        if (mode === 'exact') topK(booster.predictContributions(d, { iterationRange: range }), rows, ncol, k, column, contribution);
      } finally {
        d.dispose();
      }
    }
    for (let i = 0, o = from * k; i < rows; i++) {
      for (let r = 0; r < k; r++, o++) {
        const j = out.reasonColumn[o] as number;
        out.reasonValue[o] = j < 0 ? Number.NaN : (x[i * ncol + j] as number);
      }
    }
  }
  const cal = plan.calibrator;
  for (let i = start; i < end; i++) out.pConvert[i] = calibrate(cal, out.pRaw[i] as number);
}

/** The k largest |contribution| columns of each row (bias excluded), strongest first. */
export function topK(contrib: Float32Array, rows: number, ncol: number, k: number, outCol: Int16Array, outVal: Float32Array): void {
  const stride = ncol + 1;
  const bestAbs = new Float64Array(k);
  const bestCol = new Int32Array(k);
  for (let i = 0; i < rows; i++) {
    bestAbs.fill(-1);
    bestCol.fill(-1);
    const base = i * stride;
    for (let j = 0; j < ncol; j++) {
      const a = Math.abs(contrib[base + j] as number);
      if (a === 0 || a <= (bestAbs[k - 1] as number)) continue;
      let pos = k - 1;
      while (pos > 0 && a > (bestAbs[pos - 1] as number)) {
        bestAbs[pos] = bestAbs[pos - 1] as number;
        bestCol[pos] = bestCol[pos - 1] as number;
        pos--;
      }
      bestAbs[pos] = a;
      bestCol[pos] = j;
    }
    for (let r = 0; r < k; r++) {
      const j = bestCol[r] as number;
      outCol[i * k + r] = j;
      outVal[i * k + r] = j < 0 ? 0 : (contrib[base + j] as number);
    }
  }
}

/** Allocates the outputs for `rows` rows (in shared memory when `shared`). */
export function conversionOutputs(rows: number, k: number, shared = false): ConversionOutputs {
  const buf = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const reasonColumn = new Int16Array(buf(rows * k * 2));
  reasonColumn.fill(-1);
  return {
    pRaw: new Float32Array(buf(rows * 4)),
    pConvert: new Float32Array(buf(rows * 4)),
    reasonColumn,
    reasonContribution: new Float32Array(buf(rows * k * 4)),
    reasonValue: new Float32Array(buf(rows * k * 4)),
  };
}
