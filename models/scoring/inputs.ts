/**
 * Customer feature rows in the form scoring kernels (and worker threads) read: the numeric
 * matrix as is (or copied into shared memory), and every categorical column dictionary-encoded
 * once — its distinct values and one Int32 code per row (-1 = null). Each model then maps a
 * column's few dictionary codes to its own codes with a small table, so no string is looked up
 * per row more than once, and workers receive numbers only.
 */
import type { FeatureMatrix } from '../../features/index.ts';

export interface PackedColumn {
  /** Distinct non-null values, in order of first appearance. */
  levels: string[];
  /** rows codes: index into `levels`, or -1 for null. */
  codes: Int32Array;
}

export interface PackedInputs {
  rows: number;
  numericColumns: string[];
  /** rows × numericColumns.length, row-major (NaN = missing). */
  numeric: Float32Array;
  categorical: Record<string, PackedColumn>;
}

/** Dictionary-encodes one categorical column (null and undefined become -1). */
export function packColumn(values: readonly (string | null | undefined)[], rows: number, shared = false): PackedColumn {
  const codes = shared ? new Int32Array(new SharedArrayBuffer(rows * 4)) : new Int32Array(rows);
  const index = new Map<string, number>();
  const levels: string[] = [];
  let last: string | null | undefined;
  let lastCode = -1;
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    // runs of the same value are common (rows come sorted by customer, resampled, …)
    if (v === last) {
      codes[i] = lastCode;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = levels.length;
      index.set(v, code);
      levels.push(v);
    }
    codes[i] = code;
    last = v;
    lastCode = code;
  }
  return { levels, codes };
}

/**
 * Packs a FeatureMatrix. `shared` copies the numeric matrix and the codes into
 * SharedArrayBuffers so worker threads read them without copies; otherwise the numeric matrix
 * is used as it is.
 */
export function packInputs(m: FeatureMatrix, options: { shared?: boolean } = {}): PackedInputs {
  const shared = options.shared ?? false;
  let numeric = m.numeric;
  if (shared && !(numeric.buffer instanceof SharedArrayBuffer)) {
    numeric = new Float32Array(new SharedArrayBuffer(m.numeric.byteLength));
    numeric.set(m.numeric);
  }
  const categorical: Record<string, PackedColumn> = {};
  for (const name of m.categoricalColumns) {
    const values = m.categorical[name];
    if (values) categorical[name] = packColumn(values, m.rows, shared);
  }
  return { rows: m.rows, numericColumns: m.numericColumns, numeric, categorical };
}
