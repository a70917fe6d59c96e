import { DuckDBArrayValue, DuckDBListValue } from '@duckdb/node-api';
import type { ScoreRow } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';

/**
 * The published scores held column-wise in JS, for the dialer's per-customer lookups and the
 * score pages: a lookup is a Map hit and a page is a slice of a precomputed order, with no
 * database round trip (a DuckDB point query costs ~1–2 ms and runs one at a time per
 * connection, which capped lookups at a few hundred per second). p_answer is one Float32Array
 * (168 values per customer), so the memory is what the parquet holds uncompressed.
 */
/** One customer's scores as the API answers them: the published run's row, field for field. */
export type ScoreJson = ScoreRow;

const HOURS = 168;
// expected-value order is the load order: position 0 is the best lead. p_answer is read as a
// fixed-size FLOAT array (one value object per row), the way dialer/leads reads it.
const LOAD = `
  SELECT customer_id, p_convert, p_answer::FLOAT[${HOURS}] AS p_answer, best_hours, segment_id, segment_name, expected_value, reasons,
         model_versions::VARCHAR AS model_versions
  FROM read_parquet($path)
  ORDER BY expected_value DESC, customer_id`;

export type ScoreOrder = 'expected_value' | 'customer_id';

export class ScoresIndex {
  private readonly position = new Map<string, number>();
  private readonly byId: Int32Array;
  private readonly bySegment = new Map<number, { expected_value: Int32Array; customer_id: Int32Array }>();

  private constructor(
    private readonly ids: string[],
    private readonly pConvert: Float64Array,
    private readonly pAnswer: Float32Array,
    private readonly bestHours: number[][],
    private readonly segmentId: (number | null)[],
    private readonly segmentName: (string | null)[],
    private readonly expectedValue: Float64Array,
    private readonly reasons: string[][],
    private readonly modelVersions: Record<string, string>[],
  ) {
    const n = ids.length;
    ids.forEach((id, i) => this.position.set(id, i));
    this.byId = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    const segments = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const s = segmentId[i];
      if (s === null || s === undefined) continue;
      const list = segments.get(s) ?? [];
      list.push(i);
      segments.set(s, list);
    }
    for (const [s, rows] of segments) {
      const ev = Int32Array.from(rows);
      const inSegment = new Set(rows);
      this.bySegment.set(s, { expected_value: ev, customer_id: this.byId.filter((i) => inSegment.has(i)) });
    }
  }

  static async load(db: Warehouse, path: string): Promise<ScoresIndex> {
    const ids: string[] = [];
    const pConvert: number[] = [];
    const answers: Float32Array[] = [];
    const bestHours: number[][] = [];
    const segmentId: (number | null)[] = [];
    const segmentName: (string | null)[] = [];
    const expectedValue: number[] = [];
    const reasons: string[][] = [];
    // every row of a run carries the same few version maps: parse each distinct text once
    const versions = new Map<string, Record<string, string>>();
    const modelVersions: Record<string, string>[] = [];
    const stream = await db.rawConnection.stream(LOAD, { path });
    for (;;) {
      const chunk = await stream.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const [id, pc, pa, bh, sid, sname, ev, rs, mv] = Array.from({ length: 9 }, (_, k) => chunk.getColumnVector(k));
      const block = new Float32Array(chunk.rowCount * HOURS);
      answers.push(block);
      for (let r = 0; r < chunk.rowCount; r++) {
        ids.push(String(id!.getItem(r)));
        pConvert.push(Number(pc!.getItem(r)));
        const v = pa!.getItem(r);
        const items = v instanceof DuckDBArrayValue ? v.items : [];
        for (let h = 0; h < HOURS; h++) block[r * HOURS + h] = (items[h] as number | null | undefined) ?? Number.NaN;
        const hours = bh!.getItem(r);
        bestHours.push(hours instanceof DuckDBListValue ? hours.items.map(Number) : []);
        const seg = sid!.getItem(r);
        segmentId.push(seg === null ? null : Number(seg));
        segmentName.push((sname!.getItem(r) as string | null) ?? null);
        expectedValue.push(Number(ev!.getItem(r)));
        const why = rs!.getItem(r);
        reasons.push(why instanceof DuckDBListValue ? why.items.map(String) : []);
        const text = String(mv!.getItem(r) ?? '{}');
        let parsed = versions.get(text);
        if (!parsed) {
          parsed = JSON.parse(text) as Record<string, string>;
          versions.set(text, parsed);
        }
        modelVersions.push(parsed);
      }
    }
    const pAnswer = new Float32Array(ids.length * HOURS);
    let at = 0;
    for (const block of answers) {
      pAnswer.set(block, at);
      at += block.length;
    }
    return new ScoresIndex(ids, Float64Array.from(pConvert), pAnswer, bestHours, segmentId, segmentName, Float64Array.from(expectedValue), reasons, modelVersions);
  }

  get size(): number {
    return this.ids.length;
  }

  private row(i: number): ScoreJson {
    return {
      customer_id: this.ids[i]!,
      p_convert: this.pConvert[i]!,
      p_answer: Array.from(this.pAnswer.subarray(i * HOURS, (i + 1) * HOURS)),
      best_hours: this.bestHours[i]!,
      segment_id: this.segmentId[i] ?? null,
      segment_name: this.segmentName[i] ?? null,
      expected_value: this.expectedValue[i]!,
      reasons: this.reasons[i]!,
      model_versions: this.modelVersions[i]!,
    };
  }

  get(customerId: string): ScoreJson | null {
    const i = this.position.get(customerId);
    return i === undefined ? null : this.row(i);
  }

  /** A page in the given order, optionally of one segment; `total` is the rows in that order. */
  page(order: ScoreOrder, offset: number, limit: number, segment: number | null): { total: number; rows: ScoreJson[] } {
    let indices: ArrayLike<number>;
    if (segment !== null) indices = this.bySegment.get(segment)?.[order] ?? new Int32Array(0);
    else indices = order === 'customer_id' ? this.byId : { length: this.ids.length };
    const total = indices.length;
    const rows: ScoreJson[] = [];
    for (let k = offset; k < Math.min(total, offset + limit); k++) {
      // the load order is the expected-value order: position k is row k
      rows.push(this.row(segment === null && order === 'expected_value' ? k : (indices as Int32Array)[k]!));
    }
    return { total, rows };
  }
}
