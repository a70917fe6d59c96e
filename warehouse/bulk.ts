import { ARRAY, DOUBLE, DuckDBDataChunk, FLOAT, INTEGER, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import { WarehouseError } from './errors.ts';
import type { Warehouse } from './warehouse.ts';

/** A column to bulk-load: strings, numbers, or a fixed-width float vector per row. */
export type BulkColumn =
  | { name: string; kind: 'varchar'; values: readonly (string | null)[] }
  | { name: string; kind: 'double'; values: Float64Array | Float32Array | readonly number[] }
  | { name: string; kind: 'integer'; values: Int32Array | readonly number[] }
  | { name: string; kind: 'float_array'; width: number; values: Float32Array };

const CHUNK_ROWS = 2048;

/** Internals of node-api vectors this module writes in bulk (typed-array views of DuckDB memory). */
interface RawVector {
  items?: Float32Array | Float64Array | Int32Array;
  childData?: RawVector;
  flush(): void;
}

function duckType(c: BulkColumn): DuckDBType {
  switch (c.kind) {
    case 'varchar':
      return VARCHAR;
    case 'double':
      return DOUBLE;
    case 'integer':
      return INTEGER;
    case 'float_array':
      return ARRAY(FLOAT, c.width);
  }
}

function rowCount(c: BulkColumn): number {
  return c.kind === 'float_array' ? c.values.length / c.width : c.values.length;
}

/**
 * Appends columns to an existing table, chunk by chunk, copying typed arrays straight into
 * DuckDB's vectors. Row-by-row appending of a FLOAT[168] column costs minutes per million rows;
 * this costs seconds. The table's columns must be exactly `columns`, in order.
 */
export async function bulkAppend(wh: Warehouse, table: string, columns: readonly BulkColumn[], schema = 'main', catalog?: string): Promise<number> {
  if (!columns.length) throw new WarehouseError('bulkAppend needs at least one column');
  const n = rowCount(columns[0]!);
  for (const c of columns) {
    if (rowCount(c) !== n) throw new WarehouseError(`bulkAppend: column ${c.name} has ${rowCount(c)} rows, expected ${n}`);
    if (c.kind === 'float_array' && !Number.isInteger(c.values.length / c.width)) {
      throw new WarehouseError(`bulkAppend: column ${c.name} length is not a multiple of ${c.width}`);
    }
  }
  const appender = await wh.rawConnection.createAppender(table, schema, catalog ?? null);
  const chunk = DuckDBDataChunk.create(columns.map(duckType), CHUNK_ROWS);
  try {
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, n - start);
      chunk.reset();
      chunk.rowCount = m;
      columns.forEach((c, ci) => {
        if (c.kind === 'varchar') {
          chunk.setColumnValues(ci, c.values.slice(start, start + m) as (string | null)[]);
          return;
        }
        const vector = chunk.getColumnVector(ci) as unknown as RawVector;
        if (c.kind === 'float_array') {
          const child = vector.childData;
          if (!child?.items) throw new WarehouseError('bulkAppend: this @duckdb/node-api has no writable array child vector');
          child.items.set(c.values.subarray(start * c.width, (start + m) * c.width));
          child.flush();
        } else {
          if (!vector.items) throw new WarehouseError('bulkAppend: this @duckdb/node-api has no writable numeric vector');
          const items = vector.items;
          for (let r = 0; r < m; r++) items[r] = c.values[start + r]!;
        }
        vector.flush();
      });
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return n;
}
