/**
 * One block of rows kept resident on the TensorFlow.js WASM backend, with the Lloyd E-step
 * (assignment, in tfjs) and the block's part of the M-step (per-cluster sums, typed arrays).
 *
 * Used as-is on the main thread, and inside each worker of the engine (see `engine.ts`).
 */
import { tf } from '../tf-backend.ts';
import type { RowKernels } from './kernels.ts';
import { kernelsFor } from './kernels.ts';

/** The block's M-step state after an E-step. */
export interface BlockSums {
  /** Per-cluster sums of the rows (k × d, float64); empty when not accumulated. */
  sums: Float64Array;
  /** Rows per cluster (k); empty when not accumulated. */
  counts: Float64Array;
  /** Rows whose label differs from the one held before this E-step. */
  changed: number;
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

/** A block of `rows` rows of X (row-major, `d` wide) resident as WASM tensors. */
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
    const center32 = Float32Array.from(opts.center);
    this.center = Float64Array.from(center32);
    this.s1 = new Float64Array(d);
    this.s2 = new Float64Array(d);
    this.kern.moments(X, 0, rows, this.center, this.s1, this.s2);
    const mu = tf.tensor1d(center32, 'float32');
    try {
      for (let r = 0; r < rows; r += chunkRows) {
        const m = Math.min(chunkRows, rows - r);
        const raw = tf.tensor2d(X.subarray(r * d, (r + m) * d), [m, d], 'float32');
        // Centring in WASM (SIMD) costs ~2 ms per 1M × 16 rows; the same JS loop ~60 ms.
        this.chunks.push(tf.sub(raw, mu));
        raw.dispose();
        this.starts.push(r);
      }
    } catch (e) {
      this.dispose();
      throw e;
    } finally {
      mu.dispose();
    }
  }

  /**
   * E-step: label each row with its nearest centroid (ties → lowest index), and keep the
   * block's per-cluster sums in step (see `AssignMode`).
   *
   * The nearest centroid minimises ‖c‖² − 2x·c (‖x‖² is common to every c): one fused
   * matMul-with-bias on XNNPACK and one argMin per chunk; only the int32 labels come back.
   */
  assign(centroids: Float32Array, k: number, mode: AssignMode): BlockSums {
    this.assertOpen();
    const { d, X, labels } = this;
    const full = mode === 'fresh' || (mode === 'update' && this.sumsK !== k);
    if (full) {
      this.sums = new Float64Array(k * d);
      this.counts = new Float64Array(k);
      this.sumsK = k;
    } else if (mode === 'labels') {
      this.sumsK = -1;
    }
    const { sums, counts } = this;
    const [W, bias] = this.weights(centroids, k);
    let changed = 0;
    // A moved row is a random access into X (≈100–170 ns, a cache miss) while re-summing
    // streams X at ≈17 ns a row, so past ~1/10 of the rows moving, re-summing is cheaper.
    // Moves are recorded first and applied at the end, so none is wasted when we re-sum.
    const moveLimit = mode === 'update' ? Math.floor(this.rows / 10) : 0;
    if (this.movedRow.length < moveLimit) {
      this.movedRow = new Int32Array(moveLimit);
      this.movedFrom = new Int32Array(moveLimit);
    }
    const { movedRow, movedFrom } = this;
    let resum = false;
    try {
      for (let c = 0; c < this.chunks.length; c++) {
        const chunk = this.chunks[c] as tf.Tensor2D;
        const start = this.starts[c] as number;
        const m = chunk.shape[0];
        const D = tf.fused.matMul({ a: chunk, b: W, bias });
        const L = tf.argMin(D, 1);
        D.dispose();
        const got = L.dataSync() as Int32Array;
        L.dispose();
        if (full) {
          labels.set(got, start);
          changed += m;
          this.kern.accumulate(X, labels, start, start + m, sums, counts);
        } else {
          for (let i = 0; i < m; i++) {
            const now = got[i] as number;
            const was = labels[start + i] as number;
            if (now === was) continue;
            // Incremental M-step: after the first iterations few rows move, so this is
            // far cheaper than re-summing every row.
            if (changed < moveLimit) {
              movedRow[changed] = start + i;
              movedFrom[changed] = was;
            } else {
              resum = mode === 'update';
            }
            changed++;
            labels[start + i] = now;
          }
        }
      }
    } finally {
      W.dispose();
      bias.dispose();
    }
    if (resum) {
      sums.fill(0);
      counts.fill(0);
      this.kern.accumulate(X, labels, 0, this.rows, sums, counts);
    } else if (mode === 'update') {
      for (let t = 0; t < changed; t++) {
        const i = movedRow[t] as number;
        this.kern.move(X, i, movedFrom[t] as number, labels[i] as number, sums, counts);
      }
    }
    if (mode === 'labels') return { sums: new Float64Array(0), counts: new Float64Array(0), changed };
    return { sums: sums.slice(), counts: counts.slice(), changed };
  }

  /**
   * W = −2 (C − μ)ᵀ (d × k) and b = ‖C − μ‖² (k), so that x·W + b = ‖x − c‖² − ‖x‖² for the
   * centred rows x. (Untransposed on purpose: tfjs-wasm 4.22's fused matMul adds the bias
   * wrongly when transposeB is set.)
   */
  private weights(C: Float32Array, k: number): [tf.Tensor2D, tf.Tensor1D] {
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
    return [tf.tensor2d(w, [d, k], 'float32'), tf.tensor1d(b, 'float32')];
  }

  // --- k-means++ seeding support (see kmeanspp.ts) ---------------------------------------

  /** ‖x‖² of every centred row (computed on first use). */
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
      const norms = new Float32Array(this.rows);
      for (let c = 0; c < this.chunks.length; c++) {
        const t = tf.tidy(() => tf.sum(tf.square(this.chunks[c] as tf.Tensor2D), 1));
        norms.set(t.dataSync() as Float32Array, this.starts[c] as number);
        t.dispose();
      }
      this.norms = norms;
    }
    const norms = this.norms;
    const out = new Float32Array(this.rows * L);
    const [W, bias] = this.weights(P, L);
    try {
      for (let c = 0; c < this.chunks.length; c++) {
        const D = tf.fused.matMul({ a: this.chunks[c] as tf.Tensor2D, b: W, bias });
        const v = D.dataSync() as Float32Array;
        D.dispose();
        const start = this.starts[c] as number;
        const m = v.length / L;
        for (let i = 0, o = 0; i < m; i++) {
          const xx = norms[start + i] as number;
          for (let t = 0; t < L; t++, o++) {
            const dd = xx + (v[o] as number);
            out[start * L + o] = dd > 0 ? dd : 0;
          }
        }
      }
    } finally {
      W.dispose();
      bias.dispose();
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
    this.norms = undefined;
  }

  private ppState(): Float64Array {
    if (this.closest === undefined) throw new Error('k-means++ step before ppBegin');
    return this.closest;
  }

  /**
   * Exact squared distance (float64 differences) of every row to its labelled centroid,
   * into `out` (the block's slice); returns their sum, the block's inertia.
   */
  distances(centroids: Float32Array, out: Float32Array): number {
    this.assertOpen();
    return this.kern.distances(this.X, this.labels, centroids, 0, this.rows, out);
  }

  /** Frees the WASM tensors; the shard cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.chunks) t.dispose();
    this.chunks.length = 0;
    this.ppEnd();
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('LloydShard used after dispose()');
  }
}
