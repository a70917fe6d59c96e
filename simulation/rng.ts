/**
 * Seeded randomness for the simulation. Nothing here touches Math.random.
 *
 * Why not `pure-rand`: it is only a transitive dev dependency (via fast-check), so runtime code
 * (the CLI's `generate`, the simulated carrier) must not rely on it being installed. sfc32 is a
 * small, well-tested 128-bit-state generator; a few lines of code we own are safer than a
 * dependency that `npm install --omit=dev` removes.
 *
 * Two kinds of randomness:
 * - `Rng`: a sequential stream (sfc32), seeded from (seed, stream, index) so every customer or
 *   step can have its own independent, re-creatable stream;
 * - `hashUnit` / `hashNormal`: stateless, counter-based values for "fixed per customer × slot"
 *   noise (e.g. hour-of-week wobble of the answer curve), so truth functions stay O(1) and pure.
 */

import { mix32, Sfc32 } from '../contracts/index.ts';

export { mix32 };

/** Hash of up to four 32-bit words into one. */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b | 0, 0x85ebca6b) ^ 0x27d4eb2f);
  h = mix32(h ^ Math.imul(c | 0, 0xc2b2ae35) ^ 0x165667b1);
  h = mix32(h ^ Math.imul(d | 0, 0x27d4eb2f) ^ 0x9e3779b9);
  return h;
}

/** Splits an arbitrary safe-integer seed into one 32-bit word (keeps the high bits' entropy). */
export function seedWord(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return mix32(lo ^ mix32(hi + 0x632be5ab));
}

/** Uniform in [0, 1) from a stateless hash of (a, b, c, d). */
export function hashUnit(a: number, b = 0, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4294967296;
}

/**
 * Approximately standard-normal value from a stateless hash: Irwin–Hall sum of four 8-bit
 * uniforms, rescaled to unit variance. Tails stop near ±3.4, which is what fixed per-slot
 * wobble wants (no freak outliers in a truth table).
 */
export function hashNormal(a: number, b = 0, c = 0, d = 0): number {
  const h = hash32(a, b, c, d);
  const s = (h & 0xff) + ((h >>> 8) & 0xff) + ((h >>> 16) & 0xff) + (h >>> 24) + 2;
  // each byte+0.5 is uniform on [0.5, 255.5]: mean 128 and variance 256²/12 per term
  return (s - 512) / 147.80167;
}

/** Sequential generator: sfc32 (contracts/random.ts), seeded from (seed, stream, index). */
export class Rng extends Sfc32 {
  /** A stream identified by (seed, stream, index): independent of every other triple. */
  constructor(seed: number, stream = 0, index = 0) {
    const w = seedWord(seed);
    super(hash32(w, stream, index, 1), hash32(w, stream, index, 2), hash32(w, stream, index, 3));
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.uniform()) / rate;
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Index drawn from cumulative weights (last entry = total). */
  pickCumulative(cumulative: ArrayLike<number>): number {
    const n = cumulative.length;
    const x = this.uniform() * (cumulative[n - 1] as number);
    for (let i = 0; i < n; i++) if (x < (cumulative[i] as number)) return i;
    return n - 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** Cumulative sums of weights, for `Rng.pickCumulative`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i] as number;
  return out;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
