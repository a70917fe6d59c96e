/**
 * Typed-array row kernels specialised for a feature count `d`.
 *
 * Why code generation: with `d` a literal and the per-row loop unrolled, V8 keeps a row in
 * registers and drops the inner loop and its bounds checks. Measured on 1M × 16 rows
 * (Node 20): per-cluster sums 16.6 ms generated vs 25 ms (4× unrolled by hand) vs 41 ms
 * (plain nested loop). Only the integer `d` is ever interpolated into the source. Above
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
 * k × d) into `out[i - start]`, and returns their sum. Exact float64 differences, no
 * ‖x‖² − 2x·c + ‖c‖² expansion.
 */
export type DistanceKernel = (
  X: Float32Array,
  labels: Int32Array,
  C: Float32Array,
  start: number,
  end: number,
  out: Float32Array,
) => number;

/** Adds, per column, Σ(x − shift) into `s1` and Σ(x − shift)² into `s2` over rows [start, end). */
export type MomentsKernel = (
  X: Float32Array,
  start: number,
  end: number,
  shift: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
) => void;

/** Moves row i of X from cluster `from` to cluster `to` in running sums (incremental M-step). */
export type MoveKernel = (
  X: Float32Array,
  i: number,
  from: number,
  to: number,
  sums: Float64Array,
  counts: Float64Array,
) => void;

export interface RowKernels {
  accumulate: AccumulateKernel;
  move: MoveKernel;
  distances: DistanceKernel;
  moments: MomentsKernel;
}

const MAX_UNROLL = 64;
const cache = new Map<number, RowKernels>();

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
    `  const o = labels[i] * ${d};`,
    '  let t, s = 0;',
    ...Q.map((q) => `  t = X[xo + ${q}] - C[o + ${q}]; s += t * t;`),
    '  out[i - start] = s;',
    '  total += s;',
    `  xo += ${d};`,
    '}',
    'return total;',
  ];
  const mom = [
    ...Q.map((q) => `let a${q} = 0, b${q} = 0; const h${q} = shift[${q}];`),
    `let xo = start * ${d};`,
    'let t;',
    'for (let i = start; i < end; i++) {',
    ...Q.map((q) => `  t = X[xo + ${q}] - h${q}; a${q} += t; b${q} += t * t;`),
    `  xo += ${d};`,
    '}',
    ...Q.map((q) => `s1[${q}] += a${q}; s2[${q}] += b${q};`),
  ];
  return {
    accumulate: new Function('X', 'labels', 'start', 'end', 'sums', 'counts', acc.join('\n')) as AccumulateKernel,
    move: new Function('X', 'i', 'from', 'to', 'sums', 'counts', move.join('\n')) as MoveKernel,
    distances: new Function('X', 'labels', 'C', 'start', 'end', 'out', dist.join('\n')) as DistanceKernel,
    moments: new Function('X', 'start', 'end', 'shift', 's1', 's2', mom.join('\n')) as MomentsKernel,
  };
}

function generic(d: number): RowKernels {
  return {
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
    distances(X, labels, C, start, end, out) {
      let total = 0;
      for (let i = start, xo = start * d; i < end; i++, xo += d) {
        const o = (labels[i] as number) * d;
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
    moments(X, start, end, shift, s1, s2) {
      for (let i = start, xo = start * d; i < end; i++, xo += d) {
        for (let q = 0; q < d; q++) {
          const t = (X[xo + q] as number) - (shift[q] as number);
          s1[q] = (s1[q] as number) + t;
          s2[q] = (s2[q] as number) + t * t;
        }
      }
    },
  };
}
