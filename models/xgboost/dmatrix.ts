import { XGBoostUsageError } from './errors.ts';
import { check, copyFloats, decodeStrings, native, toNumber, type Handle, type OutPtr, type OutU64 } from './native.ts';

/** Per-row float vectors XGBoost knows (`XGDMatrixSetFloatInfo` fields). */
export type FloatInfoField = 'label' | 'weight' | 'base_margin' | 'label_lower_bound' | 'label_upper_bound' | 'feature_weights';

/** Float vectors may be given as plain arrays for convenience (copied once); Float32Array is passed as is. */
export type FloatVector = Float32Array | readonly number[];

export interface DMatrixOptions {
  nrow: number;
  ncol: number;
  label?: FloatVector;
  weight?: FloatVector;
  baseMargin?: FloatVector;
  /** One name per column; stored in the model and used by feature importance and dumps. */
  featureNames?: readonly string[];
  /** XGBoost feature types per column ('q' numeric, 'int', 'i' indicator, 'c' categorical). */
  featureTypes?: readonly string[];
  /** A value treated as missing in addition to NaN (NaN is always missing). */
  missing?: number;
  /** Threads used to build the matrix; 0 (default) means all cores. */
  nthread?: number;
}

// Safety net for matrices nobody disposed: the held value is the bare handle, never the object.
const finalizer = new FinalizationRegistry<Handle>((handle) => {
  native().XGDMatrixFree(handle);
});

/**
 * An XGBoost DMatrix built from a row-major Float32Array (nrow × ncol). The library copies the
 * data into its own storage, so the array may be reused afterwards. Call `dispose()` when done.
 */
export class DMatrix {
  readonly nrow: number;
  readonly ncol: number;
  #handle: Handle | null;
  #featureNames: string[] | undefined;

  constructor(data: Float32Array, options: DMatrixOptions) {
    const { nrow, ncol } = options;
    if (!(data instanceof Float32Array)) {
      throw new XGBoostUsageError('DMatrix data must be a Float32Array (row-major, NaN for missing).');
    }
    if (!Number.isInteger(nrow) || nrow < 0 || !Number.isInteger(ncol) || ncol < 1) {
      throw new XGBoostUsageError(`DMatrix needs integer nrow ≥ 0 and ncol ≥ 1 (got nrow=${nrow}, ncol=${ncol}).`);
    }
    if (data.length !== nrow * ncol) {
      throw new XGBoostUsageError(
        `DMatrix data has ${data.length} values but nrow × ncol = ${nrow} × ${ncol} = ${nrow * ncol}; pass a row-major matrix of that size.`,
      );
    }
    const fn = native();
    const out: OutPtr = [null];
    check('XGDMatrixCreateFromMat_omp', fn.XGDMatrixCreateFromMat_omp(data, nrow, ncol, options.missing ?? NaN, out, options.nthread ?? 0));
    const handle = out[0];
    if (handle === null) throw new XGBoostUsageError('XGDMatrixCreateFromMat_omp returned no handle.');
    this.#handle = handle;
    finalizer.register(this, handle, this);
    this.nrow = nrow;
    this.ncol = ncol;
    try {
      if (options.label !== undefined) this.setFloatInfo('label', options.label);
      if (options.weight !== undefined) this.setFloatInfo('weight', options.weight);
      if (options.baseMargin !== undefined) this.setFloatInfo('base_margin', options.baseMargin);
      if (options.featureNames !== undefined) this.featureNames = options.featureNames;
      if (options.featureTypes !== undefined) this.#setStrInfo('feature_type', options.featureTypes);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** The native handle; throws once disposed (a freed handle must never reach the library). */
  get handle(): Handle {
    if (this.#handle === null) throw new XGBoostUsageError('This DMatrix was disposed; create a new one.');
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native matrix now. Idempotent. */
  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    finalizer.unregister(this);
    check('XGDMatrixFree', native().XGDMatrixFree(handle));
  }

  setFloatInfo(field: FloatInfoField, values: FloatVector): void {
    const arr = values instanceof Float32Array ? values : Float32Array.from(values);
    const expected = field === 'feature_weights' ? this.ncol : this.nrow;
    // base_margin may hold one value per row per class (multi-class).
    const ok = field === 'base_margin' ? arr.length % Math.max(this.nrow, 1) === 0 : arr.length === expected;
    if (!ok) {
      throw new XGBoostUsageError(`DMatrix ${field} has ${arr.length} values; expected ${expected} (one per ${field === 'feature_weights' ? 'column' : 'row'}).`);
    }
    check('XGDMatrixSetFloatInfo', native().XGDMatrixSetFloatInfo(this.handle, field, arr, arr.length));
  }

  /** A copy of a float info vector (empty if never set). */
  getFloatInfo(field: FloatInfoField): Float32Array {
    const len: OutU64 = [0];
    const ptr: OutPtr = [null];
    check('XGDMatrixGetFloatInfo', native().XGDMatrixGetFloatInfo(this.handle, field, len, ptr));
    return copyFloats(ptr[0], toNumber(len[0]));
  }

  setLabel(label: FloatVector): void {
    this.setFloatInfo('label', label);
  }

  setWeight(weight: FloatVector): void {
    this.setFloatInfo('weight', weight);
  }

  get label(): Float32Array {
    return this.getFloatInfo('label');
  }

  get weight(): Float32Array {
    return this.getFloatInfo('weight');
  }

  get featureNames(): string[] | undefined {
    return this.#featureNames?.slice();
  }

  set featureNames(names: readonly string[] | undefined) {
    if (names === undefined) {
      this.#setStrInfo('feature_name', []);
      this.#featureNames = undefined;
      return;
    }
    if (names.length !== this.ncol) {
      throw new XGBoostUsageError(`DMatrix has ${this.ncol} columns but ${names.length} feature names were given.`);
    }
    if (new Set(names).size !== names.length) throw new XGBoostUsageError('DMatrix feature names must be unique.');
    const bad = names.find((n) => n === '' || /[[\]<\s]/.test(n));
    if (bad !== undefined) {
      throw new XGBoostUsageError(`Feature name ${JSON.stringify(bad)} is not allowed: names must be non-empty, without whitespace, '[', ']' or '<'.`);
    }
    this.#setStrInfo('feature_name', names);
    this.#featureNames = names.slice();
  }

  get featureTypes(): string[] | undefined {
    const len: OutU64 = [0];
    const ptr: OutPtr = [null];
    check('XGDMatrixGetStrFeatureInfo', native().XGDMatrixGetStrFeatureInfo(this.handle, 'feature_type', len, ptr));
    const types = decodeStrings(ptr[0], toNumber(len[0]));
    return types.length > 0 ? types : undefined;
  }

  /** Number of stored (non-missing) values. */
  numNonMissing(): number {
    const out: OutU64 = [0];
    check('XGDMatrixNumNonMissing', native().XGDMatrixNumNonMissing(this.handle, out));
    return toNumber(out[0]);
  }

  #setStrInfo(field: 'feature_name' | 'feature_type', values: readonly string[]): void {
    if (values.length !== 0 && values.length !== this.ncol) {
      throw new XGBoostUsageError(`DMatrix has ${this.ncol} columns but ${values.length} ${field} values were given.`);
    }
    check('XGDMatrixSetStrFeatureInfo', native().XGDMatrixSetStrFeatureInfo(this.handle, field, values, values.length));
  }
}
