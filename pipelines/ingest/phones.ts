import { bulkAppend, type SqlParams, type Warehouse } from '../../warehouse/index.ts';
import { normalisePhones } from './phone-parse.ts';

export const PHONE_TABLE = '__phone_map';
/** Pairs parsed by this ingest, remembered in `phone_normalisations` when the ingest commits. */
export const PHONE_NEW = '__phone_new';

/**
 * Builds `__phone_map(text, raw, region, e164, error)` for the distinct rows of `pairsSql`
 * (`text`: the number as written; `raw`: its clean text, the number parsed; `region`). Pairs
 * seen by an earlier ingest come from `phone_normalisations`; only new ones are parsed (in
 * JavaScript, once each), into `__phone_new` until `rememberNewPhones`.
 */
export async function buildPhoneMap(wh: Warehouse, pairsSql: string, params: SqlParams = {}): Promise<{ distinct: number; parsed: number }> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${PHONE_TABLE} AS
    SELECT q.text, q.raw, q.region, p.e164, p.error, p.raw IS NOT NULL AS cached
    FROM (SELECT DISTINCT text, raw, region FROM (${pairsSql}) WHERE raw IS NOT NULL) q
    LEFT JOIN phone_normalisations p ON p.raw = q.raw AND p.region = q.region`, params);
  const fresh = await wh.columns(`SELECT DISTINCT raw, region FROM ${PHONE_TABLE} WHERE NOT cached`);
  const raws = (fresh.raw ?? []) as string[];
  const regions = (fresh.region ?? []) as string[];
  if (raws.length) {
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${PHONE_NEW} (raw VARCHAR, region VARCHAR, e164 VARCHAR, error VARCHAR)`);
    const parsed = await normalisePhones(raws, regions);
    await bulkAppend(
      wh,
      PHONE_NEW,
      [
        { name: 'raw', kind: 'varchar', values: raws },
        { name: 'region', kind: 'varchar', values: regions },
        { name: 'e164', kind: 'varchar', values: parsed.e164 },
        { name: 'error', kind: 'varchar', values: parsed.error },
      ],
      'main',
      'temp',
    );
    await wh.run(`UPDATE ${PHONE_TABLE} m SET e164 = n.e164, error = n.error FROM ${PHONE_NEW} n WHERE n.raw = m.raw AND n.region = m.region`);
  }
  const total = await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${PHONE_TABLE}`);
  return { distinct: total.n, parsed: raws.length };
}

/**
 * Adds the pairs `buildPhoneMap` parsed to `phone_normalisations`, inside the ingest's
 * transaction (everything before it writes temp tables only).
 */
export async function rememberNewPhones(wh: Warehouse): Promise<void> {
  const fresh = await wh.query(`SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = $name`, { name: PHONE_NEW });
  if (!fresh.length) return;
  await wh.run(`INSERT INTO phone_normalisations SELECT raw, region, e164, error FROM ${PHONE_NEW}`);
  await wh.run(`DROP TABLE ${PHONE_NEW}`);
}
