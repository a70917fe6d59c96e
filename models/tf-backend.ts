/**
 * One place that brings TensorFlow.js up on the WASM backend, for every model in `models/`.
 *
 * Why WASM: `@tensorflow/tfjs-node` downloads libtensorflow at install time (fails offline),
 * and the pure-JS `cpu` backend is an order of magnitude slower. In Node the WASM backend
 * runs the SIMD build (Node 20's V8 validates WASM SIMD) but never the threaded build:
 * tfjs 4.x hard-codes `WASM_HAS_MULTITHREAD_SUPPORT = false` under Node
 * (tensorflow/tfjs#3830), so every kernel is single-threaded.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DialwiseError } from '../contracts/index.ts';

/** What `initTf` actually got, for logs and benchmark reports. */
export interface TfInfo {
  backend: string;
  /** Whether the SIMD build of the WASM binary was loaded. */
  simd: boolean;
  /** Threads in the WASM backend's XNNPACK pool (always 1 under Node, see module comment). */
  threads: number;
  /** Version of @tensorflow/tfjs-core in use. */
  version: string;
}

/** The WASM backend could not be initialised (binaries missing or unreadable). */
export class TfBackendError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TF_BACKEND_INIT', message, options);
  }
}

let ready: Promise<TfInfo> | undefined;

/** Directory holding the `.wasm` binaries that ship with `@tensorflow/tfjs-backend-wasm`. */
function wasmDir(): string {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map, so its package.json resolves and anchors dist/.
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkg), 'dist') + '/';
}

/**
 * Selects and initialises the WASM backend. Idempotent: every call returns the same promise,
 * so models may call it freely. Call it before creating any tensor: the first tensor made on
 * the fallback `cpu` backend is what prints tfjs's "install tfjs-node" banner.
 */
export function initTf(): Promise<TfInfo> {
  ready ??= (async () => {
    // Never ask tf.getBackend() first: that would initialise the highest-priority backend
    // (webgl, then cpu) and print their warnings.
    setWasmPaths(wasmDir());
    let ok = false;
    try {
      ok = await tf.setBackend('wasm');
    } catch (cause) {
      throw new TfBackendError(
        'TensorFlow.js WASM backend failed to start; reinstall dependencies (npm ci) so ' +
          'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm exist.',
        { cause },
      );
    }
    if (!ok) {
      throw new TfBackendError(
        'TensorFlow.js WASM backend failed to start (see the warning above); reinstall ' +
          'dependencies (npm ci) so node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm exist.',
      );
    }
    await tf.ready();
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return { backend: tf.getBackend(), simd, threads: getThreadsCount(), version: tf.version_core };
  })();
  // A failed start may be retried after the cause is fixed.
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

export { tf };
