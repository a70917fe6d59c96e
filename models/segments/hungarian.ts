/**
 * Minimum-cost assignment (Hungarian algorithm, shortest augmenting paths with potentials),
 * O(r² · c) for r ≤ c. Rectangular matrices are allowed: with more rows than columns the
 * surplus rows stay unassigned (and vice versa).
 */
import { SegmentsInputError } from './errors.ts';

/** A cost matrix: rows of numbers, or a row-major flat array with its shape. */
export type CostMatrix =
  | readonly (readonly number[])[]
  | { readonly data: ArrayLike<number>; readonly rows: number; readonly cols: number };

/** An optimal assignment. */
export interface Assignment {
  /** Column assigned to each row, or −1 (only when rows > cols). */
  rowToCol: Int32Array;
  /** Row assigned to each column, or −1 (only when cols > rows). */
  colToRow: Int32Array;
  /** Sum of the costs of the assigned pairs. */
  total: number;
}

function toFlat(cost: CostMatrix): { data: ArrayLike<number>; rows: number; cols: number } {
  if (!Array.isArray(cost)) return cost as { data: ArrayLike<number>; rows: number; cols: number };
  const rowsArr = cost as readonly (readonly number[])[];
  const rows = rowsArr.length;
  const cols = rows === 0 ? 0 : (rowsArr[0] as readonly number[]).length;
  const data = new Float64Array(rows * cols);
  rowsArr.forEach((row, i) => {
    if (row.length !== cols) throw new SegmentsInputError(`cost row ${i} has ${row.length} entries, expected ${cols}.`);
    data.set(row, i * cols);
  });
  return { data, rows, cols };
}

/** Solves min Σ cost[i][assigned(i)] over one-to-one assignments of min(rows, cols) pairs. */
export function hungarian(cost: CostMatrix): Assignment {
  const { data, rows, cols } = toFlat(cost);
  if (data.length !== rows * cols) throw new SegmentsInputError(`cost has ${data.length} values for ${rows} × ${cols}.`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      throw new SegmentsInputError(`cost value ${i} is ${data[i]}; use a large finite cost for forbidden pairs.`);
    }
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, total: 0 };

  // Work with n ≤ m: transpose when there are more rows than columns.
  const t = rows > cols;
  const n = t ? cols : rows;
  const m = t ? rows : cols;
  const a = (i: number, j: number): number => (t ? (data[j * cols + i] as number) : (data[i * cols + j] as number));

  // 1-based arrays, index 0 is the virtual start column (e-maxx formulation).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: row matched to column j (0 = none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minv[j] = (minv[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }

  let total = 0;
  for (let j = 1; j <= m; j++) {
    const i = p[j] as number;
    if (i === 0) continue;
    const r = t ? j - 1 : i - 1;
    const c = t ? i - 1 : j - 1;
    rowToCol[r] = c;
    colToRow[c] = r;
    total += data[r * cols + c] as number;
  }
  return { rowToCol, colToRow, total };
}
