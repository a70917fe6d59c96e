import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { listValue, type DuckDBValue } from '@duckdb/node-api';
import { bulkAppend, quoteIdent, quoteLiteralPath, type Warehouse } from '../../warehouse/index.ts';
import { IngestError } from './errors.ts';
import { escapeInvalidUtf8 } from './text.ts';
import { openBytes, readHead, readLines, sniffCsv, type CsvDialect, type NewLine, type SourceFile } from './source.ts';

/**
 * A file staged as text: `__stg(__line, s0 … sN)` with every source column as VARCHAR, and
 * `__parse_rejects(__line, raw, reason)` for records the reader could not split. Positional
 * names (s0…) keep user-supplied column names out of the SQL.
 */
export interface StagedFile {
  columns: string[];
  /** records parsed into __stg */
  parsed: number;
  /** records the reader rejected (bad quoting, invalid JSON, too many fields) */
  parseRejected: number;
  dialect?: CsvDialect;
  /** how to rebuild a quarantined row's raw text from its staged columns */
  rawSql: string;
  /** named parameters `rawSql` needs */
  rawParams: Record<string, DuckDBValue>;
}

export const STAGE_TABLE = '__stg';
export const REJECT_TABLE = '__parse_rejects';
/** A CSV's records as read, in file order (rowid = position); `__stg` is a view over it or a renumbered copy. */
export const STAGE_DATA = '__stg_data';
/** Why a line of a file read as UTF-8 is rejected when it is not, with the way out. */
export const INVALID_UTF8 =
  'the line is not valid UTF-8 (if the file is in another encoding, name it in the mapping, e.g. "encoding": "windows-1252")';
/**
 * The CSV reader's buffer by default, named rather than left to DuckDB's default. Keeping file
 * order (line numbers come from rowids) costs far less with buffers this size: staging a
 * 10M-row, 736 MB call log took 10.2–12.6 CPU-s (5.2–6.5 s) at the default and 6.7–7.9 CPU-s
 * (3.5–4.0 s) at 16–32 MB, about what the same read costs with no order kept. Lines longer
 * than max_line_size (2 MB) are rejected as before.
 */
const CSV_BUFFER_BYTES = 32 * 1024 * 1024;
/** Below this a buffer would split ordinary records too often to be worth reading with. */
const MIN_CSV_BUFFER_BYTES = 64 * 1024;

export interface StageOptions {
  /** the CSV reader's buffer in bytes (default CSV_BUFFER_BYTES) */
  csvBufferBytes?: number;
}
/** Extra padding columns catch rows with more fields than the header (often trailing delimiters). */
const EXTRA_COLUMNS = 4;

export function col(i: number): string {
  return `s${i}`;
}

export async function stageFile(wh: Warehouse, file: SourceFile, options: StageOptions = {}): Promise<StagedFile> {
  await dropStaged(wh);
  await wh.run(`DROP TABLE IF EXISTS ${REJECT_TABLE}`);
  await wh.run(`CREATE TEMP TABLE ${REJECT_TABLE} (__line BIGINT, raw VARCHAR, reason VARCHAR)`);
  switch (file.format) {
    case 'csv':
      return stageCsv(wh, file, csvBufferBytes(file.path, options.csvBufferBytes));
    case 'parquet':
      return stageParquet(wh, file);
    case 'ndjson':
      return stageNdjson(wh, file);
  }
}

/** Drops `__stg` (a view or a table, depending on the file) and the data under it. */
export async function dropStaged(wh: Warehouse): Promise<void> {
  const kinds = await wh.query<{ view: boolean }>(
    `SELECT true AS view FROM duckdb_views() WHERE view_name = $name AND temporary`,
    { name: STAGE_TABLE },
  );
  await wh.run(kinds.length ? `DROP VIEW ${STAGE_TABLE}` : `DROP TABLE IF EXISTS ${STAGE_TABLE}`);
  await wh.run(`DROP TABLE IF EXISTS ${STAGE_DATA}`);
}

async function countOf(wh: Warehouse, table: string): Promise<number> {
  const row = await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return row.n;
}

function csvBufferBytes(path: string, bytes: number | undefined): number {
  if (bytes === undefined) return CSV_BUFFER_BYTES;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_CSV_BUFFER_BYTES) {
    throw new IngestError(path, `csvBufferBytes must be a whole number of bytes ≥ ${MIN_CSV_BUFFER_BYTES}, got ${bytes}`);
  }
  return bytes;
}

async function stageCsv(wh: Warehouse, file: SourceFile, bufferBytes: number): Promise<StagedFile> {
  const dialect = sniffCsv(await readHead(file), file.path, file.delimiter);
  const names = dialect.header.map((h, i) => (h === '' ? `__unnamed_${i}` : h));
  const total = names.length + EXTRA_COLUMNS;
  const columnsSpec = Array.from({ length: total }, (_, i) => `'${col(i)}': 'VARCHAR'`).join(', ');
  const nlChar = dialect.newLine === '\r' ? 'chr(13)' : 'chr(10)';
  // delimiter and newline come from a fixed set (source.ts), never from free text
  const delimSql = dialect.delimiter === '\t' ? `'\\t'` : `'${dialect.delimiter}'`;
  const newLineSql = { '\r\n': `'\\r\\n'`, '\n': `'\\n'`, '\r': `'\\r'` }[dialect.newLine];
  for (const t of ['__rej_err', '__rej_scan', STAGE_DATA]) await wh.run(`DROP TABLE IF EXISTS ${t}`);
  const hasNewline = `coalesce(${Array.from({ length: total }, (_, i) => `contains(${col(i)}, ${nlChar})`).join(' OR ')}, false)`;
  // Counting the file's lines (beside DuckDB's read) tells, far more cheaply than testing every
  // staged field for a newline, that no record spans lines: then lines = records + header.
  // (a read error only costs the exact check)
  const lines = scanLines(file.data, dialect.newLine, file.gzip).catch(() => undefined);
  try {
    // A parallel read that keeps file order (preserve_insertion_order, DuckDB's default): a
    // record's rowid is its position among the parsed records, so no serial row_number() is
    // needed; the provisional line is rowid + 2, exact unless quoted newlines or rejected
    // records came before.
    await wh.run('SET preserve_insertion_order = true');
    const stage = (parallel: boolean) =>
      wh.run(`CREATE OR REPLACE TEMP TABLE ${STAGE_DATA} AS
      SELECT *
      FROM read_csv(${quoteLiteralPath(file.data)}, columns = {${columnsSpec}}, delim = ${delimSql},
        quote = '"', escape = '"', header = true, auto_detect = false, new_line = ${newLineSql},
        null_padding = true, store_rejects = true, parallel = ${parallel}, buffer_size = ${bufferBytes},
        rejects_table = '__rej_err', rejects_scan = '__rej_scan', compression = 'auto')`);
    try {
      await stage(true);
    } catch (cause) {
      // DuckDB's parallel scanner gives up on a file where broken quoting precedes a quoted
      // newline ("Parameter Not Allowed": null_padding with quoted new lines); the serial
      // scanner reads it, rejecting only the broken record
      if (!/Parameter Not Allowed/i.test((cause as Error).message)) throw cause;
      for (const t of ['__rej_err', '__rej_scan']) await wh.run(`DROP TABLE IF EXISTS ${t}`);
      await stage(false);
    }
  } catch (cause) {
    throw new IngestError(file.path, `cannot read as CSV: ${(cause as Error).message}`, { cause });
  }
  // rows appended inside a transaction get transaction-local rowids: the numbering needs a
  // committed table (ingest stages before it begins its transaction)
  const first = await wh.one<{ base: number | null }>(`SELECT min(rowid) AS base FROM ${STAGE_DATA}`);
  if (first.base !== null && first.base !== 0) {
    throw new IngestError(file.path, `internal error: CSV staging ran inside a transaction (first rowid ${first.base}); line numbers would be wrong`);
  }
  const trimmedRaw = `trim(csv_line, chr(10) || chr(13))`;
  await wh.run(`CREATE TEMP TABLE __rej_rec AS
    SELECT line AS rec, any_value(${trimmedRaw}) AS raw, string_agg(DISTINCT error_type, ', ') AS reason,
           any_value(length(${trimmedRaw}) - length(replace(${trimmedRaw}, ${nlChar}, ''))) AS nl
    FROM __rej_err GROUP BY line`);
  const rejects = await countOf(wh, '__rej_rec');
  const counted = await lines;
  const oneLineEach = rejects === 0 && counted !== undefined && !counted.blank && counted.lines === (await countOf(wh, STAGE_DATA)) + 1;
  const emptyLines = counted?.empty ?? [];
  const multiline = oneLineEach ? 0 : (await wh.one<{ n: number }>(`SELECT count(*) AS n FROM ${STAGE_DATA} WHERE ${hasNewline}`)).n;
  const dataColumns = Array.from({ length: total }, (_, i) => col(i)).join(', ');
  // the table later steps delete rows from: the staged data itself, or its renumbered copy
  let target = STAGE_DATA;
  if (rejects > 0 || multiline > 0 || emptyLines.length > 0) {
    await fixLineNumbers(wh, total, nlChar, hasNewline, emptyLines);
    await wh.run(`CREATE TEMP TABLE ${STAGE_TABLE} AS
      SELECT r.__line, ${dataColumns} FROM ${STAGE_DATA} s JOIN __records r ON r.__ord = s.rowid + 1`);
    await wh.run(`DROP TABLE ${STAGE_DATA}`);
    target = STAGE_TABLE;
  } else {
    // the common case: every line number is the record's position, so __stg is a view
    await wh.run(`CREATE TEMP TABLE __records (__ord BIGINT, rec BIGINT, __line BIGINT)`);
    await wh.run(`CREATE TEMP VIEW ${STAGE_TABLE} AS SELECT rowid + 2 AS __line, ${dataColumns} FROM ${STAGE_DATA}`);
  }
  await wh.run(`INSERT INTO ${REJECT_TABLE}
    SELECT r.__line, j.raw,
      CASE WHEN j.reason LIKE '%TOO MANY COLUMNS%' THEN 'the line has more fields than the header (' || ${names.length} || ')'
           WHEN j.reason LIKE '%UNQUOTED VALUE%' THEN 'the line cannot be parsed as CSV (broken quoting: text after a closing quote)'
           WHEN j.reason LIKE '%UNTERMINATED QUOTE%' THEN 'the line cannot be parsed as CSV (broken quoting: a quote is never closed)'
           WHEN j.reason LIKE '%INVALID ENCODING%' THEN $invalid_utf8
           ELSE 'the line cannot be parsed as CSV (' || lower(j.reason) || ')' END
    FROM __rej_rec j JOIN __records r ON r.rec = j.rec AND r.__ord IS NULL`, { invalid_utf8: INVALID_UTF8 });
  await keepUndecodableBytes(wh, file, dialect.newLine);
  // rows with more fields than the header: the padding columns are filled
  const extraCheck = Array.from({ length: EXTRA_COLUMNS }, (_, i) => `coalesce(${col(names.length + i)}, '') <> ''`).join(' OR ');
  await wh.run(`INSERT INTO ${REJECT_TABLE}
    SELECT __line, ${csvRawSql(total, dialect.delimiter)}, 'the line has more fields than the header (' || ${names.length} || ')'
    FROM ${STAGE_TABLE} WHERE ${extraCheck}`);
  // deleting keeps the other rows' rowids, so the view's line numbers stay right
  await wh.run(`DELETE FROM ${target} WHERE ${extraCheck}`);
  for (const t of ['__records', '__rej_rec', '__rej_pos', '__rej_err', '__rej_scan', '__empty']) await wh.run(`DROP TABLE IF EXISTS ${t}`);
  return {
    columns: names,
    parsed: await countOf(wh, STAGE_TABLE),
    parseRejected: await countOf(wh, REJECT_TABLE),
    dialect,
    rawSql: csvRawSql(names.length, dialect.delimiter),
    rawParams: {},
  };
}

/** What a pass over a CSV's bytes tells about its lines. */
interface LineScan {
  /** lines, the last one counted even without a final newline */
  lines: number;
  /** some line is empty or one character long (conservative: sends the file to the exact check) */
  blank: boolean;
  /** the numbers (1-based, ascending) of the empty lines outside quoted fields: DuckDB skips them */
  empty: number[];
}

/** At most this many empty lines are located; past it their numbers are not corrected. */
const MAX_EMPTY_LINES = 1_000_000;

/**
 * Counts a file's lines (newLine-terminated) and finds its empty ones, which DuckDB skips and
 * which shift the line numbers as a record spanning lines does. An empty line inside a quoted
 * field is part of its record, not skipped: the quotes before each empty line are counted in a
 * second pass, made only when empty lines exist (an odd count: inside quotes).
 */
async function scanLines(path: string, newLine: NewLine, gzip: boolean): Promise<LineScan> {
  const byte = newLine === '\r' ? 13 : 10;
  const shortest = 2;
  let newlines = 0;
  let blank = false;
  let offset = 0;
  let last = -1;
  let lastByte = -1;
  // candidates: [byte offset of the line's first byte, line number]
  const starts: number[] = [];
  const numbers: number[] = [];
  for await (const buf of openBytes(path, gzip)) {
    for (let i = buf.indexOf(byte); i >= 0; i = buf.indexOf(byte, i + 1)) {
      const at = offset + i;
      const length = at - last - 1;
      if (length + 1 <= shortest) {
        blank = true;
        const before = i > 0 ? buf[i - 1] : lastByte;
        const empty = length === 0 || (newLine === '\r\n' && length === 1 && before === 13);
        if (empty && numbers.length < MAX_EMPTY_LINES) {
          starts.push(last + 1);
          numbers.push(newlines + 1);
        }
      }
      last = at;
      newlines++;
    }
    offset += buf.length;
    if (buf.length) lastByte = buf[buf.length - 1]!;
  }
  const lines = newlines + (offset > 0 && lastByte !== byte ? 1 : 0);
  if (numbers.length === 0) return { lines, blank, empty: [] };
  // second pass: the parity of the quotes before each candidate
  const empty: number[] = [];
  let quotes = 0;
  let c = 0;
  offset = 0;
  for await (const buf of openBytes(path, gzip)) {
    const end = offset + buf.length;
    let from = 0;
    while (c < starts.length && (starts[c] as number) < end) {
      const upto = (starts[c] as number) - offset;
      for (let i = buf.indexOf(34, from); i >= 0 && i < upto; i = buf.indexOf(34, i + 1)) quotes++;
      from = upto;
      if (quotes % 2 === 0) empty.push(numbers[c] as number);
      c++;
    }
    if (c >= starts.length) break;
    for (let i = buf.indexOf(34, from); i >= 0; i = buf.indexOf(34, i + 1)) quotes++;
    offset = end;
  }
  return { lines, blank, empty };
}

/**
 * Exact physical line numbers when the cheap ones are wrong. DuckDB numbers rejected records
 * by record (header = 1), not by line; a parsed record's record number is its position plus
 * the rejects before it, and its line adds the newlines inside quoted fields of every record
 * before it. Builds `__records(__ord, rec, __line)`, `__ord` being a parsed record's rowid + 1 in
 * the staged data (NULL for a rejected record).
 */
async function fixLineNumbers(wh: Warehouse, total: number, nlChar: string, hasNewline: string, emptyLines: number[]): Promise<void> {
  if (emptyLines.length > 0) {
    // the empty lines in order: k-th at line e
    await wh.run(`CREATE OR REPLACE TEMP TABLE __empty AS
      SELECT e, row_number() OVER (ORDER BY e) AS k FROM (SELECT unnest($empty::BIGINT[]) AS e)`, { empty: listValue(emptyLines) });
    // DuckDB numbers a rejected record counting the empty lines it skipped; take them out so
    // that every number below counts records only (exact when no quoted newline comes before
    // an empty line, as then an empty line's number in DuckDB's count is its line)
    await wh.run(`UPDATE __rej_rec SET rec = rec - (SELECT count(*) FROM __empty WHERE e < rec)`);
  }
  const nlExpr =
    Array.from({ length: total }, (_, i) => `coalesce(length(${col(i)}) - length(replace(${col(i)}, ${nlChar}, '')), 0)`).join(' + ') || '0';
  // reject k (in order) follows exactly the parsed records whose compressed position exceeds rec - k
  await wh.run(`CREATE TEMP TABLE __rej_pos AS
    SELECT cpos, max(k) AS k FROM (SELECT rec - row_number() OVER (ORDER BY rec) AS cpos, row_number() OVER (ORDER BY rec) AS k FROM __rej_rec)
    GROUP BY cpos`);
  await wh.run(`CREATE TEMP TABLE __records AS
    WITH valid AS (
      SELECT v.rowid + 1 AS __ord, v.rowid + 2 + coalesce(r.k, 0) AS rec, CASE WHEN ${hasNewline} THEN ${nlExpr} ELSE 0 END AS nl
      FROM ${STAGE_DATA} v ASOF LEFT JOIN __rej_pos r ON v.rowid + 2 > r.cpos
    ), allrec AS (SELECT __ord, rec, nl FROM valid UNION ALL SELECT NULL, rec, nl FROM __rej_rec)
    SELECT __ord, rec, rec + coalesce(sum(nl) OVER (ORDER BY rec ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS __line
    FROM allrec`);
  if (emptyLines.length === 0) return;
  // The lines so far count the file as if its empty lines (skipped by DuckDB) were not there.
  // Empty line j (in order) at line e_j sits after e_j − j such lines, so a line y of that
  // count is line y + #{j : e_j − j < y} of the file.
  await wh.run(`CREATE OR REPLACE TEMP TABLE __records AS
    WITH pos AS (SELECT e - k AS cpos, max(k) AS k FROM __empty GROUP BY cpos)
    SELECT r.__ord, r.rec, r.__line + coalesce(p.k, 0) AS __line FROM __records r ASOF LEFT JOIN pos p ON r.__line > p.cpos`);
}

/** At most this many lines that are not UTF-8 get their own bytes back (each is held in memory once). */
const MAX_UNDECODABLE_LINES = 200_000;

/**
 * DuckDB's copy of a line that is not valid UTF-8 replaces the bad bytes, and may swallow the
 * delimiter after one. The quarantined text is the file's own line instead, each bad byte
 * written as \xNN (see `escapeInvalidUtf8`).
 */
async function keepUndecodableBytes(wh: Warehouse, file: SourceFile, newLine: NewLine): Promise<void> {
  const rejected = await wh.query<{ line: number; count: number }>(
    `SELECT __line AS line, 1 + length(raw) - length(replace(raw, chr(10), '')) AS count
     FROM ${REJECT_TABLE} WHERE reason = $reason ORDER BY __line LIMIT ${MAX_UNDECODABLE_LINES}`,
    { reason: INVALID_UTF8 },
  );
  if (!rejected.length) return;
  const bytes = [...(await readLines(file.data, file.gzip, newLine, rejected))];
  await wh.run('CREATE OR REPLACE TEMP TABLE __raw_bytes (line INTEGER, raw VARCHAR)');
  await bulkAppend(
    wh,
    '__raw_bytes',
    [
      { name: 'line', kind: 'integer', values: bytes.map(([line]) => line) },
      { name: 'raw', kind: 'varchar', values: bytes.map(([, raw]) => escapeInvalidUtf8(raw)) },
    ],
    'main',
    'temp',
  );
  await wh.run(`UPDATE ${REJECT_TABLE} SET raw = b.raw FROM __raw_bytes b WHERE ${REJECT_TABLE}.__line = b.line AND ${REJECT_TABLE}.reason = $reason`, {
    reason: INVALID_UTF8,
  });
  await wh.run('DROP TABLE __raw_bytes');
}

/** Rebuilds a CSV line from staged columns, quoting fields that need it. */
function csvRawSql(count: number, delimiter: string): string {
  const d = delimiter === '\t' ? 'chr(9)' : `'${delimiter}'`;
  const parts = Array.from({ length: count }, (_, i) => {
    const c = col(i);
    return `CASE WHEN ${c} IS NULL THEN '' WHEN contains(${c}, ${d}) OR contains(${c}, '"') OR contains(${c}, chr(10)) OR contains(${c}, chr(13))
      THEN '"' || replace(${c}, '"', '""') || '"' ELSE ${c} END`;
  });
  return parts.length ? parts.join(` || ${d} || `) : `''`;
}

async function gunzipToTemp(file: SourceFile): Promise<{ path: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'dialwise-gz-'));
  const path = join(dir, 'data.parquet');
  await pipeline(createReadStream(file.data), createGunzip(), createWriteStream(path));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function stageParquet(wh: Warehouse, file: SourceFile): Promise<StagedFile> {
  const unpacked = file.gzip ? await gunzipToTemp(file) : undefined;
  const path = unpacked?.path ?? file.data;
  try {
    let described: { column_name: string; column_type: string }[];
    try {
      described = await wh.query(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteralPath(path)})`);
    } catch (cause) {
      throw new IngestError(file.path, `cannot read as Parquet: ${(cause as Error).message}`, { cause });
    }
    const names = described.map((d) => d.column_name);
    const casts = described.map((d, i) => {
      const nested = /STRUCT|MAP|\[\]|LIST|JSON/.test(d.column_type);
      return `${nested ? `to_json(${quoteIdent(d.column_name)})` : quoteIdent(d.column_name)}::VARCHAR AS ${col(i)}`;
    });
    await wh.run(`CREATE TEMP TABLE ${STAGE_TABLE} AS
      SELECT file_row_number + 1 AS __line${casts.length ? ', ' + casts.join(', ') : ''}
      FROM read_parquet(${quoteLiteralPath(path)}, file_row_number = true)`);
    return {
      columns: names,
      parsed: await countOf(wh, STAGE_TABLE),
      parseRejected: 0,
      rawSql: jsonRawSql(names),
      rawParams: jsonRawParams(names),
    };
  } finally {
    unpacked?.cleanup();
  }
}

/**
 * A quarantined Parquet/NDJSON row keeps its fields as a JSON object; the key names are bound
 * as the `$raw_keys` parameter (see StagedFile.rawParams), never pasted into the SQL.
 */
function jsonRawSql(names: string[]): string {
  if (!names.length) return `'{}'`;
  return `to_json(map($raw_keys::VARCHAR[], [${names.map((_, i) => col(i)).join(', ')}]))::VARCHAR`;
}

function jsonRawParams(names: string[]): Record<string, DuckDBValue> {
  return names.length ? { raw_keys: listValue(names) } : {};
}

async function stageNdjson(wh: Warehouse, file: SourceFile): Promise<StagedFile> {
  try {
    // one physical line per record: read lines verbatim, then parse JSON in SQL
    await wh.run(`CREATE TEMP TABLE __lines AS
      SELECT row_number() OVER () AS __line, line
      FROM read_csv(${quoteLiteralPath(file.data)}, columns = {'line': 'VARCHAR'}, delim = '\\0', quote = '',
        escape = '', header = false, auto_detect = false, new_line = '\\n', strict_mode = false,
        parallel = false, compression = 'auto')`);
  } catch (cause) {
    throw new IngestError(file.path, `cannot read as NDJSON: ${(cause as Error).message}`, { cause });
  }
  await wh.run(`DELETE FROM __lines WHERE line IS NULL OR trim(line) = ''`);
  await wh.run(`INSERT INTO ${REJECT_TABLE}
    SELECT __line, line, CASE WHEN json_valid(line) THEN 'the line is JSON but not an object' ELSE 'the line is not valid JSON (truncated or broken)' END
    FROM __lines WHERE NOT (CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END)`);
  await wh.run(`DELETE FROM __lines WHERE NOT (CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END)`);
  const keys = (await wh.query<{ k: string }>(`SELECT DISTINCT unnest(json_keys(line)) AS k FROM __lines ORDER BY k`)).map((r) => r.k);
  if (keys.length) {
    const paths = keys.map((k) => `$."${k.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
    await wh.run(`CREATE TEMP TABLE ${STAGE_TABLE} AS
      SELECT __line, ${keys.map((_, i) => `v[${i + 1}] AS ${col(i)}`).join(', ')}
      FROM (SELECT __line, json_extract_string(line, $paths) AS v FROM __lines)`, { paths: listValue(paths) });
  } else {
    await wh.run(`CREATE TEMP TABLE ${STAGE_TABLE} AS SELECT __line FROM __lines`);
  }
  await wh.run('DROP TABLE __lines');
  return {
    columns: keys,
    parsed: await countOf(wh, STAGE_TABLE),
    parseRejected: await countOf(wh, REJECT_TABLE),
    rawSql: jsonRawSql(keys),
    rawParams: jsonRawParams(keys),
  };
}
