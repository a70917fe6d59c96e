/**
 * One block of rows kept resident on the TensorFlow.js WASM backend, with the Lloyd E-step
 * (assignment, in tfjs) and the block's part of the M-step (per-cluster sums, typed arrays).
 *
 * Used as-is on the main thread, and inside each worker of the engine (see `engine.ts`).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf-backend.ts';
import type { RowKernels } from './kernels.ts';
import { kernelsFor, minTwoFor, minTwoNegTFor } from './kernels.ts';
import type { NearestChain } from './nearest-chain.ts';
import { nearestChain } from './nearest-chain.ts';
import { heapView } from './wasm-heap.ts';

/**
 * A (d + 1) × m float32 tensor holding rows [r, r + m) of X as `RowKernels.upload` writes
 * them, filled in place: the tensor's memory is allocated uninitialised on the WASM heap and
 * every value is written through a view of it (nothing calls into WASM in between, so the
 * heap cannot grow and detach the view).
 */
function uploadChunk(
  kern: RowKernels,
  X: Float32Array,
  r: number,
  m: number,
  d: number,
  center: Float64Array,
  s1: Float64Array,
  s2: Float64Array,
): tf.Tensor2D {
  const backend = tf.backend() as BackendWasm;
  const info = backend.makeOutput([d + 1, m], 'float32');
  try {
    kern.upload(X, r, m, center, heapView(info), s1, s2);
    return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  } catch (e) {
    backend.disposeData(info.dataId);
    throw e;
  }
}

/** The block's M-step state after an E-step. */
export interface BlockSums {
  /** Per-cluster sums of the rows (k × d, float64); empty when not accumulated. */
  sums: Float64Array;
  /** Rows per cluster (k); empty when not accumulated. */
  counts: Float64Array;
  /** Rows whose label differs from the one held before this E-step. */
  changed: number;
  /** Rows whose distances to every centroid were computed (all of them in plain Lloyd). */
  computed: number;
}

/** How `assign` treats the running M-step sums. */
export type AssignMode =
  /** First E-step of a fit: every row is (re)labelled and summed from scratch. */
  | 'fresh'
  /** Later E-steps: only rows whose label changed move between the running sums. */
  | 'update'
  /** Labels only (final E-step); the running sums become stale. */
  | 'labels';

/** Options of a resident block. */
export interface ShardOptions {
  /** Rows per tensor chunk: bounds the chunk × k distance matrix held at once. */
  chunkRows: number;
  /**
   * Offset subtracted from every row on upload (≈ the data mean). The E-step works with the
   * expansion ‖c‖² − 2x·c in float32, which loses precision far from the origin; centring
   * first (as scikit-learn does) keeps it.
   */
  center: Float64Array;
}

/**
 * A block of `rows` rows of X (row-major, `d` wide) resident as WASM tensors.
 *
 * Resident layout: each chunk of m rows is held transposed, (d + 1) × m, under a row of ones,
 * so the E-step is one matMul `[−b | −W] · chunk` = −F (k × m: the bias rides on the ones
 * row) whose k rows are contiguous. That is what lets the argmin run as whole-vector
 * SIMD ops (see `assignPlain`) instead of tfjs's scalar, branchy ArgMin; the matMul gives F
 * bit for bit as `fused.matMul(x, W, b)` on row-major rows (XNNPACK starts each sum at the
 * bias, here 0 + 1·(−b) = −b, then adds the same products in the same order; negation is
 * exact), and XNNPACK keeps the chunk packed as the operator's weights between steps.
 */
export class LloydShard {
  private readonly chunks: tf.Tensor2D[] = [];
  private readonly starts: number[] = [];
  private readonly kern: RowKernels;
  /** Running M-step state, valid for `sumsK` clusters; −1 = stale. */
  private sums = new Float64Array(0);
  private counts = new Float64Array(0);
  private sumsK = -1;
  /** Scratch for the incremental M-step: the rows that moved and their old labels. */
  private movedRow = new Int32Array(0);
  private movedFrom = new Int32Array(0);
  private disposed = false;
  private readonly chunkRows: number;
  /** Σ(x − center) and Σ(x − center)² per column over the block (float64), from the upload pass. */
  readonly s1: Float64Array;
  readonly s2: Float64Array;
  /** The upload offset, rounded to float32 exactly as the resident rows were shifted. */
  private readonly center: Float64Array;

  /**
   * @param X the block's rows (a view is fine). The M-step and `distances` read it again, so
   *   it must not change while the shard lives.
   * @param labels the block's slice of the label array, written by `assign`
   */
  constructor(
    private readonly X: Float32Array,
    readonly rows: number,
    readonly d: number,
    private readonly labels: Int32Array,
    opts: ShardOptions,
  ) {
    this.kern = kernelsFor(d);
    const { chunkRows } = opts;
    this.chunkRows = chunkRows;
    const center32 = Float32Array.from(opts.center);
    this.center = Float64Array.from(center32);
    this.s1 = new Float64Array(d);
    this.s2 = new Float64Array(d);
    try {
      // One pass over X: centre, transpose under the ones row, and the column moments,
      // written straight into each chunk's WASM memory (no JS buffer copied in afterwards:
      // 500k × 16 rows upload in 16 ms instead of 18–23).
      for (let r = 0; r < rows; r += chunkRows) {
        const m = Math.min(chunkRows, rows - r);
        this.chunks.push(uploadChunk(this.kern, X, r, m, d, this.center, this.s1, this.s2));
        this.starts.push(r);
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * E-step: label each row with its nearest centroid (ties → lowest index), and keep the
   * block's per-cluster sums in step (see `AssignMode`).
   *
   * The nearest centroid minimises F = ‖c‖² − 2x·c (‖x‖² is common to every c): one matMul
   * on XNNPACK per chunk. With `bounded` (Hamerly's algorithm, opt-in) the rows whose bounds
   * prove their label cannot change are skipped and only the others go through the matMul
   * (see `assignBounded`); without it, every row does, followed by a branch-free argmin in
   * tfjs, and only the m labels come back (plain Lloyd, see `assignPlain`).
   */
  assign(centroids: Float32Array, k: number, mode: AssignMode, bounded = false): BlockSums {
    this.assertOpen();
    const { d } = this;
    const full = mode === 'fresh' || (mode === 'update' && this.sumsK !== k);
    if (full) {
      this.sums = new Float64Array(k * d);
      this.counts = new Float64Array(k);
      this.sumsK = k;
    } else if (mode === 'labels') {
      this.sumsK = -1;
    }
    // A moved row is a random access into X (≈100–170 ns, a cache miss) while re-summing
    // streams X at ≈17 ns a row, so past ~1/10 of the rows moving, re-summing is cheaper.
    // Moves are recorded first and applied at the end, so none is wasted when we re-sum.
    // When the last step moved more than twice that, this one will re-sum too (early Lloyd
    // steps move 100 %, ~20 %, ~10 % of the rows): its labels are then rewritten without
    // recording moves, and without the branch per changed row, which mispredicts.
    let moveLimit = mode === 'update' ? Math.floor(this.rows / 10) : 0;
    const rewrite = mode === 'update' && !full && !bounded && this.lastChanged > 2 * moveLimit;
    if (rewrite) moveLimit = 0;
    if (this.movedRow.length < moveLimit) {
      this.movedRow = new Int32Array(moveLimit);
      this.movedFrom = new Int32Array(moveLimit);
    }
    this.step = { full, rewrite, moveLimit, changed: 0, resum: rewrite, computed: 0 };
    const WT = this.negWeights(centroids, k);
    // Bounds pay off only once few labels change: setting them up costs a little more than a
    // plain step (every row's distances read back), and while many rows move most are in
    // doubt anyway. So a bounded fit runs plain steps until a step changes ≤ 2 % of the rows.
    const useBounds = bounded && !full && (this.boundsK === k || this.lastChanged * 50 <= this.rows);
    try {
      if (useBounds) this.assignBounded(centroids, k, WT);
      else this.assignPlain(WT, k, full);
    } finally {
      WT.dispose();
    }
    this.lastChanged = this.step.changed;
    const { sums, counts, step } = this;
    const { changed, computed } = step;
    if (step.resum) {
      sums.fill(0);
      counts.fill(0);
      this.kern.accumulate(this.X, this.labels, 0, this.rows, sums, counts);
    } else if (mode === 'update' && !full) {
      const { movedRow, movedFrom } = this;
      for (let t = 0; t < changed; t++) {
        const i = movedRow[t] as number;
        this.kern.move(this.X, i, movedFrom[t] as number, this.labels[i] as number, sums, counts);
      }
    }
    if (mode === 'labels') return { sums: new Float64Array(0), counts: new Float64Array(0), changed, computed };
    return { sums: sums.slice(), counts: counts.slice(), changed, computed };
  }

  /** Rows whose label changed in the last E-step. */
  private lastChanged = 0;
  /** Bookkeeping of the E-step in progress (see `relabel`). */
  private step = { full: false, rewrite: false, moveLimit: 0, changed: 0, resum: false, computed: 0 };

  /**
   * Gives row i (block-local) its new label `now`. In a full step the sums are rebuilt
   * afterwards; otherwise a change is recorded for the incremental M-step (after the first
   * iterations few rows move, so this is far cheaper than re-summing every row).
   */
  private relabel(i: number, now: number): void {
    const { labels, step } = this;
    const was = labels[i] as number;
    if (step.full) {
      labels[i] = now;
      return;
    }
    if (now === was) return;
    if (step.changed < step.moveLimit) {
      this.movedRow[step.changed] = i;
      this.movedFrom[step.changed] = was;
    } else if (step.moveLimit > 0) {
      step.resum = true;
    }
    step.changed++;
    labels[i] = now;
  }

  /** The nearest-centroid chain per chunk size, for `chainsK` centroids (see nearest-chain.ts). */
  private chains = new Map<number, NearestChain>();
  private chainsK = -1;

  private chainFor(k: number, m: number): NearestChain {
    if (this.chainsK !== k) this.disposeChains();
    this.chainsK = k;
    let chain = this.chains.get(m);
    if (chain === undefined) {
      chain = nearestChain(k, m, this.d + 1);
      this.chains.set(m, chain);
    }
    return chain;
  }

  private disposeChains(): void {
    for (const c of this.chains.values()) c.dispose();
    this.chains.clear();
    this.chainsK = -1;
  }

  /**
   * Plain Lloyd E-step, every chunk: the nearest centroid of each row by the branch-free
   * chain of `nearest-chain.ts` (one matMul, then whole-vector SIMD ops); only the m codes
   * come back to JS. Measured per 1M × 16 rows, k = 8, two copies running at once (as main +
   * worker do), load ≈ 10: 30–33 ms a step against 47–48 ms for `fused.matMul` + ArgMin +
   * readback (ArgMin's branches mispredict; alone it measured 8–28 ms on the same data,
   * depending on what else ran).
   */
  private assignPlain(WT: tf.Tensor2D, k: number, full: boolean): void {
    const { X, labels, sums, counts, step } = this;
    this.boundsK = -1; // labels move without the bounds following
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as tf.Tensor2D;
      const start = this.starts[c] as number;
      const m = chunk.shape[1];
      const chain = this.chainFor(k, m);
      const toLabel = chain.labelScale;
      const got = chain.run(WT, chunk);
      step.computed += m;
      if (full) {
        for (let i = 0; i < m; i++) labels[start + i] = (got[i] as number) * toLabel;
        step.changed += m;
        this.kern.accumulate(X, labels, start, start + m, sums, counts);
      } else if (step.rewrite) {
        let changed = 0;
        for (let i = 0, j = start; i < m; i++, j++) {
          const now = (got[i] as number) * toLabel;
          changed += +(now !== labels[j]);
          labels[j] = now;
        }
        step.changed += changed;
      } else {
        for (let i = 0; i < m; i++) {
          const now = (got[i] as number) * toLabel;
          if (now !== labels[start + i]) this.relabel(start + i, now);
        }
      }
    }
  }

  // --- Distance bounds (Hamerly's, kept against centroid snapshots) ----------------------

  /** ‖x − center‖ of every row (float64), computed on first use, and the largest. */
  private rnorm: Float64Array | undefined;
  private rmax = 0;
  /** upper[i] ≥ ‖x_i − c_label‖ for the centroids of snapshot `ustamp[i]`. */
  private upper = new Float64Array(0);
  private ustamp = new Int32Array(0);
  /** lower[i] ≤ ‖x_i − c_j‖ for every j ≠ label, for the centroids of snapshot `lstamp[i]`. */
  private lower = new Float64Array(0);
  private lstamp = new Int32Array(0);
  /** The centroids of every E-step of the current fit (snapshots), for k clusters; k = −1: none. */
  private history: Float32Array[] = [];
  private boundsK = -1;
  /** Scratch: rows to recompute, and the per-row results of the min/second-min scan. */
  private todo = new Int32Array(0);
  private gathered = new Float32Array(0);
  private scanLab = new Int32Array(0);
  private scanFirst = new Float64Array(0);
  private scanSecond = new Float64Array(0);

  /**
   * The E-step with distance bounds: exactly plain Lloyd's labels, computing distances only
   * for the rows whose label could change.
   *
   * Bounds (Hamerly 2010, "Making k-means even faster"; kept against snapshots): when a
   * row's k distances are computed it keeps an upper bound u on the distance to its own
   * centroid and a lower bound l on the distance to every other one, with the snapshot of
   * centroids they refer to. Later, with δ_j the distance c_j has moved since that snapshot
   * (net, not summed per iteration, so the bounds stay tighter): u + δ_label bounds the own
   * distance, l − max_{j≠label} δ_j every other, and so does ‖c_a − c_j‖ − u (triangle
   * inequality). A row whose u stays below max(l, s_a − u) (s_a: distance from its centroid
   * to the nearest other) cannot change label and is skipped. The others get u recomputed
   * exactly (one distance, float64, in JS) and are tested again; those still in doubt have
   * their k distances computed by the same tfjs matMul as plain Lloyd — on the gathered rows,
   * or on every resident chunk when more than a third of the rows are in doubt (cheaper).
   *
   * Same labels as plain Lloyd, not just the same nearest centroid: plain Lloyd takes the
   * argmin of float32 values F_j = ‖c_j‖² − 2x·c_j (centred), which differ from the exact
   * ‖x − c_j‖² − ‖x‖² by at most E = κ (‖x‖ + max_j ‖c_j‖)², κ = 2 (d + 4) 2⁻²⁴ (the
   * textbook bound for a float32 dot product of d + 1 terms plus the roundings of x, W and
   * the bias, doubled). So a row is skipped only when u² + 2E < max(l, s_a − u)², with E
   * taken at the largest ‖x‖ of the block: then the exact and the float32 argmin are both
   * its label. Bounds set from a row's float32 values are widened by its own E; the float64
   * rounding of the bookkeeping (≈1e-16 relative) is far inside E (≈1e-6 relative). For
   * gathered rows the row-major `fused.matMul` gives bit for bit the values of the resident
   * chunks' transposed matMul (XNNPACK sums each value alike, from the bias, in the same
   * order; tested), so their argmin is plain Lloyd's too.
   */
  private assignBounded(C: Float32Array, k: number, WT: tf.Tensor2D): void {
    const { d, rows, X, center, step } = this;
    if (this.rnorm === undefined) {
      const rnorm = new Float64Array(rows);
      this.kern.norms(X, 0, rows, center, rnorm);
      let rmax = 0;
      for (let i = 0; i < rows; i++) if ((rnorm[i] as number) > rmax) rmax = rnorm[i] as number;
      this.rnorm = rnorm;
      this.rmax = rmax * (1 + 1e-12);
    }
    if (this.upper.length !== rows) {
      this.upper = new Float64Array(rows);
      this.ustamp = new Int32Array(rows);
      this.lower = new Float64Array(rows);
      this.lstamp = new Int32Array(rows);
      this.todo = new Int32Array(rows);
    }
    // Largest centroid norm (centred), rounded up a little for the float64 sum.
    let cmax = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const t = (C[j * d + q] as number) - (center[q] as number);
        s += t * t;
      }
      if (s > cmax) cmax = s;
    }
    cmax = Math.sqrt(cmax) * (1 + 1e-12);
    const kappa = 2 * (d + 4) * 2 ** -24;

    if (this.boundsK !== k) {
      this.history = [C.slice()];
      this.boundsK = k;
      this.assignAll(WT, k, cmax, kappa);
      return;
    }
    this.history.push(C.slice());
    // Every row's E is at most this (rmax: the largest ‖x − center‖): one bound for all rows.
    const e2 = 2 * kappa * (this.rmax + cmax) * (this.rmax + cmax);
    const drift = this.drifts(C, k);
    // When most rows are in doubt (early iterations), streaming every resident chunk through
    // the matMul beats checking and gathering them: a 1-in-32 sample of the check decides.
    const sampled = this.inDoubt(C, k, drift, e2, 31, 32, false);
    const nTodo = sampled * 3 * 32 > rows ? rows : this.inDoubt(C, k, drift, e2, 0, 1, true);
    if (nTodo * 3 > rows) {
      this.assignAll(WT, k, cmax, kappa);
      return;
    }
    step.computed += nTodo;
    // The rows in doubt, a batch at a time, gathered in JS (tfjs-wasm's gather is a generic
    // per-element loop, ~50× slower); the float32 store rounds x − center exactly as the
    // upload did, so the rows are bit-identical to the resident ones.
    const { todo } = this;
    const batch = this.chunkRows;
    if (nTodo === 0) return;
    const [W, bias] = this.weights(C, k);
    try {
      for (let t0 = 0; t0 < nTodo; t0 += batch) {
        const m = Math.min(batch, nTodo - t0);
        if (this.gathered.length < m * d) this.gathered = new Float32Array(Math.min(nTodo, batch) * d);
        const buf = this.gathered.subarray(0, m * d);
        this.kern.gather(X, todo, t0, m, center, buf);
        const G = tf.tensor2d(buf, [m, d], 'float32');
        try {
          this.scanDistances(G, W, bias, k, m);
        } finally {
          G.dispose();
        }
        this.record(m, todo, t0, cmax, kappa);
      }
    } finally {
      W.dispose();
      bias.dispose();
    }
  }

  /** Every row through the matMul: labels and fresh bounds. */
  private assignAll(WT: tf.Tensor2D, k: number, cmax: number, kappa: number): void {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as tf.Tensor2D;
      const m = chunk.shape[1];
      this.ensureScan(m);
      const N = tf.matMul(WT, chunk);
      try {
        minTwoNegTFor(k)(heapView(N), m, this.scanLab, this.scanFirst, this.scanSecond, 0);
      } finally {
        N.dispose();
      }
      this.record(m, null, this.starts[c] as number, cmax, kappa);
      this.step.computed += m;
    }
  }

  /**
   * For the centroids C (the last snapshot): drift[t·k + j], how far c_j moved since
   * snapshot t (rounded up); far[t·k + a], the largest drift of the centroids other than a;
   * sep[a], the distance from c_a to the nearest other centroid (rounded down).
   */
  private drifts(C: Float32Array, k: number): { drift: Float64Array; far: Float64Array; sep: Float64Array } {
    const { d, history } = this;
    const now = history.length - 1;
    const drift = new Float64Array(history.length * k);
    const far = new Float64Array(history.length * k);
    for (let t = 0; t < now; t++) {
      const P = history[t] as Float32Array;
      let m1 = 0;
      let m1j = -1;
      let m2 = 0;
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let q = 0; q < d; q++) {
          const v = (C[j * d + q] as number) - (P[j * d + q] as number);
          s += v * v;
        }
        const v = s > 0 ? Math.sqrt(s) * (1 + 1e-12) : 0;
        drift[t * k + j] = v;
        if (v > m1) {
          m2 = m1;
          m1 = v;
          m1j = j;
        } else if (v > m2) m2 = v;
      }
      for (let a = 0; a < k; a++) far[t * k + a] = a === m1j ? m2 : m1;
    }
    const sep = new Float64Array(k).fill(Number.POSITIVE_INFINITY);
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        let s = 0;
        for (let q = 0; q < d; q++) {
          const v = (C[a * d + q] as number) - (C[b * d + q] as number);
          s += v * v;
        }
        const v = Math.sqrt(s) * (1 - 1e-12);
        if (v < (sep[a] as number)) sep[a] = v;
        if (v < (sep[b] as number)) sep[b] = v;
      }
    }
    return { drift, far, sep };
  }

  /**
   * Counts the rows i = from, from + stride, … whose label the bounds cannot vouch for
   * against the centroids C (the last snapshot), tightening u on the way; with `collect`,
   * also lists them (block-local, ascending) in `this.todo`.
   */
  private inDoubt(
    C: Float32Array,
    k: number,
    { drift, far, sep }: { drift: Float64Array; far: Float64Array; sep: Float64Array },
    e2: number,
    from: number,
    stride: number,
    collect: boolean,
  ): number {
    const { rows, X, labels, upper, ustamp, lower, lstamp, todo, history } = this;
    const now = history.length - 1;
    const rowDistance = this.kern.rowDistance;
    let nTodo = 0;
    for (let i = from; i < rows; i += stride) {
      const a = labels[i] as number;
      const tu = ustamp[i] as number;
      let u = (upper[i] as number) + (drift[tu * k + a] as number);
      const l = (lower[i] as number) - (far[(lstamp[i] as number) * k + a] as number);
      let z = (sep[a] as number) - u;
      if (l > z) z = l;
      if (z > 0 && u * u + e2 < z * z) continue;
      if (tu !== now) {
        // Tighten u to the exact distance (rounded up) and test again.
        u = Math.sqrt(rowDistance(X, i, C, a)) * (1 + 1e-12);
        upper[i] = u;
        ustamp[i] = now;
        z = (sep[a] as number) - u;
        if (l > z) z = l;
        if (z > 0 && u * u + e2 < z * z) continue;
      }
      if (collect) todo[nTodo] = i;
      nTodo++;
    }
    return nTodo;
  }

  /**
   * F = A·W + b for the m rows of A (centred), read back; per row the argmin (ties → lowest
   * index, as tfjs's argMin), its value and the second smallest value, into the scan scratch.
   */
  private scanDistances(A: tf.Tensor2D, W: tf.Tensor2D, bias: tf.Tensor1D, k: number, m: number): void {
    this.ensureScan(m);
    const D = tf.fused.matMul({ a: A, b: W, bias });
    try {
      minTwoFor(k)(D.dataSync() as Float32Array, m, this.scanLab, this.scanFirst, this.scanSecond, 0);
    } finally {
      D.dispose();
    }
  }

  private ensureScan(m: number): void {
    if (this.scanLab.length < m) {
      this.scanLab = new Int32Array(m);
      this.scanFirst = new Float64Array(m);
      this.scanSecond = new Float64Array(m);
    }
  }

  /**
   * Labels and bounds of the m rows of the last scan: row t is `rows[off + t]` when `rows`
   * is given, else `off + t`.
   */
  private record(m: number, rows: Int32Array | null, off: number, cmax: number, kappa: number): void {
    const { upper, ustamp, lower, lstamp, scanLab, scanFirst, scanSecond } = this;
    const rnorm = this.rnorm as Float64Array;
    const now = this.history.length - 1;
    for (let t = 0; t < m; t++) {
      const i = rows === null ? off + t : (rows[off + t] as number);
      const r = rnorm[i] as number;
      const rr = r * r;
      const e = kappa * (r + cmax) * (r + cmax);
      const hi = (scanFirst[t] as number) + rr + e;
      const lo = (scanSecond[t] as number) + rr - e;
      upper[i] = hi > 0 ? Math.sqrt(hi) : 0;
      lower[i] = lo > 0 ? Math.sqrt(lo) : 0;
      ustamp[i] = now;
      lstamp[i] = now;
      this.relabel(i, scanLab[t] as number);
    }
  }

  /**
   * W = −2 (C − μ)ᵀ (d × k) and b = ‖C − μ‖² (k), so that x·W + b = ‖x − c‖² − ‖x‖² for the
   * centred rows x. (Untransposed on purpose: tfjs-wasm 4.22's fused matMul adds the bias
   * wrongly when transposeB is set.)
   */
  private weights(C: Float32Array, k: number): [tf.Tensor2D, tf.Tensor1D] {
    const { w, b } = this.weightValues(C, k);
    return [tf.tensor2d(w, [this.d, k], 'float32'), tf.tensor1d(b, 'float32')];
  }

  /**
   * The same weights negated and laid out for the resident (transposed) chunks: row j is
   * [−b_j, −W_0j, …, −W_(d−1)j] (k × (d + 1)), so `matMul(WT, chunk)` = −(x·W + b).
   */
  private negWeights(C: Float32Array, k: number): tf.Tensor2D {
    const { d } = this;
    const { w, b } = this.weightValues(C, k);
    const wt = new Float32Array(k * (d + 1));
    for (let j = 0; j < k; j++) {
      wt[j * (d + 1)] = -(b[j] as number);
      for (let q = 0; q < d; q++) wt[j * (d + 1) + 1 + q] = -(w[q * k + j] as number);
    }
    return tf.tensor2d(wt, [k, d + 1], 'float32');
  }

  private weightValues(C: Float32Array, k: number): { w: Float32Array; b: Float32Array } {
    const { d, center } = this;
    const w = new Float32Array(d * k);
    const b = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const c = (C[j * d + q] as number) - (center[q] as number);
        w[q * k + j] = -2 * c;
        s += c * c;
      }
      b[j] = s;
    }
    return { w, b };
  }

  // --- k-means++ seeding support (see kmeanspp.ts) ---------------------------------------

  /** ‖x‖² of every centred row, in float32 (computed on first use, kept until `dispose`). */
  private norms: Float32Array | undefined;
  /** D(x)²: squared distance of every row to its nearest chosen centre. */
  private closest: Float64Array | undefined;
  /** Squared distances to the last trial's candidates, rows × L. */
  private trial: Float32Array | undefined;
  private trialL = 0;

  /**
   * Squared distances (rows × L) from every row to the L points P (L × d), through the same
   * matMul expansion as the E-step, clamped at 0.
   */
  private pointDistances(P: Float32Array, L: number): Float32Array {
    this.assertOpen();
    if (this.norms === undefined) {
      // In JS, not tfjs: the resident chunks are transposed, and a tfjs reduction over them
      // would have XNNPACK pack the squared chunks first (≈ 85 ms per 1M rows).
      const norms = new Float32Array(this.rows);
      this.kern.squaredNorms32(this.X, 0, this.rows, this.center, norms);
      this.norms = norms;
    }
    const norms = this.norms;
    const out = new Float32Array(this.rows * L);
    const WT = this.negWeights(P, L);
    try {
      for (let c = 0; c < this.chunks.length; c++) {
        const N = tf.matMul(WT, this.chunks[c] as tf.Tensor2D); // −(x·W + b), L × m
        try {
          const v = heapView(N);
          const start = this.starts[c] as number;
          const m = v.length / L;
          for (let i = 0, o = start * L; i < m; i++) {
            const xx = norms[start + i] as number;
            for (let t = 0; t < L; t++, o++) {
              const dd = xx - (v[t * m + i] as number);
              out[o] = dd > 0 ? dd : 0;
            }
          }
        } finally {
          N.dispose();
        }
      }
    } finally {
      WT.dispose();
    }
    return out;
  }

  /** Starts seeding with the first centre c (d values); returns the block's Σ D(x)². */
  ppBegin(c: Float32Array): number {
    const D = this.pointDistances(c, 1);
    const closest = Float64Array.from(D);
    this.closest = closest;
    let pot = 0;
    for (let i = 0; i < this.rows; i++) pot += closest[i] as number;
    return pot;
  }

  /** For each of the L candidates P (L × d): the block's Σ min(D(x)², ‖x − p‖²). */
  ppTrial(P: Float32Array, L: number): Float64Array {
    const closest = this.ppState();
    const D = this.pointDistances(P, L);
    this.trial = D;
    this.trialL = L;
    const pots = new Float64Array(L);
    for (let i = 0, o = 0; i < this.rows; i++) {
      const cl = closest[i] as number;
      for (let t = 0; t < L; t++, o++) {
        const v = D[o] as number;
        pots[t] = (pots[t] as number) + (v < cl ? v : cl);
      }
    }
    return pots;
  }

  /**
   * Adds a centre: candidate `t` of the last trial, or (t < 0) the point c. Returns the
   * block's new Σ D(x)².
   */
  ppCommit(t: number, c: Float32Array | null): number {
    const closest = this.ppState();
    let D: Float32Array;
    let L: number;
    if (t >= 0 && this.trial !== undefined && t < this.trialL) {
      D = this.trial;
      L = this.trialL;
    } else if (c !== null) {
      D = this.pointDistances(c, 1);
      L = 1;
      t = 0;
    } else {
      throw new Error('ppCommit needs a trial candidate or a point');
    }
    let pot = 0;
    for (let i = 0; i < this.rows; i++) {
      const v = D[i * L + t] as number;
      const cl = closest[i] as number;
      const m = v < cl ? v : cl;
      closest[i] = m;
      pot += m;
    }
    this.trial = undefined;
    return pot;
  }

  /**
   * Rows (block-local) at the given positions of the cumulative D(x)² (ascending targets in
   * [0, block Σ D(x)²)): a draw with probability ∝ D(x)².
   */
  ppPick(targets: Float64Array): Int32Array {
    const closest = this.ppState();
    const out = new Int32Array(targets.length);
    let acc = 0;
    let i = 0;
    for (let t = 0; t < targets.length; t++) {
      const r = targets[t] as number;
      while (i < this.rows - 1 && acc + (closest[i] as number) <= r) acc += closest[i++] as number;
      out[t] = i;
    }
    return out;
  }

  /** Frees the seeding state. */
  ppEnd(): void {
    this.closest = undefined;
    this.trial = undefined;
  }

  private ppState(): Float64Array {
    if (this.closest === undefined) throw new Error('k-means++ step before ppBegin');
    return this.closest;
  }

  /**
   * Exact squared distance (float64 differences) of every row to its labelled centroid,
   * into `out` (the block's slice); returns their sum (the block's inertia) and the rows per
   * cluster (k).
   */
  distances(centroids: Float32Array, k: number, out: Float32Array): { total: number; counts: Float64Array } {
    this.assertOpen();
    const counts = new Float64Array(k);
    const total = this.kern.distances(this.X, this.labels, centroids, 0, this.rows, out, counts);
    return { total, counts };
  }

  /** Frees the WASM tensors; the shard cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.chunks) t.dispose();
    this.chunks.length = 0;
    this.disposeChains();
    this.ppEnd();
    this.norms = undefined;
    this.rnorm = undefined;
    this.upper = this.lower = this.scanFirst = this.scanSecond = new Float64Array(0);
    this.todo = this.ustamp = this.lstamp = this.scanLab = new Int32Array(0);
    this.gathered = new Float32Array(0);
    this.history = [];
    this.boundsK = -1;
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('LloydShard used after dispose()');
  }
}
