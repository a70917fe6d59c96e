/**
 * The per-row work of contact scoring over a range of packed input rows: encode the customer
 * inputs, run the customer tower (tfjs, the same fused kernels the layers model runs), build
 * each customer's row of D = [u | own block log-odds | bias | segment one-hot], and get all 168
 * calibrated probabilities as sigmoid(D · W + c) — one WASM matMul per chunk — then the best
 * allowed hours. Serves the single-threaded path (scoreContactMatrix) and the worker threads of
 * the scoring pool (models/scoring); the plan is plain data so it can be posted to a worker.
 */
import { ModelKindError } from '../common/index.ts';
import { logit } from '../metrics/index.ts';
import type { PackedInputs } from '../scoring/inputs.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf-backend.ts';
import type { ContactModel } from './artifact.ts';
import { numericLayout } from './encoding.ts';
import { allowedHoursOf, bestHoursOf, HOURS_PER_BLOCK, HOURS_PER_WEEK } from './hours.ts';
import { towers, LAYER } from './network.ts';

const LOGIT_CACHE = 4096;
const NONE = '(none)';

/** Everything the kernel needs (structured-clone safe). */
export interface ContactPlan {
  /** Best hours per customer. */
  k: number;
  /** Allowed local hours-of-week, ascending. */
  allowed: Int16Array;
  chunkRows: number;
  // customer inputs (see encoding.ts)
  netWidth: number;
  numSrc: Int32Array;
  numOut: Int32Array;
  numMean: Float64Array;
  numInvStd: Float64Array;
  numMissing: Uint8Array;
  cats: { column: string; at: number; remap: Int32Array; nullAt: number }[];
  /** Source columns of the 42 block features. */
  blockSrc: Int32Array;
  segColumn: string;
  /** Input dictionary code → baseline segment row; `segNull` for null. */
  segRemap: Int32Array;
  segNull: number;
  // customer tower: dense relu, then the factor and bias heads
  hidden: number;
  factors: number;
  w1: Float32Array;
  b1: Float32Array;
  wf: Float32Array;
  bf: Float32Array;
  wb: Float32Array;
  bb: Float32Array;
  // the 168 logits: D (rows × width) · W (width × 168) + c
  segments: number;
  width: number;
  w: Float32Array;
  c: Float32Array;
}

/** Where the kernel writes; row i of the inputs goes to row i of each output. */
export interface ContactOutputs {
  /** rows × 168 */
  pAnswer: Float32Array;
  /** rows × k */
  bestHours: Int16Array;
}

export function contactOutputs(rows: number, k: number, shared = false): ContactOutputs {
  const buf = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return { pAnswer: new Float32Array(buf(rows * HOURS_PER_WEEK * 4)), bestHours: new Int16Array(buf(rows * k * 2)) };
}

function weights(model: ContactModel, name: string): Float32Array[] {
  return model.network.getLayer(name).getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

export function contactPlan(
  model: ContactModel,
  inputs: Pick<PackedInputs, 'numericColumns' | 'categorical'>,
  options: { k: number; mask: Uint8Array; chunkRows?: number },
): ContactPlan {
  const enc = model.encoding;
  const index = new Map(inputs.numericColumns.map((name, j) => [name, j]));
  const { numSrc, numOut, numMean, numInvStd, numMissing, end } = numericLayout(
    enc,
    inputs.numericColumns,
    (name) => new ModelKindError(`the contact model needs column ${name}, which the input lacks`),
  );
  let col = end;
  const cats = enc.categorical.map((c) => {
    const packed = inputs.categorical[c.name];
    if (!packed) throw new ModelKindError(`the contact model needs categorical column ${c.name}, which the input lacks`);
    const level = new Map(c.levels.map((l, i) => [l, i]));
    const other = c.other ? c.levels.length : -1;
    const at = col;
    col += c.levels.length + (c.other ? 1 : 0);
    return { column: c.name, at, remap: Int32Array.from(packed.levels, (l) => level.get(l) ?? other), nullAt: other };
  });
  const blockSrc = Int32Array.from(enc.blockFeatures, (b) => {
    const j = index.get(b);
    if (j === undefined) throw new ModelKindError(`the contact model needs the hour-of-week feature ${b}, which the input lacks`);
    return j;
  });
  const base = model.baseline;
  const packedSeg = inputs.categorical[base.segmentColumn];
  if (!packedSeg) throw new ModelKindError(`the contact model needs the customers' ${base.segmentColumn}, which the input lacks`);
  const S = base.segments.length + 1;
  const segIndex = new Map(base.segments.map((s, i) => [s, i]));

  const t = towers(model.network);
  const F = t.factors;
  const { a: A, b: B } = model.calibrator;
  const shift = model.meta.classShift;
  // fold the calibration into the hour terms: z' = A·(z − shift) + B
  const V = Float32Array.from(t.hourFactors, (v) => A * v);
  const hourTerm = Float64Array.from(t.hourBias, (v) => A * (v - shift) + B);
  const ownW = Float64Array.from(t.hourOwnWeight, (v) => A * v);
  // the segment prior term per (segment, hour), already weighted: A · g(h) · logit(baseline(s, h))
  const priorTerm = new Float64Array(S * HOURS_PER_WEEK);
  for (let s = 0; s < S; s++) {
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, base.rates[s * HOURS_PER_WEEK + h] as number));
      priorTerm[s * HOURS_PER_WEEK + h] = A * (t.hourPriorWeight[h] as number) * Math.log(p / (1 - p));
    }
  }
  const blocks = enc.blockFeatures.length;
  // All 168 logits of a customer are one row of D · W + c, D = [u (F) | own (42) | bias | segment one-hot (S)]
  // and W holding the hour terms; WASM's SIMD matMul and sigmoid do the heavy part.
  const width = F + blocks + 1 + S;
  const w = new Float32Array(width * HOURS_PER_WEEK);
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    for (let f = 0; f < F; f++) w[f * HOURS_PER_WEEK + h] = V[h * F + f] as number;
    w[(F + ((h / HOURS_PER_BLOCK) | 0)) * HOURS_PER_WEEK + h] = ownW[h] as number;
    w[(F + blocks) * HOURS_PER_WEEK + h] = A;
    for (let s = 0; s < S; s++) w[(F + blocks + 1 + s) * HOURS_PER_WEEK + h] = priorTerm[s * HOURS_PER_WEEK + h] as number;
  }
  t.dispose();
  const [w1, b1] = weights(model, 'c_hidden');
  const [wf, bf] = weights(model, LAYER.customerFactors);
  const [wb, bb] = weights(model, LAYER.customerBias);
  if (!w1 || !b1 || !wf || !bf || !wb || !bb) throw new ModelKindError('the contact network lacks its customer tower weights (c_hidden, c_factors, c_bias)');
  return {
    k: options.k,
    allowed: allowedHoursOf(options.mask),
    // small chunks keep each chunk's 168 × rows probabilities in cache for the best-hours pass
    chunkRows: options.chunkRows ?? 8_192,
    netWidth: enc.width,
    numSrc,
    numOut,
    numMean,
    numInvStd,
    numMissing,
    cats,
    blockSrc,
    segColumn: base.segmentColumn,
    segRemap: Int32Array.from(packedSeg.levels, (l) => segIndex.get(l) ?? S - 1),
    segNull: segIndex.get(NONE) ?? S - 1,
    hidden: b1.length,
    factors: F,
    w1,
    b1,
    wf,
    bf,
    wb,
    bb,
    segments: S,
    width,
    w,
    c: Float32Array.from(hourTerm),
  };
}

/** Customer inputs of rows [start, end) into `out` ((end − start) × netWidth, zeroed), as encodeNet builds them. */
export function encodeContactRows(plan: ContactPlan, inputs: PackedInputs, start: number, end: number, out: Float32Array): void {
  const { netWidth, numSrc, numOut, numMean, numInvStd, numMissing } = plan;
  const srcWidth = inputs.numericColumns.length;
  const numeric = inputs.numeric;
  const nq = numSrc.length;
  for (let r = start, outBase = 0; r < end; r++, outBase += netWidth) {
    const inBase = r * srcWidth;
    for (let q = 0; q < nq; q++) {
      const v = numeric[inBase + (numSrc[q] as number)] as number;
      const o = outBase + (numOut[q] as number);
      if (v !== v) {
        // NaN: the mean, plus the missing flag
        out[o] = 0;
        if (numMissing[q]) out[o + 1] = 1;
      } else out[o] = (v - (numMean[q] as number)) * (numInvStd[q] as number);
    }
  }
  for (const c of plan.cats) {
    const codes = inputs.categorical[c.column]!.codes;
    const { remap, nullAt, at } = c;
    for (let r = start, outBase = at; r < end; r++, outBase += netWidth) {
      const code = codes[r] as number;
      const i = code < 0 ? nullAt : (remap[code] as number);
      if (i >= 0) out[outBase + i] = 1;
    }
  }
}

/**
 * rows [start, end) × 42 log-odds of the customer's own block answer rates, as encodeBlocks
 * builds them; row r's blocks go to out[(r − start) · stride + at …] (default: rows × 42).
 */
export function encodeOwnBlocks(plan: ContactPlan, inputs: PackedInputs, start: number, end: number, out: Float32Array, at = 0, stride = plan.blockSrc.length): void {
  const blocks = plan.blockSrc.length;
  const cols = plan.blockSrc;
  const srcWidth = inputs.numericColumns.length;
  const numeric = inputs.numeric;
  // Most customers have no calls in most blocks, so their rate is the shared prior: a small
  // direct-mapped cache keyed by the float's bits saves most of the logarithms.
  const bits = new Int32Array(numeric.buffer, numeric.byteOffset, numeric.length);
  const cacheKey = new Int32Array(LOGIT_CACHE).fill(0x7fc00001);
  const cacheVal = new Float32Array(LOGIT_CACHE);
  for (let r = start, o = at; r < end; r++, o += stride - blocks) {
    const inBase = r * srcWidth;
    for (let b = 0; b < blocks; b++, o++) {
      const at = inBase + (cols[b] as number);
      const key = bits[at] as number;
      const slot = (Math.imul(key, 0x9e3779b1) >>> 20) & (LOGIT_CACHE - 1);
      if (cacheKey[slot] === key) out[o] = cacheVal[slot] as number;
      else {
        const v = numeric[at] as number;
        const z = v !== v ? 0 : logit(v);
        cacheKey[slot] = key;
        cacheVal[slot] = z;
        out[o] = z;
      }
    }
  }
}

/** The kernel with its weights on the tfjs backend; dispose() frees them. */
export class ContactKernel {
  readonly plan: ContactPlan;
  readonly #t: Record<'w1' | 'b1' | 'wf' | 'bf' | 'wb' | 'bb' | 'w' | 'c', tf.Tensor>;
  // chunk-sized scratch, reused: fresh multi-megabyte arrays per chunk cost page faults
  #x = new Float32Array(0);
  #d = new Float32Array(0);

  constructor(plan: ContactPlan) {
    this.plan = plan;
    this.#t = {
      w1: tf.tensor2d(plan.w1, [plan.netWidth, plan.hidden]),
      b1: tf.tensor1d(plan.b1),
      wf: tf.tensor2d(plan.wf, [plan.hidden, plan.factors]),
      bf: tf.tensor1d(plan.bf),
      wb: tf.tensor2d(plan.wb, [plan.hidden, 1]),
      bb: tf.tensor1d(plan.bb),
      w: tf.tensor2d(plan.w, [plan.width, HOURS_PER_WEEK]),
      c: tf.tensor1d(plan.c),
    };
  }

  dispose(): void {
    for (const t of Object.values(this.#t)) t.dispose();
  }

  /** Customer tower on rows × netWidth inputs: factors (rows × F) and bias (rows). */
  tower(x: Float32Array, rows: number): { factors: Float32Array; bias: Float32Array } {
    const t = this.#t;
    const [f, b] = tf.tidy(() => {
      const input = tf.tensor2d(x, [rows, this.plan.netWidth]);
      // what the layers model runs for Dense layers: fused matMul + bias (+ relu)
      const h = tf.fused.matMul({ a: input, b: t.w1 as tf.Tensor2D, bias: t.b1, activation: 'relu' });
      return [tf.fused.matMul({ a: h, b: t.wf as tf.Tensor2D, bias: t.bf }), tf.fused.matMul({ a: h, b: t.wb as tf.Tensor2D, bias: t.bb })];
    });
    const out = { factors: f.dataSync() as Float32Array, bias: b.dataSync() as Float32Array };
    f.dispose();
    b.dispose();
    return out;
  }

  /**
   * Scores rows [start, end) of `inputs` into those rows of `out`. `phases`, when given,
   * accumulates the process's CPU milliseconds per phase (for single-threaded profiles).
   */
  run(inputs: PackedInputs, start: number, end: number, out: ContactOutputs, phases?: Record<string, number>): void {
    const p = this.plan;
    const { factors: F, width, k } = p;
    const blocks = p.blockSrc.length;
    const segCodes = inputs.categorical[p.segColumn]?.codes;
    if (!segCodes) throw new ModelKindError(`the contact model needs the customers' ${p.segColumn}, which the input lacks`);
    const allowed = p.allowed;
    const bestP = new Float64Array(Math.max(1, k));
    const bestH = new Int16Array(Math.max(1, k));
    const cpu = () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    };
    let t = phases ? cpu() : 0;
    const lap = (name: string) => {
      if (!phases) return;
      const now = cpu();
      phases[name] = (phases[name] ?? 0) + now - t;
      t = now;
    };
    const most = Math.min(p.chunkRows, end - start);
    if (this.#x.length < most * p.netWidth) {
      this.#x = new Float32Array(most * p.netWidth);
      this.#d = new Float32Array(most * width);
    }
    const backend = tf.backend() as BackendWasm;
    for (let from = start; from < end; from += p.chunkRows) {
      const to = Math.min(end, from + p.chunkRows);
      const rows = to - from;
      const x = this.#x.subarray(0, rows * p.netWidth);
      x.fill(0);
      encodeContactRows(p, inputs, from, to, x);
      lap('encode customer inputs');
      const d = this.#d.subarray(0, rows * width);
      d.fill(0);
      // the own log-odds straight into their columns of D
      encodeOwnBlocks(p, inputs, from, to, d, F, width);
      lap('own block log-odds');
      const { factors: U, bias } = this.tower(x, rows);
      lap('customer tower (tfjs)');
      const segAt = F + blocks + 1;
      for (let i = 0; i < rows; i++) {
        const o = i * width;
        // plain copies: a subarray per row would allocate a view per customer
        for (let f = 0, u = i * F; f < F; f++) d[o + f] = U[u + f] as number;
        d[o + F + blocks] = bias[i] as number;
        const code = segCodes[from + i] as number;
        d[o + segAt + (code < 0 ? p.segNull : (p.segRemap[code] as number))] = 1;
      }
      lap('assemble D');
      // sigmoid(D · W + c) in one fused WASM kernel
      const chunkP = tf.tidy(() =>
        tf.fused.matMul({ a: tf.tensor2d(d, [rows, width]), b: this.#t.w as tf.Tensor2D, bias: this.#t.c, activation: 'sigmoid' }),
      );
      lap('168 logits + sigmoid (tfjs)');
      // straight from the WASM heap into the output (dataSync would copy into a fresh array first)
      const pAnswer = out.pAnswer;
      pAnswer.set(backend.typedArrayFromHeap(chunkP), from * HOURS_PER_WEEK);
      chunkP.dispose();
      lap('copy into the output');
      if (k === 0) continue;
      // best allowed hours: scan only the allowed ones (an insertion into the k best so far)
      const scratch = { p: bestP, h: bestH };
      for (let i = from; i < to; i++) bestHoursOf(pAnswer, i * HOURS_PER_WEEK, allowed, k, out.bestHours, i * k, scratch);
      lap('best hours');
    }
  }
}
