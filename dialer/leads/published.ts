import { join } from 'node:path';
import { DuckDBArrayValue, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { HOURS_PER_WEEK, LEADS_FILE, SCORES_FILE, readCurrentRun, readRun } from '../../contracts/published-run.ts';
import type { PublishedRunRef } from '../../contracts/published-run.ts';
import { LeadTableError } from '../errors.ts';
import { LeadTable, emptyColumns } from './lead-table.ts';

export interface PublishedLeads {
  ref: PublishedRunRef;
  table: LeadTable;
  /** Rows of leads.parquet with no score row, and score rows with no lead row (left out). */
  unmatched: { leadsWithoutScores: number; scoresWithoutLeads: number };
}

/**
 * Reads the published run in force (`published/CURRENT`, or `runId`) into a LeadTable: the
 * leads joined with their scores. Parquet is read by an in-memory DuckDB instance, which is
 * closed before returning — the dialer never opens the warehouse.
 * @throws PublishedRunError (no run / bad manifest), LeadTableError (bad rows)
 */
export async function loadPublishedLeads(dataDir: string, opts: { runId?: string } = {}): Promise<PublishedLeads> {
  const ref = opts.runId ? readRun(dataDir, opts.runId) : readCurrentRun(dataDir);
  const leadsPath = join(ref.dir, LEADS_FILE);
  const scoresPath = join(ref.dir, SCORES_FILE);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    // The file paths are bound parameters ($l, $s) of every query, never pasted into SQL.
    const paths = { l: leadsPath, s: scoresPath };
    const FROM = `WITH l AS (SELECT * FROM read_parquet($l)), s AS (SELECT * FROM read_parquet($s))`;
    const bad = await scalarRows(
      conn,
      `${FROM} SELECT customer_id, len(p_answer) AS n FROM s WHERE p_answer IS NULL OR len(p_answer) <> ${HOURS_PER_WEEK}
         OR p_convert IS NULL OR p_convert < 0 OR p_convert > 1 LIMIT 3`,
      paths,
    ).catch(wrap(`cannot read ${scoresPath} / ${leadsPath}`));
    if (bad.length)
      throw new LeadTableError(
        `${scoresPath}: rows with a p_answer that is not ${HOURS_PER_WEEK} values or a p_convert outside 0…1 (e.g. ${bad.map((r) => r[0]).join(', ')}); republish the run`,
      );
    const [[lw, sw]] = (await scalarRows(
      conn,
      `${FROM} SELECT (SELECT count(*) FROM l ANTI JOIN s USING (customer_id)), (SELECT count(*) FROM s ANTI JOIN l USING (customer_id))`,
      paths,
    ).catch(wrap(`cannot read ${leadsPath}`))) as [[bigint, bigint]];
    const [[count]] = (await scalarRows(conn, `${FROM} SELECT count(*) FROM l SEMI JOIN s USING (customer_id)`, paths)) as [[bigint]];
    const n = Number(count);
    const c = emptyColumns(n);
    const index = new Map<string, number>();

    // 1. The leads that have scores, in customer_id order (a stable lead order: the same run
    //    always gives the same indices, so simulated days replay exactly). Narrow columns only.
    let i = 0;
    const leads = await conn.stream(
      `${FROM} SELECT l.customer_id, l.phone_e164, l.phone_hash, l.timezone, l.country, l.name, l.consent, l.dnc, l.blocked_reason,
              l.variables::VARCHAR
       FROM l SEMI JOIN s USING (customer_id) ORDER BY l.customer_id`,
      paths,
    );
    for (;;) {
      const chunk = await leads.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const [id, phone, hash, tz, country, name, consent, dnc, blocked, vars] = Array.from({ length: 10 }, (_, k) => chunk.getColumnVector(k));
      for (let r = 0; r < chunk.rowCount; r++, i++) {
        const cid = String(id!.getItem(r));
        c.customerId[i] = cid;
        index.set(cid, i);
        c.phoneE164[i] = String(phone!.getItem(r) ?? '');
        c.phoneHash[i] = (hash!.getItem(r) as string | null) ?? null;
        c.timezone[i] = String(tz!.getItem(r) ?? '');
        c.country[i] = (country!.getItem(r) as string | null) ?? null;
        c.name[i] = (name!.getItem(r) as string | null) ?? null;
        c.consent[i] = consent!.getItem(r) === true ? 1 : 0;
        c.dnc[i] = dnc!.getItem(r) === true ? 1 : 0;
        c.blockedReason[i] = (blocked!.getItem(r) as string | null) ?? null;
        c.variables[i] = (vars!.getItem(r) as string | null) ?? '{}';
      }
    }
    if (i !== n) throw new LeadTableError(`${leadsPath}: customer_id is not unique (${i} rows for ${n} scored leads); republish the run`);

    // 2. The scores in file order (no join, no sort of the 168-value arrays), placed by index.
    //    p_answer is read as a fixed-size array — one value object per row; 168 per-column reads
    //    are ~6× slower — and written hour-major.
    const scores = await conn.stream(
      `${FROM} SELECT customer_id, segment_id, segment_name, p_convert::FLOAT, expected_value::FLOAT, p_answer::FLOAT[${HOURS_PER_WEEK}] FROM s`,
      paths,
    );
    const seen = new Uint8Array(n);
    for (;;) {
      const chunk = await scores.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const [id, segId, segName, pc, ev, pa] = Array.from({ length: 6 }, (_, k) => chunk.getColumnVector(k));
      for (let r = 0; r < chunk.rowCount; r++) {
        const at = index.get(String(id!.getItem(r)));
        if (at === undefined) continue; // a score without a lead
        if (seen[at] === 1) throw new LeadTableError(`${scoresPath}: customer ${c.customerId[at]} has two score rows; republish the run`);
        seen[at] = 1;
        const sid = segId!.getItem(r);
        c.segmentId[at] = sid === null ? -1 : Number(sid);
        c.segmentName[at] = (segName!.getItem(r) as string | null) ?? null;
        c.pConvert[at] = pc!.getItem(r) as number;
        c.expectedValue[at] = (ev!.getItem(r) as number | null) ?? 0;
        const v = pa!.getItem(r);
        const items = v instanceof DuckDBArrayValue ? v.items : [];
        for (let h = 0; h < HOURS_PER_WEEK; h++) c.pAnswer[h * n + at] = (items[h] as number | null | undefined) ?? 0;
      }
    }
    const table = new LeadTable(c, { runId: ref.runId, asOf: ref.manifest.as_of, modelVersions: { ...ref.manifest.model_versions } });
    return { ref, table, unmatched: { leadsWithoutScores: Number(lw), scoresWithoutLeads: Number(sw) } };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function wrap(what: string) {
  return (cause: unknown): never => {
    throw new LeadTableError(`${what}: ${(cause as Error).message}`, { cause });
  };
}

async function scalarRows(conn: DuckDBConnection, sql: string, values: Record<string, string>): Promise<unknown[][]> {
  const reader = await conn.runAndReadAll(sql, values);
  return reader.getRows() as unknown[][];
}
