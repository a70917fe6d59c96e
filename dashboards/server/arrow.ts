import { Bool, Field, Float32, Float64, Int32, List, Table, tableToIPC, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ARROW_TYPE } from '../api/schemas.ts';

/** Arrow when asked for with `?format=arrow` or `Accept: application/vnd.apache.arrow.stream`. */
export function wantsArrow(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format) return format === 'arrow';
  return (request.headers.accept ?? '').includes(ARROW_TYPE);
}

export type ColumnTypes = Record<string, DataType>;

/** Rows → an Arrow table with declared column types (inference would guess lists and nulls wrong). */
export function rowsToArrow(rows: Record<string, unknown>[], types: ColumnTypes): Table {
  const columns: Record<string, Vector> = {};
  for (const [name, type] of Object.entries(types)) {
    columns[name] = vectorFromArray<DataType>(rows.map((r) => (r[name] === undefined ? null : r[name])) as unknown[], type);
  }
  return new Table(columns);
}

export function sendArrow(reply: FastifyReply, table: Table, headers: Record<string, string>): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.type(ARROW_TYPE).send(Buffer.from(tableToIPC(table, 'stream')));
}

export const ArrowTypes = {
  utf8: () => new Utf8(),
  int: () => new Int32(),
  float: () => new Float64(),
  bool: () => new Bool(),
  floatList: () => new List(new Field('item', new Float32(), true)),
  intList: () => new List(new Field('item', new Int32(), true)),
  utf8List: () => new List(new Field('item', new Utf8(), true)),
};
