import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** Seeded, deterministic random source (xoroshiro128+): same seed, same sequence, on any machine. */
export interface Rng {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** An independent stream derived from this one (for restarts, samples). */
  fork(): Rng;
}

class PureRng implements Rng {
  constructor(private readonly g: RandomGenerator) {}
  float(): number {
    return uniformFloat64(this.g);
  }
  int(n: number): number {
    return uniformInt(this.g, 0, n - 1);
  }
  fork(): Rng {
    return createRng(uniformInt(this.g, 0, 0x7fffffff));
  }
}

/** Creates a generator from an integer seed (only the low 32 bits are used). */
export function createRng(seed: number): Rng {
  return new PureRng(xoroshiro128plus(seed | 0));
}

/** Fisher–Yates sample of `m` distinct indices from [0, n), in draw order. */
export function sampleIndices(n: number, m: number, rng: Rng): Int32Array {
  const take = Math.min(n, m);
  if (take === n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  // Sparse Fisher–Yates: only the swapped positions are stored, so a 5k sample of 1M rows
  // costs O(5k), not O(1M).
  const swapped = new Map<number, number>();
  const out = new Int32Array(take);
  for (let t = 0; t < take; t++) {
    const j = t + rng.int(n - t);
    const vj = swapped.get(j) ?? j;
    const vt = swapped.get(t) ?? t;
    out[t] = vj;
    swapped.set(j, vt);
  }
  return out;
}
