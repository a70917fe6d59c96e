import koffi from 'koffi';
import { XGBoostError, XGBoostUsageError, parseLibraryMessage } from './errors.ts';
import { openXGBoostLibrary, type OpenedLibrary } from './library.ts';

/** A libxgboost handle (DMatrixHandle / BoosterHandle): koffi 3 represents pointers as BigInt. */
export type Handle = bigint;
/** One-element arrays receive `_Out_` values (koffi's by-reference convention). */
export type OutPtr = [bigint | null];
export type OutU64 = [number | bigint];
export type OutInt = [number];
export type OutStr = [string | null];

// bst_ulong is uint64_t. Every function returns 0 on success, -1 on failure (then XGBGetLastError).
const SIGNATURES = {
  XGBGetLastError: 'const char *XGBGetLastError()',
  XGDMatrixCreateFromMat_omp:
    'int XGDMatrixCreateFromMat_omp(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out, int nthread)',
  XGDMatrixFree: 'int XGDMatrixFree(void *handle)',
  XGDMatrixSetFloatInfo: 'int XGDMatrixSetFloatInfo(void *handle, const char *field, const float *array, uint64_t len)',
  XGDMatrixGetFloatInfo:
    'int XGDMatrixGetFloatInfo(void *handle, const char *field, _Out_ uint64_t *out_len, _Out_ void **out_dptr)',
  XGDMatrixSetStrFeatureInfo:
    'int XGDMatrixSetStrFeatureInfo(void *handle, const char *field, const char **features, uint64_t size)',
  XGDMatrixGetStrFeatureInfo:
    'int XGDMatrixGetStrFeatureInfo(void *handle, const char *field, _Out_ uint64_t *size, _Out_ void **out_features)',
  XGDMatrixNumRow: 'int XGDMatrixNumRow(void *handle, _Out_ uint64_t *out)',
  XGDMatrixNumCol: 'int XGDMatrixNumCol(void *handle, _Out_ uint64_t *out)',
  XGDMatrixNumNonMissing: 'int XGDMatrixNumNonMissing(void *handle, _Out_ uint64_t *out)',
  XGBoosterCreate: 'int XGBoosterCreate(void **dmats, uint64_t len, _Out_ void **out)',
  XGBoosterFree: 'int XGBoosterFree(void *handle)',
  XGBoosterSetParam: 'int XGBoosterSetParam(void *handle, const char *name, const char *value)',
  XGBoosterUpdateOneIter: 'int XGBoosterUpdateOneIter(void *handle, int iter, void *dtrain)',
  XGBoosterEvalOneIter:
    'int XGBoosterEvalOneIter(void *handle, int iter, void **dmats, const char **evnames, uint64_t len, _Out_ const char **out_result)',
  XGBoosterPredictFromDMatrix:
    'int XGBoosterPredictFromDMatrix(void *handle, void *dmat, const char *config, _Out_ void **out_shape, _Out_ uint64_t *out_dim, _Out_ void **out_result)',
  XGBoosterSaveModelToBuffer:
    'int XGBoosterSaveModelToBuffer(void *handle, const char *config, _Out_ uint64_t *out_len, _Out_ void **out_dptr)',
  XGBoosterLoadModelFromBuffer: 'int XGBoosterLoadModelFromBuffer(void *handle, const void *buf, uint64_t len)',
  XGBoosterSaveJsonConfig: 'int XGBoosterSaveJsonConfig(void *handle, _Out_ uint64_t *out_len, _Out_ const char **out_str)',
  XGBoosterFeatureScore:
    'int XGBoosterFeatureScore(void *handle, const char *config, _Out_ uint64_t *out_n_features, _Out_ void **out_features, _Out_ uint64_t *out_dim, _Out_ void **out_shape, _Out_ void **out_scores)',
  XGBoosterGetAttr: 'int XGBoosterGetAttr(void *handle, const char *key, _Out_ const char **out, _Out_ int *success)',
  XGBoosterSetAttr: 'int XGBoosterSetAttr(void *handle, const char *key, const char *value)',
  XGBoosterGetAttrNames: 'int XGBoosterGetAttrNames(void *handle, _Out_ uint64_t *out_len, _Out_ void **out)',
  XGBoosterBoostedRounds: 'int XGBoosterBoostedRounds(void *handle, _Out_ int *out)',
  XGBoosterGetNumFeature: 'int XGBoosterGetNumFeature(void *handle, _Out_ uint64_t *out)',
  XGBoosterSetStrFeatureInfo:
    'int XGBoosterSetStrFeatureInfo(void *handle, const char *field, const char **features, uint64_t size)',
  XGBoosterGetStrFeatureInfo:
    'int XGBoosterGetStrFeatureInfo(void *handle, const char *field, _Out_ uint64_t *len, _Out_ void **out_features)',
  XGBoosterDumpModelEx:
    'int XGBoosterDumpModelEx(void *handle, const char *fmap, int with_stats, const char *format, _Out_ uint64_t *out_len, _Out_ void **out_models)',
} as const;

/** Typed view of the C functions this binding uses (names and argument order as in c_api.h). */
export interface XGBoostNative {
  XGBGetLastError(): string | null;
  XGDMatrixCreateFromMat_omp(data: Float32Array, nrow: number, ncol: number, missing: number, out: OutPtr, nthread: number): number;
  XGDMatrixFree(handle: Handle): number;
  XGDMatrixSetFloatInfo(handle: Handle, field: string, array: Float32Array, len: number): number;
  XGDMatrixGetFloatInfo(handle: Handle, field: string, outLen: OutU64, outPtr: OutPtr): number;
  XGDMatrixSetStrFeatureInfo(handle: Handle, field: string, features: readonly string[], size: number): number;
  XGDMatrixGetStrFeatureInfo(handle: Handle, field: string, outLen: OutU64, outPtr: OutPtr): number;
  XGDMatrixNumRow(handle: Handle, out: OutU64): number;
  XGDMatrixNumCol(handle: Handle, out: OutU64): number;
  XGDMatrixNumNonMissing(handle: Handle, out: OutU64): number;
  XGBoosterCreate(dmats: readonly Handle[], len: number, out: OutPtr): number;
  XGBoosterFree(handle: Handle): number;
  XGBoosterSetParam(handle: Handle, name: string, value: string): number;
  XGBoosterUpdateOneIter(handle: Handle, iter: number, dtrain: Handle): number;
  XGBoosterEvalOneIter(handle: Handle, iter: number, dmats: readonly Handle[], names: readonly string[], len: number, out: OutStr): number;
  XGBoosterPredictFromDMatrix(handle: Handle, dmat: Handle, config: string, outShape: OutPtr, outDim: OutU64, outResult: OutPtr): number;
  XGBoosterSaveModelToBuffer(handle: Handle, config: string, outLen: OutU64, outPtr: OutPtr): number;
  XGBoosterLoadModelFromBuffer(handle: Handle, buf: Uint8Array, len: number): number;
  XGBoosterSaveJsonConfig(handle: Handle, outLen: OutU64, out: OutStr): number;
  XGBoosterFeatureScore(handle: Handle, config: string, outN: OutU64, outFeatures: OutPtr, outDim: OutU64, outShape: OutPtr, outScores: OutPtr): number;
  XGBoosterGetAttr(handle: Handle, key: string, out: OutStr, success: OutInt): number;
  XGBoosterSetAttr(handle: Handle, key: string, value: string | null): number;
  XGBoosterGetAttrNames(handle: Handle, outLen: OutU64, out: OutPtr): number;
  XGBoosterBoostedRounds(handle: Handle, out: OutInt): number;
  XGBoosterGetNumFeature(handle: Handle, out: OutU64): number;
  XGBoosterSetStrFeatureInfo(handle: Handle, field: string, features: readonly string[], size: number): number;
  XGBoosterGetStrFeatureInfo(handle: Handle, field: string, outLen: OutU64, outPtr: OutPtr): number;
  XGBoosterDumpModelEx(handle: Handle, fmap: string, withStats: number, format: string, outLen: OutU64, out: OutPtr): number;
}

export interface LoadedXGBoost extends OpenedLibrary {
  fn: XGBoostNative;
}

let shared: LoadedXGBoost | undefined;

/** The process-wide libxgboost, opened on first use (throws XGBoostLibraryMissingError if absent). */
export function xgboostLibrary(): LoadedXGBoost {
  if (shared === undefined) {
    const opened = openXGBoostLibrary();
    const fn: Record<string, unknown> = {};
    for (const [name, signature] of Object.entries(SIGNATURES)) fn[name] = opened.lib.func(signature);
    shared = { ...opened, fn: fn as unknown as XGBoostNative };
  }
  return shared;
}

/** Shorthand for the bound functions. */
export function native(): XGBoostNative {
  return xgboostLibrary().fn;
}

/** Throws XGBoostError carrying XGBGetLastError() when a C call returned non-zero. */
export function check(call: keyof XGBoostNative, rc: number): void {
  if (rc === 0) return;
  const { message, stack } = parseLibraryMessage(native().XGBGetLastError() ?? '');
  throw new XGBoostError(call, message, stack);
}

// ---- decoding library-owned buffers (valid only until the next call on the same handle) ----

export function toNumber(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Copies `n` floats out of library memory. */
export function copyFloats(ptr: bigint | null, n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  if (ptr === null) throw new XGBoostUsageError('libxgboost returned a null buffer for a non-empty result.');
  return new Float32Array(koffi.view(ptr, n * 4)).slice();
}

export function copyBytes(ptr: bigint | null, n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  if (ptr === null) throw new XGBoostUsageError('libxgboost returned a null buffer for a non-empty result.');
  return new Uint8Array(koffi.view(ptr, n)).slice();
}

export function decodeShape(ptr: bigint | null, dim: number): number[] {
  if (dim === 0 || ptr === null) return [];
  const raw = koffi.decode(ptr, 'uint64_t', dim) as ArrayLike<bigint | number>;
  return Array.from(raw, (v) => toNumber(v));
}

export function decodeStrings(ptr: bigint | null, n: number): string[] {
  if (n === 0 || ptr === null) return [];
  return Array.from(koffi.decode(ptr, 'const char *', n) as ArrayLike<string>);
}
