import { DialwiseError } from '../../contracts/errors.ts';

/** Why no usable libxgboost could be opened. */
export type LibraryMissingReason = 'not-found' | 'load-failed' | 'too-old';

/** No usable libxgboost: the message names the paths tried and the install command for this platform. */
export class XGBoostLibraryMissingError extends DialwiseError {
  constructor(
    readonly reason: LibraryMissingReason,
    readonly searched: readonly string[],
    readonly installHint: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('XGBOOST_LIBRARY_MISSING', `${detail}\n${installHint}`, options);
  }
}

/**
 * A call into libxgboost returned an error. `libraryMessage` is XGBGetLastError() without the
 * native stack trace (kept in `nativeStack` for bug reports); `call` names the C function.
 */
export class XGBoostError extends DialwiseError {
  constructor(
    readonly call: string,
    readonly libraryMessage: string,
    readonly nativeStack: string,
  ) {
    super('XGBOOST_ERROR', `${call} failed: ${libraryMessage}\n${hintFor(call)}`);
  }
}

/** The binding was used wrongly (disposed handle, shape mismatch, bad option) before reaching the library. */
export class XGBoostUsageError extends DialwiseError {
  constructor(message: string) {
    super('XGBOOST_USAGE', message);
  }
}

function hintFor(call: string): string {
  if (call === 'XGBoosterSetParam' || call === 'XGBoosterUpdateOneIter' || call === 'XGBoosterEvalOneIter') {
    return 'Check the training params (names and values: https://xgboost.readthedocs.io/en/release_1.7.0/parameter.html).';
  }
  if (call.startsWith('XGBoosterLoadModel')) {
    return 'The model must be XGBoost JSON (or UBJSON) as written by saveModel()/saveModelToBuffer().';
  }
  if (call.startsWith('XGDMatrix')) {
    return 'Check the matrix shape and the info vectors (one label/weight per row).';
  }
  return 'See the message above from libxgboost.';
}

/** Splits XGBGetLastError() into its message (timestamp/source prefix removed) and native stack trace. */
export function parseLibraryMessage(raw: string): { message: string; stack: string } {
  const at = raw.indexOf('\nStack trace:');
  const head = (at >= 0 ? raw.slice(0, at) : raw).trim();
  const stack = at >= 0 ? raw.slice(at + 1).trim() : '';
  // "[02:21:52] ./src/objective/objective.cc:26: Unknown objective…" → "Unknown objective…"
  const message = head.replace(/^\[[0-9:]+\]\s+\S+:\d+:\s*/, '');
  return { message: message || '(libxgboost gave no message)', stack };
}
