import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quoteIdent, type SqlParams, type Warehouse } from '../warehouse/index.ts';
import { FeatureDefinitionError } from './errors.ts';
import { FAMILIES, FEATURES, featuresOf, type FamilyName } from './registry.ts';

/**
 * The evaluation engine shared by snapshots and training rows. Everything is computed for a
 * spine — a temp table `__spine(spine_id, customer_id, as_of, ck, t, day)` — so a snapshot (every
 * customer, one as_of) and a training set (one row per attempt, each as of its own start) run
 * the very same SQL: one definition, no per-row loop, no second code path to drift apart.
 */

const SQL_DIR = fileURLToPath(new URL('./sql/', import.meta.url));

export const SPINE_TABLE = '__spine';
const SPINE_KEYS = '__spine_keys';

/** Shared inputs the families read, built once per evaluation, in this order. */
const PREPARE_STEPS = [
  { name: '__occupations', file: 'prepare/occupations.sql', kind: 'TABLE', label: 'occupations' },
  { name: '__tz_offsets', file: 'prepare/tz_offsets.sql', kind: 'TABLE', label: 'time-zone offsets per day' },
  { name: '__attempts', file: 'prepare/attempts.sql', kind: 'TABLE', label: 'attempts with local hour-of-week' },
  { name: '__history', file: 'prepare/history.sql', kind: 'VIEW', label: 'point-in-time history view' },
  { name: '__priors', file: 'prepare/priors.sql', kind: 'TABLE', label: 'population answer-rate priors' },
  { name: '__rfm_breakpoints', file: 'prepare/rfm_breakpoints.sql', kind: 'TABLE', label: 'RFM quintile breakpoints' },
] as const;

const sqlCache = new Map<string, string>();
function readSql(file: string): string {
  let sql = sqlCache.get(file);
  if (sql === undefined) {
    sql = readFileSync(`${SQL_DIR}${file}`, 'utf8');
    sqlCache.set(file, sql);
  }
  return sql;
}

/** The SELECT text of a family, as stored in features/sql/<family>.sql. */
export function familySql(family: FamilyName): string {
  const def = FAMILIES.find((f) => f.name === family);
  if (!def) throw new FeatureDefinitionError(`unknown feature family ${family}`);
  return readSql(def.file);
}

/** sha256 over the registry and every SQL file: two snapshots with the same hash are comparable. */
export function featureSetHash(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(FEATURES));
  for (const step of PREPARE_STEPS) h.update(readSql(step.file));
  for (const family of FAMILIES) h.update(readSql(family.file));
  return h.digest('hex');
}

/** Steps evaluateSpine reports (prepare steps, then one per family). */
export const EVALUATION_STEPS = PREPARE_STEPS.length + FAMILIES.length;

const familyTable = (family: FamilyName) => `__f_${family}`;

/**
 * Creates `__spine` from a SELECT that returns spine_id, customer_id, as_of (other columns
 * are ignored). Added: `ck`, an integer key per customer (`__spine_keys`); `t`, as_of in
 * microseconds since the epoch (the families compare times as integers); `day`, its UTC day
 * number, for day-level priors.
 */
export async function createSpine(wh: Warehouse, selectSql: string, params?: SqlParams): Promise<number> {
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${SPINE_TABLE} AS
     SELECT spine_id::BIGINT AS spine_id, customer_id::VARCHAR AS customer_id, as_of::TIMESTAMPTZ AS as_of
     FROM (${selectSql})`,
    params,
  );
  // an integer key per spine customer: the history join and its aggregates run on integers
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${SPINE_KEYS} AS
     SELECT customer_id, (row_number() OVER ())::INTEGER AS ck FROM (SELECT DISTINCT customer_id FROM ${SPINE_TABLE})`,
  );
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${SPINE_TABLE} AS
     SELECT s.spine_id, s.customer_id, s.as_of, k.ck, epoch_us(s.as_of) AS t, (epoch_us(s.as_of) // 86400000000)::INTEGER AS day
     FROM ${SPINE_TABLE} s JOIN ${SPINE_KEYS} k ON k.customer_id = s.customer_id
     ORDER BY s.spine_id`,
  );
  const { n } = await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${SPINE_TABLE}`);
  return n;
}

/**
 * Builds the shared inputs and every family for the current `__spine`, then returns the
 * SELECT that joins them: spine_id, customer_id, as_of and every registered feature, cast to
 * its registered column type, in registry order. Call dropWorkTables afterwards.
 */
export async function evaluateSpine(
  wh: Warehouse,
  onStep: (label: string) => void = () => undefined,
): Promise<string> {
  const { n: spineRows, max_as_of } = await wh.one<{ n: number; max_as_of: Date | null }>(
    `SELECT count(*) AS n, max(as_of) AS max_as_of FROM ${SPINE_TABLE}`,
  );
  // bound, not a subquery: the planner then estimates the attempts scan right
  const params = { max_as_of };
  for (const step of PREPARE_STEPS) {
    onStep(step.label);
    await wh.run(`CREATE OR REPLACE TEMP ${step.kind} ${step.name} AS ${readSql(step.file)}`, params);
  }
  for (const family of FAMILIES) {
    onStep(`family ${family.name}`);
    const table = familyTable(family.name);
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${readSql(family.file)}`);
    await checkFamily(wh, family.name, table, spineRows);
  }
  const columns = FEATURES.map((d) => {
    const t = `f_${FAMILIES.findIndex((f) => f.name === d.family)}`;
    return `CAST(${t}.${quoteIdent(d.name)} AS ${d.sqlType}) AS ${quoteIdent(d.name)}`;
  });
  const joins = FAMILIES.map((f, i) => `LEFT JOIN ${familyTable(f.name)} f_${i} ON f_${i}.spine_id = s.spine_id`);
  return `SELECT s.spine_id, s.customer_id, s.as_of,\n  ${columns.join(',\n  ')}\nFROM ${SPINE_TABLE} s\n${joins.join('\n')}`;
}

/** A family must return spine_id plus exactly its registered features, one row per spine row. */
async function checkFamily(wh: Warehouse, family: FamilyName, table: string, spineRows: number): Promise<void> {
  const described = await wh.query<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE ${table})`);
  const got = described.map((c) => c.column_name);
  const want = ['spine_id', ...featuresOf(family).map((d) => d.name)];
  if (got.join(',') !== want.join(',')) {
    throw new FeatureDefinitionError(
      `features/sql/${family}.sql returns columns [${got.join(', ')}] but the registry expects [${want.join(', ')}]; ` +
        'make the SELECT list and features/registry.ts agree (names and order)',
    );
  }
  const { n, d } = await wh.one<{ n: number; d: number }>(`SELECT count(*) AS n, count(DISTINCT spine_id) AS d FROM ${table}`);
  if (n !== spineRows || d !== spineRows) {
    throw new FeatureDefinitionError(
      `features/sql/${family}.sql returned ${n} rows for ${d} spine rows of ${spineRows}; a family must return exactly one row per spine row (select FROM __spine and LEFT JOIN aggregates)`,
    );
  }
}

/** Drops every temp object an evaluation made (also after a failure). */
export async function dropWorkTables(wh: Warehouse, extra: readonly string[] = []): Promise<void> {
  const drops = [
    ...FAMILIES.map((f) => `DROP TABLE IF EXISTS ${familyTable(f.name)}`),
    ...[...PREPARE_STEPS].reverse().map((s) => `DROP ${s.kind} IF EXISTS ${s.name}`),
    `DROP TABLE IF EXISTS ${SPINE_TABLE}`,
    `DROP TABLE IF EXISTS ${SPINE_KEYS}`,
    ...extra.map((t) => `DROP TABLE IF EXISTS ${quoteIdent(t)}`),
  ];
  for (const sql of drops) await wh.run(sql).catch(() => undefined);
}

/**
 * One feature build at a time per warehouse: the work tables are connection-scoped temp
 * tables with fixed names, and a snapshot runs inside one transaction.
 */
const locks = new WeakMap<Warehouse, Promise<unknown>>();
export async function withFeatureLock<T>(wh: Warehouse, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(wh) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(fn);
  locks.set(wh, run);
  return run;
}
