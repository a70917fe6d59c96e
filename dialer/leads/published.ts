import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
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
    const [[count]] = (await scalarRows(conn, `${FROM} SELECT count(*) FROM l JOIN s USING (customer_id)`, paths)) as [[bigint]];
    const n = Number(count);
    const c = emptyColumns(n);
    const hours = Array.from({ length: HOURS_PER_WEEK }, (_, h) => `s.p_answer[${h + 1}]::FLOAT`).join(', ');
    const result = await conn.stream(
      `${FROM} SELECT l.customer_id, l.phone_e164, l.phone_hash, l.timezone, l.country, l.name, l.consent, l.dnc, l.blocked_reason,
              l.variables::VARCHAR, s.segment_id, s.segment_name, s.p_convert::FLOAT, s.expected_value::FLOAT, ${hours}
       FROM l JOIN s USING (customer_id) ORDER BY l.customer_id`,
      paths,
    );
    let i = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const rows = chunk.rowCount;
      const col = (k: number) => chunk.getColumnVector(k);
      const [id, phone, hash, tz, country, name, consent, dnc, blocked, vars, segId, segName, pc, ev] = Array.from({ length: 14 }, (_, k) => col(k));
      for (let r = 0; r < rows; r++) {
        const at = i + r;
        c.customerId[at] = String(id!.getItem(r));
        c.phoneE164[at] = String(phone!.getItem(r) ?? '');
        c.phoneHash[at] = (hash!.getItem(r) as string | null) ?? null;
        c.timezone[at] = String(tz!.getItem(r) ?? '');
        c.country[at] = (country!.getItem(r) as string | null) ?? null;
        c.name[at] = (name!.getItem(r) as string | null) ?? null;
        c.consent[at] = consent!.getItem(r) === true ? 1 : 0;
        c.dnc[at] = dnc!.getItem(r) === true ? 1 : 0;
        c.blockedReason[at] = (blocked!.getItem(r) as string | null) ?? null;
        c.variables[at] = (vars!.getItem(r) as string | null) ?? '{}';
        const sid = segId!.getItem(r);
        c.segmentId[at] = sid === null ? -1 : Number(sid);
        c.segmentName[at] = (segName!.getItem(r) as string | null) ?? null;
        c.pConvert[at] = pc!.getItem(r) as number;
        c.expectedValue[at] = (ev!.getItem(r) as number | null) ?? 0;
      }
      for (let h = 0; h < HOURS_PER_WEEK; h++) {
        const v = col(14 + h);
        const base = h * n + i;
        for (let r = 0; r < rows; r++) c.pAnswer[base + r] = (v.getItem(r) as number | null) ?? 0;
      }
      i += rows;
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
