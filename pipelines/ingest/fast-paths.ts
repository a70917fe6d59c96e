import type { Mapping } from '../../contracts/index.ts';
import type { FieldSpec } from './fields.ts';
import type { ParamBag } from './params.ts';

/** The words a boolean field accepts (after value maps), lower case. */
export const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  t: true,
  yes: true,
  y: true,
  '1': true,
  false: false,
  f: false,
  no: false,
  n: false,
  '0': false,
};

/** A constant MAP lookup: `IN (…)` lists become a hash join per use, which costs more than the row. */
export const BOOLEAN_MAP = `MAP {${Object.entries(BOOLEAN_WORDS)
  .map(([word, value]) => `'${word}': ${value}`)
  .join(', ')}}`;

/** The mapping's null tokens as compared: trimmed, lower case, each once. */
export function nullTokens(mapping: Mapping): string[] {
  return [...new Set(mapping.nulls.map((n) => n.trim().toLowerCase()))];
}

/**
 * Text that DuckDB's date parser can never read. It takes a year, a separator, a month of one
 * or two digits, the same separator, a day of one or two digits, and no digit right after: a
 * third group of three digits, as in day-first dates, is no date. RE2 has no back-references,
 * hence one alternative per separator DuckDB accepts (space, -, /, \). A test checks a seeded
 * sample against DuckDB's own cast.
 */
export const NO_ISO_DATE_RE = String.raw`^\s*-?\d+(-\d{1,2}-|/\d{1,2}/| \d{1,2} |\\\d{1,2}\\)\d{3}`;

/**
 * SQL that is true exactly where `raw` matches NO_ISO_DATE_RE. GLOBs for the usual day-first
 * shapes (31/01/2024…, 31-01-2024…) come first: each implies the pattern, and on a CRM export
 * nearly every cell passes one, at 0.31–0.36 CPU-s per 10M cells against 0.76 for the regular
 * expression (which then runs only on the cells they miss).
 */
export function noIsoDateSql(raw: string): string {
  const dayFirst = ['/', '-'].map((sep) => `${raw} GLOB '[0-9][0-9]${sep}[0-9][0-9]${sep}[0-9][0-9][0-9]*'`);
  return `(${dayFirst.join(' OR ')} OR regexp_matches(${raw}, '${NO_ISO_DATE_RE}'))`;
}

/** A field's whole number from its text `n`: NULL for a fraction, NaN, ±inf or beyond 64 bits. */
export function wholeNumberSql(n: string): string {
  const d = `try_cast(${n} AS DOUBLE)`;
  return `CASE WHEN isfinite(${d}) AND ${d} = floor(${d}) THEN try_cast(${d} AS BIGINT) END`;
}

/** A field's finite number from its text `n`. */
export function finiteNumberSql(n: string): string {
  const d = `try_cast(${n} AS DOUBLE)`;
  return `CASE WHEN isfinite(${d}) THEN ${d} END`;
}

/**
 * A cheap way to most cells' typed value, tried on the raw staged text before the full path
 * (trim, null tokens, value map, then the type). Cleaning every cell costs about 1 CPU-s per
 * 10M cells and column, and most cells of a typed column need none of it.
 *
 * The SQL gives exactly what the full path would give for the same cell, or NULL, when only the
 * full path can tell (then it runs, on that cell alone). So a fast path is offered only where
 * that holds for every input:
 * - numbers and times: no value map, a decimal point, and no null token with a digit in it
 *   (then no text that parses is a null token; a cast ignores the spaces trim removes);
 * - times: also no zone in the text (no `+`, `Z`, `z`, `UTC`, `GMT`, nor `-` after the first
 *   colon), which the full path would read as an instant (DuckDB's TIMESTAMP cast drops it);
 *   the mapping's formats for the field (none naming a zone) are tried on the text as written
 *   where it is no timestamp even trimmed, as the full path tries them after the cast;
 * - booleans and codes: the exact spellings (as given, lower and upper case) of the accepted
 *   words and of ASCII value-map keys, other than null tokens; anything else takes the full path.
 * Returns undefined where a field has no fast path.
 */
export function fastValueSql(field: FieldSpec, raw: string, mapping: Mapping, params: ParamBag): string | undefined {
  const nulls = new Set(nullTokens(mapping));
  const valueMap = Object.entries(mapping.values[field.name] ?? {});
  const numericNull = [...nulls].some((n) => /[0-9]/.test(n));
  switch (field.type) {
    case 'integer':
    case 'double':
      if (valueMap.length || numericNull || mapping.decimalSeparator !== '.') return undefined;
      return field.type === 'integer' ? wholeNumberSql(raw) : finiteNumberSql(raw);
    case 'timestamp': {
      if (valueMap.length || numericNull) return undefined;
      // "a colon, and no '-' after the first one" as two LIKE patterns: a substring after the
      // colon cost 0.5–0.7 CPU-s per 10M cells, in each of the two passes that read the field
      const naive = [`strpos(${raw}, '+') = 0`, `strpos(${raw}, 'Z') = 0`, `strpos(${raw}, 'z') = 0`, `strpos(${raw}, 'UTC') = 0`, `strpos(${raw}, 'GMT') = 0`, `${raw} LIKE '%:%'`, `${raw} NOT LIKE '%:%-%'`];
      const cast = `try_cast(${raw} AS TIMESTAMP)`;
      const formats = mapping.timestampFormats[field.name] ?? [];
      if (!formats.length || formats.some((f) => /%[zZ]/.test(f))) return `CASE WHEN ${naive.join(' AND ')} THEN ${cast} END`;
      // As in the full path, a format is tried only where the trimmed text is no timestamp. A
      // failing TIMESTAMP cast costs about three times a successful one, and day-first text
      // (31/01/2024 …) always fails it (see NO_ISO_DATE_RE): such text goes straight to the
      // formats.
      const strptime = `try_strptime(${raw}, ${params.bindList(formats)})`;
      const value = `CASE WHEN ${noIsoDateSql(raw)} THEN ${strptime} ELSE coalesce(try_cast(trim(${raw}) AS TIMESTAMP), ${strptime}) END`;
      return `CASE WHEN ${naive.join(' AND ')} THEN ${value} END`;
    }
    case 'boolean':
      return exactWordsSql(raw, valueMap, nulls, params, {
        // the full path reads the mapped text as a word, lower-cased and untrimmed
        target: (to) => {
          const word = String(to).toLowerCase();
          return Object.hasOwn(BOOLEAN_WORDS, word) ? String(BOOLEAN_WORDS[word]) : undefined;
        },
        words: Object.entries(BOOLEAN_WORDS).map(([word, value]) => [word, String(value)]),
      });
    case 'enum': {
      const allowed = new Set(field.values ?? []);
      // typed as the warehouse's enum here, once per constant, rather than cast on every row
      const code = (value: string) => (field.enumType ? `${params.bind(value)}::${field.enumType}` : params.bind(value));
      return exactWordsSql(raw, valueMap, nulls, params, {
        target: (to) => {
          const value = String(to).toLowerCase();
          return allowed.has(value) ? code(value) : undefined;
        },
        words: [...allowed].map((value) => [value, code(value)]),
      });
    }
    default:
      return undefined;
  }
}

/**
 * The fast path of a field of known words (yes/no, codes): `CASE raw WHEN spelling THEN value …`
 * over the exact spellings (as given, lower and upper case) of the value map's ASCII keys, then
 * of the accepted words no key shadows, null tokens left out. The full path matches keys and
 * words case-insensitively after trimming, so every spelling here gives what it gives.
 * `target` is the SQL value a key's mapped value stands for (undefined: the full path decides);
 * `words` the accepted words with their SQL values.
 */
function exactWordsSql(
  raw: string,
  valueMap: [string, unknown][],
  nulls: ReadonlySet<string>,
  params: ParamBag,
  known: { target: (to: unknown) => string | undefined; words: [string, string][] },
): string | undefined {
  const whens = new Map<string, string>();
  const keys = new Set<string>();
  for (const [from, to] of valueMap) {
    const key = from.trim();
    keys.add(key.toLowerCase());
    const target = to === null ? undefined : known.target(to);
    if (target === undefined || nulls.has(key.toLowerCase()) || !/^[\x21-\x7e]+$/.test(key)) continue;
    for (const spelling of spellings(key)) if (!whens.has(spelling)) whens.set(spelling, target);
  }
  for (const [word, value] of known.words) {
    if (keys.has(word) || nulls.has(word)) continue;
    for (const spelling of spellings(word)) if (!whens.has(spelling)) whens.set(spelling, value);
  }
  return caseSql(raw, new Map([...whens].map(([spelling, value]) => [params.bind(spelling), value])));
}

/** A word as written, in lower case and in upper case (ASCII words only reach here). */
function spellings(word: string): string[] {
  return [...new Set([word, word.toLowerCase(), word.toUpperCase()])];
}

/** `CASE raw WHEN k THEN v … END` (a chain of equality tests beats a MAP lookup here). */
function caseSql(raw: string, whens: ReadonlyMap<string, string>): string | undefined {
  if (whens.size === 0) return undefined;
  return `CASE ${raw} ${[...whens].map(([k, v]) => `WHEN ${k} THEN ${v}`).join(' ')} END`;
}
