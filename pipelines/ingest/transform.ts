import type { Mapping } from '../../contracts/index.ts';
import type { Warehouse } from '../../warehouse/index.ts';
import type { FieldSpec, KindSpec } from './fields.ts';
import type { Resolution } from './mapping.ts';
import { ParamBag } from './params.ts';
import { buildPhoneMap, PHONE_TABLE } from './phones.ts';
import { col, STAGE_TABLE } from './stage.ts';
import { ZONE_TABLE } from './zones.ts';

export const TYPED_TABLE = '__typed';

export interface TransformContext {
  spec: KindSpec;
  mapping: Mapping;
  resolution: Resolution;
  phoneSalt: string;
  /** rows after this instant are "in the future" (a few minutes of clock skew allowed) */
  now: Date;
}

/** Values a boolean field accepts, after value maps. */
const TRUE_TOKENS = `('true','t','yes','y','1')`;
const FALSE_TOKENS = `('false','f','no','n','0')`;
/** A time-of-day followed by Z or an offset: the source says which instant it means. */
const ZONED_TIME_RE = '[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\\s*(Z|z|UTC|GMT|[+-][0-9]{2}(:?[0-9]{2})?)$';
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Builds `__typed`: one row per staged record with every canonical field coerced to its type
 * and `__errors`, the list of reasons the row is unusable ("field: reason"). Three set-based
 * steps in one statement: `clean` (trim, null tokens, value maps), `v` (typed values, joins
 * to zones, customers and phone numbers), then the checks over both.
 */
export async function buildTyped(wh: Warehouse, ctx: TransformContext): Promise<void> {
  const { spec, mapping, resolution } = ctx;
  const params = new ParamBag();
  const has = (field: string) => resolution.fieldColumn.has(field);
  const cleanCols = [...resolution.fieldColumn.keys()].map((f) => `${cleanSql(f, resolution, mapping, params)} AS c_${f}`);
  if (!has('timezone')) cleanCols.push('NULL::VARCHAR AS c_timezone');
  if (!has('country')) cleanCols.push('NULL::VARCHAR AS c_country');
  const cleanCte = `clean AS (SELECT s.__line, ${cleanCols.join(', ')} FROM ${STAGE_TABLE} s)`;

  const refersToCustomer = spec.kind !== 'customers';
  const defaultTz = params.bind(mapping.defaultTimezone);
  const defaultRegion = params.bind(mapping.defaultRegion.toUpperCase());
  // The zone a naive time is read in: the row's own zone, else its customer's, else the default.
  const tzExpr = refersToCustomer ? `coalesce(z.name, cu.timezone, ${defaultTz})` : `coalesce(z.name, ${defaultTz})`;
  // The country a national-format number is read in.
  const regionExpr = refersToCustomer
    ? `coalesce(upper(c.c_country), cu.country, z.country, zc.country, ${defaultRegion})`
    : `coalesce(upper(c.c_country), z.country, ${defaultRegion})`;
  const joins = `LEFT JOIN ${ZONE_TABLE} z ON z.name = c.c_timezone
    ${refersToCustomer ? `LEFT JOIN customers cu ON cu.customer_id = c.c_customer_id LEFT JOIN ${ZONE_TABLE} zc ON zc.name = cu.timezone` : ''}`;

  if (has('phone')) {
    await buildPhoneMap(
      wh,
      `WITH ${cleanCte} SELECT DISTINCT c.c_phone AS raw, ${regionExpr} AS region FROM clean c ${joins} WHERE c.c_phone IS NOT NULL`,
      params.values,
    );
  } else {
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${PHONE_TABLE} (raw VARCHAR, region VARCHAR, e164 VARCHAR, error VARCHAR)`);
  }
  const phoneJoin = has('phone')
    ? `LEFT JOIN ${PHONE_TABLE} pm ON pm.raw = c.c_phone AND pm.region = ${regionExpr}`
    : `LEFT JOIN ${PHONE_TABLE} pm ON false`;

  const nowParam = params.bind(new Date(ctx.now.getTime() + CLOCK_SKEW_MS).toISOString());
  const values: string[] = [];
  const outputs: string[] = [];
  const errors: string[] = [];
  for (const field of spec.fields) {
    const formats = mapping.timestampFormats[field.name] ?? [];
    const typed = typedSql(field, has(field.name), params, tzExpr, formats);
    values.push(`${typed} AS v_${field.name}`);
    outputs.push(`v.v_${field.name} AS ${field.name}`);
    if (has(field.name)) errors.push(...checksSql(field, params, nowParam));
  }
  if (refersToCustomer) {
    errors.push(`CASE WHEN v.c_customer_id IS NOT NULL AND v.__cu_id IS NULL
      THEN 'customer_id: unknown customer ''' || left(v.c_customer_id, 60) || ''' (ingest the customers file first)' END`);
  }
  if (spec.kind === 'call-attempts') {
    errors.push(`CASE WHEN v.v_converted AND v.v_disposition <> 'answered'
      THEN 'converted: a conversion needs an answered call (disposition ' || v.v_disposition || ')' END`);
  }

  // the salted hash is the only form of the number analytics keep
  const salt = params.bind(ctx.phoneSalt);
  const extras: string[] = [];
  const extraCols = resolution.extraColumns;
  if (spec.kind === 'customers') {
    extras.push('v.v_phone AS phone_e164', 'v.__phone_hash AS phone_hash');
    extras.push(
      extraCols.length && spec.keepExtraAs
        ? `to_json(map(${params.bindList(extraCols.map((i) => resolution.columnNames[i]!))}, [${extraCols.map((i) => `v.${col(i)}`).join(', ')}])) AS attributes`
        : 'NULL::JSON AS attributes',
    );
  } else if (spec.kind === 'call-attempts') {
    extras.push('coalesce(v.v_phone_hash, v.__phone_hash, v.__cu_phone_hash) AS __phone_hash');
  }
  const keepExtras = spec.kind === 'customers' && extraCols.length > 0;

  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${TYPED_TABLE} AS
     WITH ${cleanCte}, v AS (
       SELECT c.*, ${values.join(', ')}, pm.error AS __phone_error,
              CASE WHEN pm.e164 IS NOT NULL THEN sha256(${salt} || pm.e164) END AS __phone_hash
              ${refersToCustomer ? ', cu.customer_id AS __cu_id, cu.phone_hash AS __cu_phone_hash' : ''}
              ${keepExtras ? ', ' + extraCols.map((i) => `s.${col(i)}`).join(', ') : ''}
       FROM clean c
       ${keepExtras ? `JOIN ${STAGE_TABLE} s ON s.__line = c.__line` : ''}
       ${joins}
       ${phoneJoin}
     )
     SELECT v.__line, ${outputs.join(', ')}${extras.length ? ', ' + extras.join(', ') : ''},
            list_filter([${errors.join(',\n ') || 'NULL::VARCHAR'}], x -> x IS NOT NULL) AS __errors
     FROM v`,
    params.values,
  );
}

/** The source text of a field after trimming, null tokens and the mapping's value map. */
function cleanSql(field: string, resolution: Resolution, mapping: Mapping, params: ParamBag): string {
  const index = resolution.fieldColumn.get(field)!;
  const nulls = mapping.nulls.map((n) => n.trim().toLowerCase());
  const trimmed = `trim(s.${col(index)})`;
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

/** The typed value of a field, computed once (in CTE `v`) from its clean text `c.c_<field>`. */
function typedSql(field: FieldSpec, present: boolean, params: ParamBag, tzExpr: string, formats: readonly string[]): string {
  if (!present) return `${field.defaultSql ?? 'NULL'}::${sqlType(field)}`;
  const c = `c.c_${field.name}`;
  let value: string;
  switch (field.type) {
    case 'string':
      value = c;
      break;
    case 'country':
      value = `upper(${c})`;
      break;
    case 'integer':
      value = `CASE WHEN try_cast(${c} AS DOUBLE) = floor(try_cast(${c} AS DOUBLE)) THEN CAST(try_cast(${c} AS DOUBLE) AS BIGINT) END`;
      break;
    case 'double':
      value = `CASE WHEN isfinite(try_cast(${c} AS DOUBLE)) THEN try_cast(${c} AS DOUBLE) END`;
      break;
    case 'boolean':
      value = `CASE WHEN lower(${c}) IN ${TRUE_TOKENS} THEN true WHEN lower(${c}) IN ${FALSE_TOKENS} THEN false END`;
      break;
    case 'enum':
      value = `CASE WHEN list_contains(${params.bindList(field.values ?? [])}, lower(${c})) THEN lower(${c}) END`;
      break;
    case 'timestamp': {
      const naive = formats.length
        ? `coalesce(try_cast(${c} AS TIMESTAMP), try_strptime(${c}, ${params.bindList(formats)}))`
        : `try_cast(${c} AS TIMESTAMP)`;
      value = `CASE WHEN regexp_matches(${c}, '${ZONED_TIME_RE}') THEN try_cast(${c} AS TIMESTAMPTZ) ELSE timezone(${tzExpr}, ${naive}) END`;
      break;
    }
    case 'phone':
      value = 'pm.e164';
      break;
    case 'timezone':
      value = 'z.name';
      break;
    case 'json':
      value = `CASE WHEN json_valid(${c}) THEN ${c}::JSON END`;
      break;
  }
  return field.defaultSql ? `coalesce(${value}, ${field.defaultSql})` : value;
}

/** Reasons a present field is unusable, each "field: reason", over `v.c_<field>` and `v.v_<field>`. */
function checksSql(field: FieldSpec, params: ParamBag, nowParam: string): string[] {
  const name = field.name;
  const c = `v.c_${name}`;
  const t = `v.v_${name}`;
  const shown = `'''' || left(${c}, 60) || ''''`;
  const bad = (reason: string) => `CASE WHEN ${c} IS NOT NULL AND ${t} IS NULL THEN '${name}: ${reason}: ' || ${shown} END`;
  const checks: string[] = [];
  if (field.required) checks.push(`CASE WHEN ${c} IS NULL THEN '${name}: required value is missing' END`);
  switch (field.type) {
    case 'country':
      checks.push(`CASE WHEN ${c} IS NOT NULL AND NOT regexp_full_match(${c}, '[A-Za-z]{2}') THEN '${name}: not a two-letter country code: ' || ${shown} END`);
      break;
    case 'integer':
      checks.push(bad('not a whole number'));
      break;
    case 'double':
      checks.push(bad('not a number'));
      break;
    case 'boolean':
      // a default fills in missing values only, so test the text, not the defaulted value
      checks.push(
        `CASE WHEN ${c} IS NOT NULL AND NOT (lower(${c}) IN ${TRUE_TOKENS} OR lower(${c}) IN ${FALSE_TOKENS}) THEN '${name}: not a yes/no value: ' || ${shown} END`,
      );
      break;
    case 'enum':
      checks.push(
        `CASE WHEN ${c} IS NOT NULL AND ${t} IS NULL THEN '${name}: unknown value ' || ${shown} || ${params.bind(` (expected ${(field.values ?? []).join(', ')})`)} END`,
      );
      break;
    case 'timestamp':
      checks.push(bad('not a date/time'));
      if (field.notFuture) checks.push(`CASE WHEN ${t} > ${nowParam}::TIMESTAMPTZ THEN '${name}: in the future: ' || ${shown} END`);
      checks.push(`CASE WHEN ${t} < TIMESTAMPTZ '1900-01-01 00:00:00+00' THEN '${name}: implausibly old: ' || ${shown} END`);
      break;
    case 'phone':
      checks.push(`CASE WHEN ${c} IS NOT NULL AND ${t} IS NULL THEN '${name}: ' || coalesce(v.__phone_error, 'not a phone number') END`);
      break;
    case 'timezone':
      checks.push(`CASE WHEN ${c} IS NOT NULL AND ${t} IS NULL THEN '${name}: unknown IANA time zone ' || ${shown} END`);
      break;
    case 'json':
      checks.push(`CASE WHEN ${c} IS NOT NULL AND ${t} IS NULL THEN '${name}: not valid JSON' END`);
      break;
    case 'string':
      break;
  }
  if (field.min !== undefined) {
    const op = field.minExclusive ? '<=' : '<';
    checks.push(`CASE WHEN ${t} ${op} ${Number(field.min)} THEN '${name}: must be ${field.minExclusive ? '>' : '≥'} ${field.min}, got ' || ${c} END`);
  }
  if (field.max !== undefined) {
    checks.push(`CASE WHEN ${t} > ${Number(field.max)} THEN '${name}: must be ≤ ${field.max}, got ' || ${c} END`);
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
    default:
      return 'VARCHAR';
  }
}
