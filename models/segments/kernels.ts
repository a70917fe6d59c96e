/**
 * Typed-array row kernels specialised for a feature count `d`.
 *
 * Why code generation: with `d` a literal and the per-row loop unrolled, V8 keeps a row in
 * registers and drops the inner loop and its bounds checks. Measured on 1M × 16 rows
 * (Node 20): per-cluster sums 16.6 ms generated vs 25 ms (4× unrolled by hand) vs 41 ms
 * (plain nested loop). Only the integers `d` and `k` are ever interpolated into the source. Above
 * `MAX_UNROLL` features the generic loops are used (the source would get large and the
 * loop overhead no longer dominates).
 */

/** Adds rows [start, end) of X into `sums[label]` (k × d) and `counts[label]`. */
export type AccumulateKernel = (
  X: Float32Array,
  labels: Int32Array,
  start: number,
  end: number,
  sums: Float64Array,
  counts: Float64Array,
) => void;

/**
 * Writes the squared distance of rows [start, end) of X to their labelled centroid (C is
 * k × d) into `out[i - start]`, counts the rows of each label into `counts`, and returns the
 * distances' sum. Exact float64 differences, no ‖x‖² − 2x·c + ‖c‖² expansion.
 */
export type DistanceKernel = (
  X: Float32Array,
  labels: Int32Array,
  C: Float32Array,
  start: number,
  end: number,
  out: Float32Array,
  counts: Float64Array,
) => number;

/** Moves row i of X from cluster `from` to cluster `to` in running sums (incremental M-step). */
export type MoveKernel = (
  X: Float32Array,
  i: number,
  from: number,
  to: number,
  sums: Float64Array,
  counts: Float64Array,
) => void;

/** Exact squared distance (float64 differences) between row i of X and centroid j of C (k × d). */
export type RowDistanceKernel = (X: Float32Array, i: number, C: Float32Array, j: number) => number;

/** Writes ‖x − shift‖ (float64) of rows [start, end) of X into `out[i - start]`. */
export type NormsKernel = (X: Float32Array, start: number, end: number, shift: Float64Array, out: Float64Array) => void;

/**
 * Copies rows `rows[off + t]` (t < m) of X, minus `shift`, into `out` (m × d, float32): the
 * same rounding as tfjs's float32 subtraction of the uploaded rows.
 */
export type GatherKernel = (
  X: Float32Array,
  rows: Int32Array,
  off: number,
  m: number,
  shift: Float64Array,
  out: Float32Array,
) => void;

/**
 * Writes rows [start, start + m) of X, minus `shift`, transposed into `out` ((d + 1) × m,
 * float32) under a first row of ones, and continues the column moments Σ(x − shift) in `s1`
 * and Σ(x − shift)² in `s2` (float64). The float32 store rounds
 * x − shift exactly as tfjs's float32 subtraction would (a float64 difference of two float32
 * values, rounded once more to float32, is the correctly rounded float32 difference).
 */
export type UploadKernel = (
  X: Float32Array,
  start: number,
  m: number,
  shift: Float64Array,
  out: Float32Array,
  s1: Float64Array,
  s2: Float64Array,
) => void;

/**
 * Writes Σ_q (x_q − shift_q)² of rows [start, end) of X into `out[i − start]` with float32
 * arithmetic throughout: each difference and square rounded to float32 and summed from 0 in
 * column order, exactly as tfjs's `sum(square(x − shift), 1)` on the uploaded rows would
 * (Math.fround of a float64 sum, difference or product of float32 values is the correctly
 * rounded float32 result).
 */
export type SquaredNormsKernel = (X: Float32Array, start: number, end: number, shift: Float64Array, out: Float32Array) => void;

export interface RowKernels {
  gather: GatherKernel;
  squaredNorms32: SquaredNormsKernel;
  upload: UploadKernel;
  accumulate: AccumulateKernel;
  move: MoveKernel;
  distances: DistanceKernel;
  rowDistance: RowDistanceKernel;
  norms: NormsKernel;
}

/**
 * For each of `m` rows of a row-major m × k matrix v: the column of the smallest value
 * (ties → lowest column, as tfjs's argMin), that value, and the smallest value among the
 * other columns (+∞ when k = 1), written at `off + row` of `lab`, `first` and `second`.
 */
export type MinTwoKernel = (
  v: Float32Array,
  m: number,
  lab: Int32Array,
  first: Float64Array,
  second: Float64Array,
  off: number,
) => void;

const MAX_UNROLL = 64;
const cache = new Map<number, RowKernels>();
/**
 * Where row i's value in column j sits: `rows`, a row-major m × k matrix (v[i·k + j]); `negT`,
 * the negated, transposed k × m layout the E-step's matMul produces (row j holds −F_j of the m
 * rows, so the value is −v[j·m + i]).
 */
type MinTwoLayout = 'rows' | 'negT';
const minTwoCache: Record<MinTwoLayout, Map<number, MinTwoKernel>> = { rows: new Map(), negT: new Map() };

/**
 * The min/second-min scan for `k` columns in either layout (generated once per `k` and layout:
 * unrolled, it runs at ≈ 15–20 ns a row for k = 8, against ≈ 100 ns for the nested loop before
 * V8 settles). Both layouts give the same results for the same values.
 */
function minTwo(k: number, layout: MinTwoLayout): MinTwoKernel {
  if (!Number.isInteger(k) || k <= 0) throw new RangeError(`bad column count ${k}`);
  let f = minTwoCache[layout].get(k);
  if (f === undefined) {
    f = k <= MAX_UNROLL ? generatedMinTwo(k, layout) : genericMinTwo(k, layout);
    minTwoCache[layout].set(k, f);
  }
  return f;
}

/** The scan over a row-major m × k matrix. */
export function minTwoFor(k: number): MinTwoKernel {
  return minTwo(k, 'rows');
}

/** The same scan over the negated, transposed layout of the E-step's matMul (see MinTwoLayout). */
export function minTwoNegTFor(k: number): MinTwoKernel {
  return minTwo(k, 'negT');
}

function generatedMinTwo(k: number, layout: MinTwoLayout): MinTwoKernel {
  const at = (j: number) => (layout === 'rows' ? `v[o + ${j}]` : `-v[${j} * m + i]`);
  const src = [
    `for (let i = 0, o = 0; i < m; i++, o += ${k}) {`,
    `  let b = ${at(0)}, bi = 0, s = Infinity, t;`,
    ...Array.from({ length: k - 1 }, (_, j) => `  t = ${at(j + 1)}; if (t < b) { s = b; b = t; bi = ${j + 1}; } else if (t < s) s = t;`),
    '  lab[off + i] = bi; first[off + i] = b; second[off + i] = s;',
    '}',
  ];
  return new Function('v', 'm', 'lab', 'first', 'second', 'off', src.join('\n')) as MinTwoKernel;
}

function genericMinTwo(k: number, layout: MinTwoLayout): MinTwoKernel {
  // element (i, j) at v[i·rowStride + j·colStride], negated for the matMul's layout
  const sign = layout === 'rows' ? 1 : -1;
  return (v, m, lab, first, second, off) => {
    const [rowStride, colStride] = layout === 'rows' ? [k, 1] : [1, m];
    for (let i = 0; i < m; i++) {
      const o = i * rowStride;
      let b = sign * (v[o] as number);
      let bi = 0;
      let s = Number.POSITIVE_INFINITY;
      for (let j = 1; j < k; j++) {
        const t = sign * (v[o + j * colStride] as number);
        if (t < b) {
          s = b;
          b = t;
          bi = j;
        } else if (t < s) s = t;
      }
      lab[off + i] = bi;
      first[off + i] = b;
      second[off + i] = s;
    }
  };
}

/** The kernels for `d` features (generated once per `d` and cached). */
export function kernelsFor(d: number): RowKernels {
  if (!Number.isInteger(d) || d <= 0) throw new RangeError(`bad feature count ${d}`);
  let k = cache.get(d);
  if (k === undefined) {
    k = d <= MAX_UNROLL ? generated(d) : generic(d);
    cache.set(d, k);
  }
  return k;
}

function generated(d: number): RowKernels {
  const Q = Array.from({ length: d }, (_, q) => q);
  const acc = [
    `let xo = start * ${d};`,
    'for (let i = start; i < end; i++) {',
    '  const l = labels[i];',
    '  counts[l] += 1;',
    `  const o = l * ${d};`,
    ...Q.map((q) => `  sums[o + ${q}] += X[xo + ${q}];`),
    `  xo += ${d};`,
    '}',
  ];
  const move = [
    `const xo = i * ${d}, fo = from * ${d}, too = to * ${d};`,
    'let v;',
    ...Q.map((q) => `v = X[xo + ${q}]; sums[fo + ${q}] -= v; sums[too + ${q}] += v;`),
    'counts[from] -= 1;',
    'counts[to] += 1;',
  ];
  const dist = [
    `let xo = start * ${d};`,
    'let total = 0;',
    'for (let i = start; i < end; i++) {',
    '  const l = labels[i];',
    '  counts[l] += 1;',
    `  const o = l * ${d};`,
    '  let t, s = 0;',
    ...Q.map((q) => `  t = X[xo + ${q}] - C[o + ${q}]; s += t * t;`),
    '  out[i - start] = s;',
    '  total += s;',
    `  xo += ${d};`,
    '}',
    'return total;',
  ];
  const rowDist = [
    `const xo = i * ${d}, o = j * ${d};`,
    'let t, s = 0;',
    ...Q.map((q) => `t = X[xo + ${q}] - C[o + ${q}]; s += t * t;`),
    'return s;',
  ];
  const norms = [
    ...Q.map((q) => `const h${q} = shift[${q}];`),
    `let xo = start * ${d};`,
    'for (let i = start; i < end; i++) {',
    '  let t, s = 0;',
    ...Q.map((q) => `  t = X[xo + ${q}] - h${q}; s += t * t;`),
    '  out[i - start] = Math.sqrt(s);',
    `  xo += ${d};`,
    '}',
  ];
  const sq32 = [
    'const f = Math.fround;',
    ...Q.map((q) => `const h${q} = shift[${q}];`),
    `let xo = start * ${d};`,
    'for (let i = start; i < end; i++) {',
    '  let t, s = 0;',
    ...Q.map((q) => `  t = f(X[xo + ${q}] - h${q}); s = f(s + f(t * t));`),
    '  out[i - start] = s;',
    `  xo += ${d};`,
    '}',
  ];
  // Blocks of 256 rows (16 KB of X at d = 16, in L1), each written column by column: the
  // d + 1 output rows are m floats apart (a multiple of 4 KB for the default chunk sizes),
  // and writing all of them row by row measured 53 ms per 1M × 16 rows against 37 ms so.
  // Each column's moments run in two chains (even and odd rows), joined at the end: one
  // chain waits on its previous add, and splitting it took 500k × 16 rows from 15.8 to 12.5 ms.
  const upload = [
    ...Q.map((q) => `let a${q} = s1[${q}], b${q} = s2[${q}], c${q} = 0, e${q} = 0; const h${q} = shift[${q}];`),
    'let t, u;',
    'for (let i0 = 0; i0 < m; i0 += 256) {',
    '  const i1 = i0 + 256 < m ? i0 + 256 : m;',
    '  for (let i = i0; i < i1; i++) out[i] = 1;',
    ...Q.map(
      (q) =>
        `  { let i = i0, xo = (start + i0) * ${d} + ${q}, o = ${q + 1} * m + i0;\n` +
        `    for (; i + 1 < i1; i += 2, xo += ${2 * d}, o += 2) ` +
        `{ t = X[xo] - h${q}; u = X[xo + ${d}] - h${q}; out[o] = t; out[o + 1] = u; a${q} += t; c${q} += u; b${q} += t * t; e${q} += u * u; }\n` +
        `    if (i < i1) { t = X[xo] - h${q}; out[o] = t; a${q} += t; b${q} += t * t; } }`,
    ),
    '}',
    ...Q.map((q) => `s1[${q}] = a${q} + c${q}; s2[${q}] = b${q} + e${q};`),
  ];
  const gather = [
    ...Q.map((q) => `const h${q} = shift[${q}];`),
    `for (let t = 0, o = 0; t < m; t++, o += ${d}) {`,
    `  const xo = rows[off + t] * ${d};`,
    ...Q.map((q) => `  out[o + ${q}] = X[xo + ${q}] - h${q};`),
    '}',
  ];
  return {
    gather: new Function('X', 'rows', 'off', 'm', 'shift', 'out', gather.join('\n')) as GatherKernel,
    upload: new Function('X', 'start', 'm', 'shift', 'out', 's1', 's2', upload.join('\n')) as UploadKernel,
    squaredNorms32: new Function('X', 'start', 'end', 'shift', 'out', sq32.join('\n')) as SquaredNormsKernel,
    rowDistance: new Function('X', 'i', 'C', 'j', rowDist.join('\n')) as RowDistanceKernel,
    norms: new Function('X', 'start', 'end', 'shift', 'out', norms.join('\n')) as NormsKernel,
    accumulate: new Function('X', 'labels', 'start', 'end', 'sums', 'counts', acc.join('\n')) as AccumulateKernel,
    move: new Function('X', 'i', 'from', 'to', 'sums', 'counts', move.join('\n')) as MoveKernel,
    distances: new Function('X', 'labels', 'C', 'start', 'end', 'out', 'counts', dist.join('\n')) as DistanceKernel,
  };
}

function generic(d: number): RowKernels {
  return {
    squaredNorms32(X, start, end, shift, out) {
      const f = Math.fround;
      for (let i = start, xo = start * d; i < end; i++, xo += d) {
        let s = 0;
        for (let q = 0; q < d; q++) {
          const t = f((X[xo + q] as number) - (shift[q] as number));
          s = f(s + f(t * t));
        }
        out[i - start] = s;
      }
    },
    upload(X, start, m, shift, out, s1, s2) {
      for (let q = 0; q < d; q++) {
        let a = s1[q] as number;
        let b = s2[q] as number;
        const h = shift[q] as number;
        for (let i = 0, xo = start * d + q, o = (q + 1) * m; i < m; i++, xo += d) {
          const t = (X[xo] as number) - h;
          out[o + i] = t;
          a += t;
          b += t * t;
        }
        s1[q] = a;
        s2[q] = b;
      }
      out.fill(1, 0, m);
    },
    gather(X, rows, off, m, shift, out) {
      for (let t = 0, o = 0; t < m; t++) {
        const xo = (rows[off + t] as number) * d;
        for (let q = 0; q < d; q++, o++) out[o] = (X[xo + q] as number) - (shift[q] as number);
      }
    },
    rowDistance(X, i, C, j) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const t = (X[i * d + q] as number) - (C[j * d + q] as number);
        s += t * t;
      }
      return s;
    },
    norms(X, start, end, shift, out) {
      for (let i = start, xo = start * d; i < end; i++, xo += d) {
        let s = 0;
        for (let q = 0; q < d; q++) {
          const t = (X[xo + q] as number) - (shift[q] as number);
          s += t * t;
        }
        out[i - start] = Math.sqrt(s);
      }
    },
    accumulate(X, labels, start, end, sums, counts) {
      for (let i = start, xo = start * d; i < end; i++, xo += d) {
        const l = labels[i] as number;
        counts[l] = (counts[l] as number) + 1;
        const o = l * d;
        for (let q = 0; q < d; q++) sums[o + q] = (sums[o + q] as number) + (X[xo + q] as number);
      }
    },
    move(X, i, from, to, sums, counts) {
      const xo = i * d;
      for (let q = 0; q < d; q++) {
        const v = X[xo + q] as number;
        sums[from * d + q] = (sums[from * d + q] as number) - v;
        sums[to * d + q] = (sums[to * d + q] as number) + v;
      }
      counts[from] = (counts[from] as number) - 1;
      counts[to] = (counts[to] as number) + 1;
    },
    distances(X, labels, C, start, end, out, counts) {
      let total = 0;
      for (let i = start, xo = start * d; i < end; i++, xo += d) {
        const l = labels[i] as number;
        counts[l] = (counts[l] as number) + 1;
        const o = l * d;
        let s = 0;
        for (let q = 0; q < d; q++) {
          const t = (X[xo + q] as number) - (C[o + q] as number);
          s += t * t;
        }
        out[i - start] = s;
        total += s;
      }
      return total;
    },
  };
}
