/**
 * Feature drift: the one PSI definition that `dialwise features` stores and the dashboards
 * show, so the two can never disagree.
 */

/** PSI above which a feature is reported as drifted (the usual rule of thumb). */
export const DEFAULT_PSI_ALARM = 0.1;
/** Floor for empty bins, so PSI stays finite (the usual 1e-4). */
export const PSI_EPSILON = 1e-4;

/** PSI = Σ (q − p) · ln(q / p) over matching bins, empty bins floored at PSI_EPSILON. */
export function psi(baseline: readonly number[], current: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < Math.max(baseline.length, current.length); i++) {
    const p = Math.max(baseline[i] ?? 0, PSI_EPSILON);
    const q = Math.max(current[i] ?? 0, PSI_EPSILON);
    if (p !== q) total += (q - p) * Math.log(q / p);
  }
  return total;
}
