/** Reading float32 tensors in place on the tfjs WASM heap. */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf-backend.ts';

/**
 * A float32 tensor's values in place in the WASM heap (`BackendWasm.typedArrayFromHeap`),
 * without `dataSync`'s copy: read it before the next tfjs op (which may grow the heap and
 * detach the view) and before disposing the tensor. Spares a copy and a fresh ArrayBuffer
 * per chunk and step.
 */
export function heapView(t: tf.TensorInfo): Float32Array {
  return (tf.backend() as BackendWasm).typedArrayFromHeap(t) as Float32Array;
}
