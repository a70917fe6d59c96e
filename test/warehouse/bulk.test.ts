import { describe, expect, it } from 'vitest';
import { bulkAppend, Warehouse } from '../../warehouse/index.ts';

describe('bulkAppend', () => {
  it('loads strings, numbers and FLOAT[k] vectors exactly, across chunk boundaries', async () => {
    const wh = await Warehouse.open(':memory:');
    await wh.run('CREATE TEMP TABLE t (id VARCHAR, x DOUBLE, k INTEGER, p FLOAT[3])');
    const n = 5000; // more than two 2,048-row chunks
    const ids = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `c${i}`));
    const x = Float64Array.from({ length: n }, (_, i) => i / 3);
    const k = Int32Array.from({ length: n }, (_, i) => i * 2);
    const p = Float32Array.from({ length: n * 3 }, (_, i) => (i % 11) / 10);
    expect(await bulkAppend(wh, 't', [
      { name: 'id', kind: 'varchar', values: ids },
      { name: 'x', kind: 'double', values: x },
      { name: 'k', kind: 'integer', values: k },
      { name: 'p', kind: 'float_array', width: 3, values: p },
    ], 'main', 'temp')).toBe(n);
    const rows = await wh.query<{ id: string | null; x: number; k: number; p: number[] }>('SELECT id, x, k, p FROM t WHERE k IN (0, 4098, 9998) ORDER BY k');
    expect(rows).toEqual([
      { id: null, x: 0, k: 0, p: [0, 0.1, 0.2].map((v) => Math.fround(v)) },
      { id: 'c2049', x: 2049 / 3, k: 4098, p: [2049 * 3, 2049 * 3 + 1, 2049 * 3 + 2].map((i) => Math.fround((i % 11) / 10)) },
      { id: 'c4999', x: 4999 / 3, k: 9998, p: [4999 * 3, 4999 * 3 + 1, 4999 * 3 + 2].map((i) => Math.fround((i % 11) / 10)) },
    ]);
    expect(await wh.one('SELECT count(*) AS n FROM t')).toEqual({ n });
    await expect(bulkAppend(wh, 't', [{ name: 'id', kind: 'varchar', values: ['a'] }, { name: 'x', kind: 'double', values: [1, 2] }])).rejects.toThrow(/has 2 rows, expected 1/);
    await wh.close();
  });
});
