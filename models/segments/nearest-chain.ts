/**
 * The plain E-step's nearest-centroid chain for one resident chunk (see
 * `LloydShard.assignPlain`): −F = WT · chunk by one matMul, then the argmin of F with ties to
 * the lowest index, from whole-vector ops that XNNPACK runs in SIMD without branches:
 *   P = maxPool_j N_j            (= −min F)
 *   S_j = step(P − N_j)          (0 where F_j is the minimum, else 1: the float32
 *                                 difference is 0 only for equal values and keeps the sign)
 *   code = maxPool_j(−j·2⁻ᵉ − S_j)   (label = −2ᵉ · code: the smallest j with S_j = 0)
 *
 * Two implementations give the same values bit for bit (tested):
 * - `DirectChain` calls tfjs-backend-wasm's compiled kernels (BatchMatMul, MaxPool, Sub,
 *   Step) by their exported names in the backend's WASM module, as the backend's own kernel
 *   wrappers do, writing into output buffers allocated once per chunk size. Each `tf.*` op
 *   instead goes through tfjs-core's engine: a kernel lookup, a fresh output on the WASM heap,
 *   Tensor objects and scope tracking, about 7 KB of short-lived JS objects per op. Measured
 *   per 16 × 32,768-row step (k = 8, d = 16) on one thread: 8.0–8.3 ms against 9.4–10.1 ms.
 * - `OpsChain` runs the same ops through `tf.*`. The kernels' argument lists are internal to
 *   tfjs-backend-wasm, so the direct calls are used only with the versions they were checked
 *   against (`DIRECT_VERIFIED`); with any other version the shard falls back to this.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf-backend.ts';
import { heapView } from './wasm-heap.ts';

/** tfjs-backend-wasm versions whose BatchMatMul, MaxPool, Sub and Step signatures were checked. */
const DIRECT_VERIFIED: ReadonlySet<string> = new Set(['4.22.0']);

/** The chain for chunks of one size and one k. */
export interface NearestChain {
  /**
   * The m codes of `chunk`'s rows for the weights WT (k × (d + 1)): label = code ×
   * `labelScale`. The view lies on the WASM heap: read it before the next tfjs call.
   */
  run(WT: tf.Tensor2D, chunk: tf.Tensor2D): Float32Array;
  /** Multiplies a code into its label. */
  readonly labelScale: number;
  dispose(): void;
}

/** Whether the direct kernel calls may be used with the installed backend. */
export function directChainAvailable(): boolean {
  return DIRECT_VERIFIED.has(version_wasm) && tf.getBackend() === 'wasm';
}

/** The chain for chunks of m rows and k centroids: direct kernel calls where verified, else tfjs ops. */
export function nearestChain(k: number, m: number, d1: number): NearestChain {
  return directChainAvailable() ? new DirectChain(k, m, d1) : new OpsChain(k, m);
}

/** e with 2ᵉ ≥ k: the codes' spacing. */
function codeBits(k: number): number {
  return Math.max(1, Math.ceil(Math.log2(k)));
}

/** −j·2⁻ᵉ (k × 1), the tie-break offsets. */
function colOffsets(k: number): tf.Tensor2D {
  const bits = codeBits(k);
  return tf.tensor2d(
    Float32Array.from({ length: k }, (_, j) => -j * 2 ** -bits),
    [k, 1],
    'float32',
  );
}

/** The chain through `tf.*` ops (the reference, and the fallback). */
export class OpsChain implements NearestChain {
  readonly labelScale: number;
  private readonly col: tf.Tensor2D;
  private last: tf.Tensor | undefined;

  constructor(
    private readonly k: number,
    private readonly m: number,
  ) {
    this.labelScale = -(2 ** codeBits(k));
    this.col = colOffsets(k);
  }

  run(WT: tf.Tensor2D, chunk: tf.Tensor2D): Float32Array {
    const { k, m, col } = this;
    this.last?.dispose();
    this.last = tf.tidy(() => {
      const N = tf.matMul(WT, chunk);
      const P = tf.maxPool(tf.reshape(N, [1, k, 1, m]) as tf.Tensor4D, [k, 1], [k, 1], 'valid');
      const S = tf.step(tf.sub(tf.reshape(P, [1, m]), N));
      return tf.maxPool(tf.reshape(tf.sub(col, S), [1, k, 1, m]) as tf.Tensor4D, [k, 1], [k, 1], 'valid');
    });
    return heapView(this.last);
  }

  dispose(): void {
    this.last?.dispose();
    this.last = undefined;
    this.col.dispose();
  }
}

type Cwrap = (name: string, ret: null, args: string[]) => (...args: unknown[]) => void;

/** The four kernels, bound once per thread (each thread has its own backend and module). */
interface Kernels {
  /** (a_id, a_shape, a_rank, b_id, b_shape, b_rank, transpose_a, transpose_b, out_id) */
  batchMatMul: (...args: unknown[]) => void;
  /** (x_id, batch, in_h, in_w, filter_h, filter_w, pad t/r/b/l, dilation h/w, stride h/w, in_c, out_c, out_id) */
  maxPool: (...args: unknown[]) => void;
  /** (a_id, a_shape, a_rank, b_id, b_shape, b_rank, dtype, out_id), with broadcasting */
  sub: (...args: unknown[]) => void;
  /** (x_id, alpha, dtype, out_id) */
  step: (...args: unknown[]) => void;
}

let bound: { backend: BackendWasm; kernels: Kernels } | undefined;

function kernels(backend: BackendWasm): Kernels {
  if (bound?.backend !== backend) {
    const cwrap = (backend.wasm as unknown as { cwrap: Cwrap }).cwrap;
    const n = (count: number) => Array<string>(count).fill('number');
    bound = {
      backend,
      kernels: {
        batchMatMul: cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']),
        maxPool: cwrap('MaxPool', null, n(17)),
        sub: cwrap('Sub', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number']),
        step: cwrap('Step', null, n(4)),
      },
    };
  }
  return bound.kernels;
}

/** A shape as the kernels take it: int32 values, passed as bytes. */
function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

const FLOAT32 = 0; // tfjs-backend-wasm's CppDType.float32

/** The chain by direct kernel calls into buffers reused at every step. */
export class DirectChain implements NearestChain {
  readonly labelScale: number;
  private readonly backend: BackendWasm;
  private readonly fns: Kernels;
  private readonly col: tf.Tensor2D;
  /** N (k × m), T and S (k × m, scratch), P (m) and the codes (m): allocated once. */
  private readonly buffers: tf.TensorInfo[] = [];
  private readonly ids: { N: number; T: number; S: number; P: number; codes: number; col: number };
  private readonly codes: tf.TensorInfo;
  private readonly shapes: { a: Uint8Array; b: Uint8Array; row: Uint8Array; km: Uint8Array; col: Uint8Array };

  constructor(
    private readonly k: number,
    private readonly m: number,
    d1: number,
  ) {
    this.backend = tf.backend() as BackendWasm;
    this.fns = kernels(this.backend);
    this.labelScale = -(2 ** codeBits(k));
    this.col = colOffsets(k);
    const make = (shape: number[]) => {
      const info = this.backend.makeOutput(shape, 'float32');
      this.buffers.push(info);
      return info;
    };
    try {
      const N = make([k, m]);
      const T = make([k, m]);
      const S = make([k, m]);
      const P = make([m]);
      this.codes = make([m]);
      this.ids = { N: this.id(N), T: this.id(T), S: this.id(S), P: this.id(P), codes: this.id(this.codes), col: this.id(this.col) };
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.shapes = {
      a: shapeBytes([1, k, d1]),
      b: shapeBytes([1, d1, m]),
      row: shapeBytes([1, m]),
      km: shapeBytes([k, m]),
      col: shapeBytes([k, 1]),
    };
  }

  private id(t: { dataId: object }): number {
    const data = this.backend.dataIdMap.get(t.dataId);
    if (data === undefined) throw new Error('nearest chain: a tensor is not on the WASM backend (disposed?)');
    return data.id;
  }

  run(WT: tf.Tensor2D, chunk: tf.Tensor2D): Float32Array {
    const { k, m, fns, ids, shapes } = this;
    if (chunk.shape[1] !== m || WT.shape[0] !== k || WT.shape[1] !== chunk.shape[0]) {
      throw new RangeError(`chain for ${k} × ${m} got WT ${WT.shape.join('×')} and chunk ${chunk.shape.join('×')}`);
    }
    // The matMul keys XNNPACK's packed weights on the chunk's id, as tf.matMul does.
    fns.batchMatMul(this.id(WT), shapes.a, 3, this.id(chunk), shapes.b, 3, 0, 0, ids.N);
    // maxPool over [1, k, 1, m] with a k × 1 window: the max of each column of N.
    fns.maxPool(ids.N, 1, k, 1, k, 1, 0, 0, 0, 0, 1, 1, k, 1, m, m, ids.P);
    fns.sub(ids.P, shapes.row, 2, ids.N, shapes.km, 2, FLOAT32, ids.T);
    fns.step(ids.T, 0, FLOAT32, ids.S);
    fns.sub(ids.col, shapes.col, 2, ids.S, shapes.km, 2, FLOAT32, ids.T);
    fns.maxPool(ids.T, 1, k, 1, k, 1, 0, 0, 0, 0, 1, 1, k, 1, m, m, ids.codes);
    return heapView(this.codes);
  }

  dispose(): void {
    for (const b of this.buffers) this.backend.disposeData(b.dataId);
    this.buffers.length = 0;
    this.col.dispose();
  }
}
