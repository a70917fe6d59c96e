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
   * Offset subtracted from every row on upload (the data mean). The E-step works with the
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
  private disposed = false;
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
    const { d, X, labels, center } = this;
    // W = −2 (C − μ)ᵀ  (d × k),  b = ‖C − μ‖²  (k)
    const w = new Float32Array(d * k);
    const b = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const c = (centroids[j * d + q] as number) - (center[q] as number);
        w[q * k + j] = -2 * c;
        s += c * c;
      }
      b[j] = s;
    }
    const full = mode === 'fresh' || (mode === 'update' && this.sumsK !== k);
    if (full) {
      this.sums = new Float64Array(k * d);
      this.counts = new Float64Array(k);
      this.sumsK = k;
    } else if (mode === 'labels') {
      this.sumsK = -1;
    }
    const { sums, counts } = this;
    const W = tf.tensor2d(w, [d, k], 'float32');
    const bias = tf.tensor1d(b, 'float32');
    let changed = 0;
    // Moving a row costs ~4× summing one, so past this many moves re-summing is cheaper.
    const moveLimit = mode === 'update' ? this.rows >>> 2 : 0;
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
            changed++;
            labels[start + i] = now;
            // Incremental M-step: after the first iterations few rows move, so this is
            // far cheaper than re-summing every row.
            if (changed <= moveLimit) this.kern.move(X, start + i, was, now, sums, counts);
            else resum = mode === 'update';
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
    }
    if (mode === 'labels') return { sums: new Float64Array(0), counts: new Float64Array(0), changed };
    return { sums: sums.slice(), counts: counts.slice(), changed };
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
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('LloydShard used after dispose()');
  }
}
