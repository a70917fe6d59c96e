/** Adjusted Rand index (Hubert & Arabie 1985) between two labelings of the same items. */
import { SegmentsInputError } from './errors.ts';

function choose2(x: number): number {
  return (x * (x - 1)) / 2;
}

/**
 * ARI of two partitions: 1 for identical partitions (whatever the label names), ≈0 for
 * independent ones, negative when worse than chance. Labels may be any integers.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new SegmentsInputError(`labelings differ in length (${n} vs ${b.length}).`);
  if (n < 2) return 1;
  const ia = new Map<number, number>();
  const ib = new Map<number, number>();
  const ca = new Int32Array(n);
  const cb = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let x = ia.get(a[i] as number);
    if (x === undefined) ia.set(a[i] as number, (x = ia.size));
    ca[i] = x;
    let y = ib.get(b[i] as number);
    if (y === undefined) ib.set(b[i] as number, (y = ib.size));
    cb[i] = y;
  }
  const ka = ia.size;
  const kb = ib.size;
  const table = new Map<number, number>();
  const rowSum = new Float64Array(ka);
  const colSum = new Float64Array(kb);
  for (let i = 0; i < n; i++) {
    const key = (ca[i] as number) * kb + (cb[i] as number);
    table.set(key, (table.get(key) ?? 0) + 1);
    rowSum[ca[i] as number] = (rowSum[ca[i] as number] as number) + 1;
    colSum[cb[i] as number] = (colSum[cb[i] as number] as number) + 1;
  }
  let sumCells = 0;
  for (const v of table.values()) sumCells += choose2(v);
  let sumA = 0;
  for (const v of rowSum) sumA += choose2(v);
  let sumB = 0;
  for (const v of colSum) sumB += choose2(v);
  const expected = (sumA * sumB) / choose2(n);
  const max = (sumA + sumB) / 2;
  // Both partitions trivial in the same way (one cluster each, or all singletons).
  if (max === expected) return 1;
  return (sumCells - expected) / (max - expected);
}
