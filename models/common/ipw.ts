/**
 * Inverse-propensity weights. Every dialer attempt logs the arm that chose it and the
 * probability that arm had of choosing it; weighting rows by 1 / propensity lets the next
 * training see the population rather than the dialer's own selection. Imported history (no
 * arm) has weight 1. Weights are clipped (a tiny propensity would let one row dominate) and
 * normalised to mean 1 so learning rates and regularisation keep their meaning.
 */
export const DEFAULT_IPW_CLIP = 20;

export interface IpwResult {
  /** Normalised weights (mean 1). */
  weights: Float32Array;
  /** Before normalisation: 1 for imported history, min(1 / propensity, clip) otherwise. */
  raw: Float32Array;
  /** Rows with an arm. */
  logged: number;
  /** Rows whose 1 / propensity was clipped. */
  clipped: number;
  /** Rows with an arm but no usable propensity (weighted 1). */
  missingPropensity: number;
}

export function ipwWeights(
  arm: readonly unknown[],
  propensity: readonly unknown[],
  options: { clip?: number; normalise?: boolean } = {},
): IpwResult {
  const clip = options.clip ?? DEFAULT_IPW_CLIP;
  const n = arm.length;
  const raw = new Float32Array(n);
  let logged = 0;
  let clipped = 0;
  let missing = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let w = 1;
    if (arm[i] !== null && arm[i] !== undefined) {
      logged++;
      const p = Number(propensity[i]);
      if (propensity[i] === null || propensity[i] === undefined || !(p > 0 && p <= 1)) missing++;
      else if (1 / p > clip) {
        w = clip;
        clipped++;
      } else w = 1 / p;
    }
    raw[i] = w;
    sum += w;
  }
  const weights = new Float32Array(n);
  const scale = (options.normalise ?? true) && sum > 0 ? n / sum : 1;
  for (let i = 0; i < n; i++) weights[i] = (raw[i] as number) * scale;
  return { weights, raw, logged, clipped, missingPropensity: missing };
}
