import type { Mapping } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import type { FieldSpec, KindSpec } from './fields.ts';
import type { Resolution } from './mapping.ts';
import { CUSTOMER_CONTENT_COLUMNS, keySql } from './keys.ts';
import { BOOLEAN_MAP, fastValueSql, finiteNumberSql, nullTokens, wholeNumberSql } from './fast-paths.ts';
import { ParamBag } from './params.ts';
import { buildPhoneMap, PHONE_NEW, PHONE_TABLE } from './phones.ts';
import { col, STAGE_TABLE } from './stage.ts';
import { ZONE_TABLE } from './zones.ts';

export const TYPED_TABLE = '__typed';
/** Keys of the valid typed rows that the target table holds already (events and call attempts). */
export const PRESENT_TABLE = '__present';
const HOURS_TABLE = '__hours';
const DISTINCT_TABLE = '__distinct';
const CUSTOMER_LOOKUP = '__customer_lookup';

export interface TransformContext {
  spec: KindSpec;
  mapping: Mapping;
  resolution: Resolution;
  phoneSalt: string;
  /** rows after this instant are "in the future" (a few minutes of clock skew allowed) */
  now: Date;
}

/** A time-of-day followed by Z or an offset: the source says which instant it means. */
const ZONED_TIME_RE = '[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*(Z|z|UTC|GMT|[+-][0-9]{2}(:?[0-9]{2})?)$';
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Builds `__typed`: one row per staged record with every canonical field coerced to its type,
 * `__reason` (why the row is unusable, "field: reason; …", or NULL), its natural key `__key`, and
 * whether that key is already in the target table (customers: `__exists` and `__same`; other
 * kinds: the keys in PRESENT_TABLE).
 *
 * Two passes over the staged text: a narrow one that collects the distinct (zone, local hour)
 * and (number, region) pairs, so each is converted or parsed once, then one wide pass that
 * cleans, types, checks and keys every row. The wide row is materialised once.
 */
export async function buildTyped(wh: Warehouse, ctx: TransformContext): Promise<TypedColumns> {
  const { spec, mapping, resolution } = ctx;
  await wh.run(`DROP TABLE IF EXISTS ${PHONE_NEW}`);
  const params = new ParamBag();
  const has = (field: string) => resolution.fieldColumn.has(field);
  // A field with a fast path keeps its raw text (r_) and the fast value (f_); its clean text is
  // an expression over the raw text, computed only where the fast value is NULL (see text()).
  const fast = new Map<string, string>();
  for (const field of spec.fields) {
    const index = resolution.fieldColumn.get(field.name);
    if (index === undefined) continue;
    const sql = fastValueSql(field, `s.${col(index)}`, mapping, params);
    if (sql !== undefined) fast.set(field.name, sql);
  }
  const refersToCustomer = spec.kind !== 'customers';
  // Also kept as raw text: the phone, joined to the parsed numbers by its text as written (so it
  // is cleaned once per distinct text), and a referred customer, looked up by its text as written
  // first (see the joins below); both are cleaned only where that finds nothing.
  const rawKept = new Set(fast.keys());
  if (has('phone')) rawKept.add('phone');
  if (refersToCustomer) rawKept.add('customer_id');
  const cleanCols = [...resolution.fieldColumn.entries()].map(([f, index]) =>
    rawKept.has(f) ? `s.${col(index)} AS r_${f}${fast.has(f) ? `, ${fast.get(f)} AS f_${f}` : ''}` : `${cleanSql(`s.${col(index)}`, f, mapping, params)} AS c_${f}`,
  );
  const text = (f: string, alias: string) => (rawKept.has(f) ? `(${cleanSql(`${alias}.r_${f}`, f, mapping, params)})` : `${alias}.c_${f}`);
  /** A value that, when not NULL, proves the field's text present and valid (checks on the text skip the row). */
  const fastOf = (f: string, alias: 'c' | 'v'): string | undefined => {
    if (fast.has(f)) return `${alias}.f_${f}`;
    if (f === 'phone' && alias === 'v') return 'v.v_phone';
    if (f === 'customer_id' && refersToCustomer) return alias === 'c' ? 'cf.customer_id' : 'v.__cu_fast';
    return undefined;
  };
  for (const f of ['timezone', 'country']) if (!has(f)) cleanCols.push(`NULL::VARCHAR AS c_${f}`);
  // the referred customer: found by the text as written (cf), else by the clean text (cs)
  const cu = (column: string) => `coalesce(cf.${column}, cs.${column})`;
  const defaultZone = await wh.one<{ id: number }>(`SELECT id FROM ${ZONE_TABLE} WHERE name = $name`, { name: mapping.defaultTimezone });
  const defaultTz = params.bind(defaultZone.id);
  const defaultRegion = params.bind(mapping.defaultRegion.toUpperCase());
  // a file without a zone column has no row zone: no join on a NULL key (it misleads the join planner)
  const rowZone = has('timezone');
  const zName = rowZone ? 'z.name' : 'NULL::VARCHAR';
  const zId = rowZone ? 'z.id' : 'NULL::INTEGER';
  const zCountry = rowZone ? 'z.country' : 'NULL::VARCHAR';
  // The zone (id) a naive time is read in: the row's own zone, else its customer's, else the default.
  const tzExpr = refersToCustomer ? `coalesce(${zId}, ${cu('zone_id')}, ${defaultTz}::INTEGER)` : `coalesce(${zId}, ${defaultTz}::INTEGER)`;
  // The country a national-format number is read in.
  const regionExpr = refersToCustomer
    ? `coalesce(upper(c.c_country), ${cu('country')}, ${zCountry}, ${cu('zone_country')}, ${defaultRegion})`
    : `coalesce(upper(c.c_country), ${zCountry}, ${defaultRegion})`;

  const nowParam = params.bind(new Date(ctx.now.getTime() + CLOCK_SKEW_MS).toISOString());
  const values: string[] = [];
  const outputs: string[] = [];
  const errors: Check[] = [];
  const timestamps: string[] = [];
  for (const field of spec.fields) {
    outputs.push(`v.v_${field.name} AS ${field.name}`);
    if (has(field.name)) errors.push(...checksSql(field, { text: text(field.name, 'v'), fast: fastOf(field.name, 'v') }, params, nowParam));
    if (field.type === 'phone') continue; // joined to the parsed numbers below
    if (field.type === 'timezone') {
      values.push(`${has(field.name) ? zName : 'NULL::VARCHAR'} AS v_${field.name}`);
    } else if (field.type === 'timestamp' && has(field.name)) {
      // zoned text is exact; naive text is resolved per (zone, local hour)
      const c = text(field.name, 'c');
      const f = fastOf(field.name, 'c');
      const formats = mapping.timestampFormats[field.name] ?? [];
      const naive = formats.length
        ? `coalesce(try_cast(${c} AS TIMESTAMP), try_strptime(${c}, ${params.bindList(formats)}))`
        : `try_cast(${c} AS TIMESTAMP)`;
      const zoned = `CASE WHEN ${zonedTest(c)} THEN try_cast(${c} AS TIMESTAMPTZ) END`;
      const local = `CASE WHEN NOT ${zonedTest(c)} THEN ${naive} END`;
      values.push(`${f ? `CASE WHEN ${f} IS NULL THEN ${zoned} END` : zoned} AS __zoned_${field.name}`);
      values.push(`${f ? `CASE WHEN ${f} IS NOT NULL THEN ${f} ELSE ${local} END` : local} AS __naive_${field.name}`);
      timestamps.push(field.name);
    } else {
      const typed = typedSql(field, has(field.name) ? text(field.name, 'c') : undefined, params, mapping.decimalSeparator);
      const f = fastOf(field.name, 'c');
      values.push(`${f ? `CASE WHEN ${f} IS NOT NULL THEN ${f} ELSE ${typed} END` : typed} AS v_${field.name}`);
    }
  }
  if (refersToCustomer) {
    const id = text('customer_id', 'v');
    errors.push({
      when: `CASE WHEN v.__cu_id IS NOT NULL THEN false ELSE ${id} IS NOT NULL END`,
      message: `'customer_id: unknown customer ''' || left(${id}, 60) || ''' (ingest the customers file first)'`,
    });
  }
  if (spec.kind === 'call-attempts') {
    errors.push({ when: `v.v_converted AND v.v_disposition <> 'answered'`, message: `'converted: a conversion needs an answered call (disposition ' || v.v_disposition || ')'` });
  }
  const extraCols = resolution.extraColumns;
  const keepExtras = spec.kind === 'customers' && extraCols.length > 0;

  // The customers a row may refer to, with their zone's country: small and built once, so the
  // wide pass probes it instead of hashing the wide rows.
  // `fast_ok`: an id that is its own clean text under this mapping (trim, null tokens, value
  // map), so a row whose text is exactly that id needs no cleaning to find it.
  if (refersToCustomer) {
    const lookup = new ParamBag();
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${CUSTOMER_LOOKUP} AS
       SELECT cu.customer_id, zc.id AS zone_id, cu.country, zc.country AS zone_country, cu.phone_hash,
              coalesce(${cleanSql('cu.customer_id', 'customer_id', mapping, lookup)} = cu.customer_id, false) AS fast_ok
       FROM customers cu LEFT JOIN ${ZONE_TABLE} zc ON zc.name = cu.timezone`,
      lookup.values,
    );
  }

  // clean text, typed values, the row's zone and dialling region. A CTE, not a table: the
  // narrow pass reads only the few columns it needs, and DuckDB computes only those.
  const vCte = `clean AS (SELECT s.__line, ${cleanCols.join(', ')}${keepExtras ? ', ' + extraCols.map((i) => `s.${col(i)}`).join(', ') : ''}
                    FROM ${STAGE_TABLE} s),
     v AS (SELECT c.*, ${values.join(', ')}, ${tzExpr} AS __tz, ${regionExpr} AS __region
            ${refersToCustomer ? `, ${cu('customer_id')} AS __cu_id, ${cu('phone_hash')} AS __cu_phone_hash, cf.customer_id AS __cu_fast` : ''}
     FROM clean c
     ${rowZone ? `LEFT JOIN ${ZONE_TABLE} z ON z.name = c.c_timezone` : ''}
     ${
       refersToCustomer
         ? `LEFT JOIN ${CUSTOMER_LOOKUP} cf ON cf.customer_id = c.r_customer_id AND cf.fast_ok
            LEFT JOIN ${CUSTOMER_LOOKUP} cs ON cs.customer_id = CASE WHEN cf.customer_id IS NULL THEN ${text('customer_id', 'c')} END`
         : ''
     })`;

  // Narrow pass: the distinct (zone, local hour) of every naive time and the distinct
  // (number, region) pairs, in one scan (one grouping set each).
  const sets: string[] = [];
  const hourKeys: string[] = [];
  timestamps.forEach((f, i) => {
    hourKeys.push(`date_trunc('hour', __naive_${f}) AS h${i}`);
    sets.push(`(__tz, h${i})`);
  });
  if (has('phone')) sets.push('(r_phone, __region)');
  if (sets.length) {
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${DISTINCT_TABLE} AS WITH ${vCte}
       SELECT ${[...(hourKeys.length ? ['__tz', ...hourKeys] : []), ...(has('phone') ? ['r_phone', '__region'] : [])].join(', ')} FROM v GROUP BY GROUPING SETS (${sets.join(', ')})`,
      params.values,
    );
  }

  // naive local times → UTC. ICU's per-row zone conversion costs seconds per million rows,
  // so each distinct (zone, local hour) is converted once and the minutes added back: offsets
  // change only on whole hours in every zone with data, and a time inside a DST gap moves
  // forward exactly as ICU moves it.
  const joins: string[] = [];
  const computed: string[] = [];
  if (timestamps.length) {
    const hours = timestamps.map((_, i) => `SELECT __tz AS tz, h${i} AS h FROM ${DISTINCT_TABLE} WHERE h${i} IS NOT NULL`);
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${HOURS_TABLE} AS
       SELECT d.tz, d.h, timezone(z.name, d.h) AS utc
       FROM (SELECT DISTINCT tz, h FROM (${hours.join(' UNION ALL ')})) d JOIN ${ZONE_TABLE} z ON z.id = d.tz`);
    timestamps.forEach((f, i) => {
      joins.push(`LEFT JOIN ${HOURS_TABLE} h${i} ON h${i}.tz = v.__tz AND h${i}.h = date_trunc('hour', v.__naive_${f})`);
      computed.push(`coalesce(v.__zoned_${f}, h${i}.utc + (v.__naive_${f} - date_trunc('hour', v.__naive_${f}))) AS v_${f}`);
    });
  }

  // phone numbers, parsed once per distinct (text, region)
  if (has('phone')) {
    const pairs = new ParamBag();
    await buildPhoneMap(
      wh,
      `SELECT r_phone AS text, ${cleanSql('r_phone', 'phone', mapping, pairs)} AS raw, __region AS region FROM ${DISTINCT_TABLE} WHERE r_phone IS NOT NULL`,
      pairs.values,
    );
    // the salted hash is the only form of the number analytics keep: one hash per distinct number
    // (a copy with the column costs less than adding it and updating every row)
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${PHONE_TABLE} AS SELECT *, sha256($salt || e164) AS phone_hash FROM ${PHONE_TABLE}`, { salt: ctx.phoneSalt });
    joins.push(`LEFT JOIN ${PHONE_TABLE} pm ON pm.text = v.r_phone AND pm.region = v.__region`);
    computed.push('pm.e164 AS v_phone', 'pm.error AS __phone_error', 'pm.phone_hash AS __phone_hash');
  } else {
    computed.push('NULL::VARCHAR AS v_phone', 'NULL::VARCHAR AS __phone_error', 'NULL::VARCHAR AS __phone_hash');
  }
  await wh.run(`DROP TABLE IF EXISTS ${DISTINCT_TABLE}`);

  const extras: string[] = [];
  if (spec.kind === 'customers') {
    extras.push('v.v_phone AS phone_e164', 'v.__phone_hash AS phone_hash');
    extras.push(
      keepExtras
        ? `to_json(map(${params.bindList(extraCols.map((i) => resolution.columnNames[i]!))}, [${extraCols.map((i) => `v.${col(i)}`).join(', ')}])) AS attributes`
        : 'NULL::JSON AS attributes',
    );
  } else if (spec.kind === 'call-attempts') {
    extras.push('coalesce(v.v_phone_hash, v.__phone_hash, v.__cu_phone_hash) AS __phone_hash');
  }

  // Wide pass: the typed row, its checks, its key, and whether the key is loaded already.
  // Every row carries its line, so DuckDB may write them in any order.
  const typed = `WITH ${vCte}, w AS (SELECT v.*, ${computed.join(', ')} FROM v ${joins.join(' ')}),
     t AS (SELECT v.__line, ${outputs.join(', ')}${extras.length ? ', ' + extras.join(', ') : ''},
                  ${reasonSql(errors)} AS __reason
           FROM w AS v),
     k AS (SELECT t.*, ${keySql(spec)} AS __key FROM t)`;
  const sameCustomer = CUSTOMER_CONTENT_COLUMNS.map((c) => `x.${c} IS NOT DISTINCT FROM k.${c === 'attributes' ? 'attributes::JSON' : c}`).join(' AND ');
  const existence =
    spec.kind === 'customers'
      ? `x.customer_id IS NOT NULL AS __exists, coalesce(${sameCustomer}, false) AS __same FROM k LEFT JOIN customers x ON x.customer_id = k.__key`
      : `true AS __same FROM k`; // existence: PRESENT_TABLE, below
  // Fields the file lacks are constants, the source's own key is `__key` now, and a call log's
  // E.164 text is never stored: none is worth writing out for every row (the classified view
  // adds the constants back).
  const absent = spec.fields.filter((f) => !has(f.name));
  const dropped = new Set([...absent.map((f) => f.name), spec.key, ...(spec.kind !== 'customers' && spec.fields.some((f) => f.name === 'phone') ? ['phone'] : [])]);
  const kept = `k.* EXCLUDE (${[...dropped].join(', ')})`;
  await withoutInsertionOrder(wh, () =>
    wh.run(`CREATE OR REPLACE TEMP TABLE ${TYPED_TABLE} AS ${typed} SELECT ${kept}, k.__reason IS NULL AS __valid, ${existence}`, params.values),
  );
  await wh.run(`DROP TABLE IF EXISTS ${HOURS_TABLE}`);
  await wh.run(`DROP TABLE IF EXISTS ${CUSTOMER_LOOKUP}`);
  const present = spec.kind === 'customers' ? undefined : await findPresent(wh, spec.table, spec.key);
  return { constants: absent.map((f) => `${constantSql(f)} AS ${f.name}`), present };
}

/**
 * The valid typed rows' keys that `table` holds already, into PRESENT_TABLE, probing from the
 * smaller side. A check per typed row (EXISTS) hashed every key of the table on every ingest,
 * a cost that grew with the warehouse: with 20M call attempts (keys in no particular order),
 * 100k staged keys took 2.3–3.7 s wall (3.6–5.7 CPU-s) that way against 0.56–0.58 s (0.75–0.92
 * CPU-s) so. A bulk load into a smaller table hashes the table's keys instead.
 */
async function findPresent(wh: Warehouse, table: string, key: string): Promise<number> {
  // table and key come from the fixed kind specs (fields.ts), never from input
  const { rows } = await wh.one<{ rows: number }>(`SELECT count(*) AS rows FROM ${table}`);
  const { staged } = await wh.one<{ staged: number }>(`SELECT count(*) AS staged FROM ${TYPED_TABLE} WHERE __valid`);
  const sql =
    rows === 0
      ? `SELECT __key FROM ${TYPED_TABLE} WHERE false`
      : rows > staged
        ? `SELECT DISTINCT x.${key} AS __key FROM ${table} x WHERE x.${key} IN (SELECT __key FROM ${TYPED_TABLE} WHERE __valid)`
        : `SELECT DISTINCT t.__key FROM ${TYPED_TABLE} t WHERE t.__valid AND t.__key IN (SELECT x.${key} FROM ${table} x)`;
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${PRESENT_TABLE} AS ${sql}`);
  return (await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${PRESENT_TABLE}`)).n;
}

/** What `__typed` leaves out: select items that give the fields the file lacks their constant value. */
export interface TypedColumns {
  constants: string[];
  /**
   * Events and call attempts: how many keys PRESENT_TABLE holds (the rows already loaded).
   * Customers: undefined, existence is the typed rows' `__exists` (with `__same` for content).
   */
  present: number | undefined;
}

/**
 * Runs `fn` with DuckDB free to write rows in any order (parallel sinks), then restores the
 * default, which staging relies on. If `fn` failed, the transaction is aborted and the reset
 * fails too: its error must not hide the real one (ingest resets again after the rollback).
 */
export async function withoutInsertionOrder<T>(wh: Warehouse, fn: () => Promise<T>): Promise<T> {
  await wh.run('SET preserve_insertion_order = false');
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    await wh.run('RESET preserve_insertion_order').catch(() => undefined);
    throw error;
  }
  await wh.run('RESET preserve_insertion_order');
  return result;
}

/** Zoned text: a time of day followed by Z or an offset. */
function zonedTest(c: string): string {
  return `regexp_matches(${c}, '${ZONED_TIME_RE}')`;
}

/** A reason a row is unusable: a condition and the message it produces ("field: reason"). */
interface Check {
  when: string;
  message: string;
}

/**
 * Why a row is unusable: its error messages joined by "; ", or NULL for a good row. Most rows
 * are clean, so a single OR of the conditions decides first, and only bad rows build the
 * messages. A string, not a list: a list column costs more to write than the rest of the row.
 * concat_ws skips the NULL messages; a list filtered by a lambda cost 1.2 CPU-s more per 1.15M
 * rows with 5 % bad ones.
 */
function reasonSql(checks: readonly Check[]): string {
  if (!checks.length) return 'NULL::VARCHAR';
  const any = checks.map((c) => `coalesce(${c.when}, false)`).join(' OR ');
  const messages = checks.map((c) => `CASE WHEN ${c.when} THEN ${c.message} END`).join(',\n ');
  return `CASE WHEN ${any} THEN nullif(concat_ws('; ', ${messages}), '') END`;
}

/** The source text `raw` of a field after trimming, null tokens and the mapping's value map. */
function cleanSql(raw: string, field: string, mapping: Mapping, params: ParamBag): string {
  const nulls = nullTokens(mapping);
  const trimmed = `trim(${raw})`;
  let expr = nulls.length ? `CASE WHEN list_contains(${params.bindList(nulls)}, lower(${trimmed})) THEN NULL ELSE ${trimmed} END` : trimmed;
  const valueMap = mapping.values[field];
  if (valueMap && Object.keys(valueMap).length) {
    const whens = Object.entries(valueMap)
      .map(([from, to]) => `WHEN ${params.bind(from.trim().toLowerCase())} THEN ${to === null ? 'NULL' : params.bind(String(to))}`)
      .join(' ');
    expr = `CASE lower(${expr}) ${whens} ELSE ${expr} END`;
  }
  return expr;
}

/** The value of a field the file does not have. */
function constantSql(field: FieldSpec): string {
  return `${field.defaultSql ?? 'NULL'}::${sqlType(field)}`;
}

/** The typed value of a field, computed once (in CTE `v`) from its clean text `c` (undefined: the file lacks the field). */
function typedSql(field: FieldSpec, c: string | undefined, params: ParamBag, decimalSeparator: Mapping['decimalSeparator']): string {
  if (c === undefined) return constantSql(field);
  // with a decimal comma, a point is refused ("1.234" may mean a thousand), the comma read as one
  const n = decimalSeparator === ',' ? `CASE WHEN NOT contains(${c}, '.') THEN replace(${c}, ',', '.') END` : c;
  let value: string;
  switch (field.type) {
    case 'string':
      value = c;
      break;
    case 'country':
      value = `upper(${c})`;
      break;
    case 'integer':
      value = wholeNumberSql(n);
      break;
    case 'double':
      value = finiteNumberSql(n);
      break;
    case 'boolean':
      value = `(${BOOLEAN_MAP})[lower(${c})]`;
      break;
    case 'enum':
      value = `CASE WHEN list_contains(${params.bindList(field.values ?? [])}, lower(${c})) THEN lower(${c}) END`;
      if (field.enumType) value = `(${value})::${field.enumType}`;
      break;
    case 'timestamp':
      throw new Error('timestamps are typed in buildTyped (zoned text, or naive text per zone and hour)');
    case 'phone':
      throw new Error('phone numbers are typed in buildTyped (joined to the parsed numbers)');
    case 'timezone':
      throw new Error('the zone is typed in buildTyped (joined to the known zones)');
    case 'json':
      value = `CASE WHEN json_valid(${c}) THEN ${c}::JSON END`;
      break;
  }
  return field.defaultSql ? `coalesce(${value}, ${field.defaultSql})` : value;
}

/**
 * Reasons a present field is unusable, each "field: reason", over its clean text (`source.text`)
 * and typed value `v.v_<field>`. With a fast path (`source.fast`, see fast-paths.ts), a cell it
 * typed has text that is present and valid, so the checks on the text skip it (and its text is
 * never cleaned); the checks on the value still apply.
 */
function checksSql(field: FieldSpec, source: { text: string; fast: string | undefined }, params: ParamBag, nowParam: string): Check[] {
  const name = field.name;
  const c = source.text;
  const t = `v.v_${name}`;
  const onText = (check: Check): Check =>
    source.fast ? { when: `CASE WHEN ${source.fast} IS NOT NULL THEN false ELSE ${check.when} END`, message: check.message } : check;
  const shown = `'''' || left(${c}, 60) || ''''`;
  const bad = (reason: string): Check => onText({ when: `${c} IS NOT NULL AND ${t} IS NULL`, message: `'${name}: ${reason}: ' || ${shown}` });
  const checks: Check[] = [];
  if (field.required) checks.push(onText({ when: `${c} IS NULL`, message: `'${name}: required value is missing'` }));
  switch (field.type) {
    case 'country':
      checks.push({ when: `${c} IS NOT NULL AND NOT regexp_full_match(${c}, '[A-Za-z]{2}')`, message: `'${name}: not a two-letter country code: ' || ${shown}` });
      break;
    case 'integer':
      checks.push(
        onText({
          when: `${c} IS NOT NULL AND ${t} IS NULL`,
          // a whole number that does not fit 64 bits is not "not a whole number"
          message: `'${name}: ' || CASE WHEN isfinite(try_cast(${c} AS DOUBLE)) AND try_cast(${c} AS DOUBLE) = floor(try_cast(${c} AS DOUBLE)) THEN 'out of range' ELSE 'not a whole number' END || ': ' || ${shown}`,
        }),
      );
      break;
    case 'double':
      checks.push(bad('not a number'));
      break;
    case 'boolean':
      // a default fills in missing values only, so with one, test the text, not the defaulted value
      checks.push(
        onText({
          when: field.defaultSql ? `${c} IS NOT NULL AND (${BOOLEAN_MAP})[lower(${c})] IS NULL` : `${c} IS NOT NULL AND ${t} IS NULL`,
          message: `'${name}: not a yes/no value: ' || ${shown}`,
        }),
      );
      break;
    case 'enum':
      checks.push(onText({ when: `${c} IS NOT NULL AND ${t} IS NULL`, message: `'${name}: unknown value ' || ${shown} || ${params.bind(` (expected ${(field.values ?? []).join(', ')})`)}` }));
      break;
    case 'timestamp':
      checks.push(bad('not a date/time'));
      if (field.notFuture) checks.push({ when: `${t} > ${nowParam}::TIMESTAMPTZ`, message: `'${name}: in the future: ' || ${shown}` });
      checks.push({ when: `${t} < TIMESTAMPTZ '1900-01-01 00:00:00+00'`, message: `'${name}: implausibly old: ' || ${shown}` });
      break;
    case 'phone':
      checks.push(onText({ when: `${c} IS NOT NULL AND ${t} IS NULL`, message: `'${name}: ' || coalesce(v.__phone_error, 'not a phone number')` }));
      break;
    case 'timezone':
      checks.push({ when: `${c} IS NOT NULL AND ${t} IS NULL`, message: `'${name}: unknown IANA time zone ' || ${shown}` });
      break;
    case 'json':
      checks.push({ when: `${c} IS NOT NULL AND ${t} IS NULL`, message: `'${name}: not valid JSON'` });
      break;
    case 'string':
      break;
  }
  if (field.min !== undefined) {
    const op = field.minExclusive ? '<=' : '<';
    checks.push({ when: `${t} ${op} ${Number(field.min)}`, message: `'${name}: must be ${field.minExclusive ? '>' : '≥'} ${field.min}, got ' || ${c}` });
  }
  if (field.max !== undefined) {
    checks.push({ when: `${t} > ${Number(field.max)}`, message: `'${name}: must be ≤ ${field.max}, got ' || ${c}` });
  }
  return checks;
}

function sqlType(field: FieldSpec): string {
  switch (field.type) {
    case 'integer':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'json':
      return 'JSON';
    case 'enum':
      return field.enumType ?? 'VARCHAR';
    default:
      return 'VARCHAR';
  }
}
