import { createReadStream, existsSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { IngestError } from './errors.ts';

export type SourceFormat = 'csv' | 'parquet' | 'ndjson';

export interface SourceFile {
  /** the file as the user named it (what errors, reports and quarantine rows refer to) */
  path: string;
  /** where its bytes are read from: `path`, or a UTF-8 copy (another encoding, or lines dropped) */
  data: string;
  /** lines of `path` that `data` leaves out before its first (a preamble, Excel's "sep=" line) */
  lineOffset: number;
  /** the delimiter the file declares (Excel's "sep=;" first line), if it does */
  delimiter?: Delimiter;
  format: SourceFormat;
  gzip: boolean;
  bytes: number;
}

/** Decides the format from the name (`.csv[.gz]`, `.tsv`, `.txt`, `.parquet[.gz]`, `.ndjson`, `.jsonl`, `.json`). */
export function describeSource(path: string): SourceFile {
  if (!existsSync(path)) throw new IngestError(path, 'file not found');
  const stat = statSync(path);
  if (!stat.isFile()) throw new IngestError(path, 'not a regular file');
  const lower = path.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  let format: SourceFormat;
  if (/\.(csv|tsv|txt|psv)$/.test(base)) format = 'csv';
  else if (/\.parquet$/.test(base)) format = 'parquet';
  else if (/\.(ndjson|jsonl|json)$/.test(base)) format = 'ndjson';
  else throw new IngestError(path, 'unknown file type (expected .csv, .tsv, .txt, .parquet, .ndjson, .jsonl, optionally .gz)');
  return { path, data: path, lineOffset: 0, format, gzip, bytes: stat.size };
}

/** A file's bytes as a stream of chunks, decompressing gzip on the way. */
export function openBytes(path: string, gzip: boolean): AsyncIterable<Buffer> {
  const raw = createReadStream(path, { highWaterMark: 4 << 20 });
  if (!gzip) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (e) => gunzip.destroy(e)); // pipe() does not pass a read error on
  return raw.pipe(gunzip);
}

/** Reads the first `limit` bytes of a file, decompressing gzip on the way. */
export async function readHead(file: SourceFile, limit = 256 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const raw = createReadStream(file.data, file.gzip ? {} : { end: limit - 1 });
  const stream = file.gzip ? raw.pipe(createGunzip()) : raw;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) break;
    }
  } catch (cause) {
    throw new IngestError(file.path, `cannot read: ${(cause as Error).message}`, { cause });
  } finally {
    raw.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
export type NewLine = '\r\n' | '\n' | '\r';

export interface CsvDialect {
  delimiter: Delimiter;
  newLine: NewLine;
  header: string[];
}

/** Splits one line on a delimiter, honouring double-quoted fields ("" is a literal quote). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (ch === delimiter) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === ch) n++;
  }
  return n;
}

/**
 * Reads the dialect from the header and the first lines: the newline style, the delimiter that
 * splits every sampled line the same way, and the column names. Done here rather than by
 * DuckDB's sniffer because a sniffer is easily misled by the very dirty rows we must quarantine.
 */
export function sniffCsv(head: Buffer, path: string, declared?: Delimiter): CsvDialect {
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstBreak = text.search(/[\r\n]/);
  if (firstBreak < 0 && text.length === 0) throw new IngestError(path, 'file is empty');
  let newLine: NewLine = '\n';
  if (firstBreak >= 0) {
    if (text[firstBreak] === '\r') newLine = text[firstBreak + 1] === '\n' ? '\r\n' : '\r';
  }
  const lines = text.split(newLine).slice(0, 50);
  // the last sampled line may be cut off by the sample size
  if (lines.length > 2) lines.pop();
  const headerLine = lines[0] ?? '';
  if (headerLine.trim() === '') throw new IngestError(path, 'line 1: the header line is empty');
  let best: Delimiter | undefined;
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const headerCount = countOutsideQuotes(headerLine, d);
    if (headerCount === 0) continue;
    const sample = lines.slice(1).filter((l) => l.length > 0);
    const agree = sample.filter((l) => countOutsideQuotes(l, d) === headerCount).length;
    const score = (sample.length ? agree / sample.length : 1) * 1000 + headerCount;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  // a single-column file has no delimiter at all
  const delimiter: Delimiter = declared ?? best ?? ',';
  const header = splitCsvLine(headerLine, delimiter).map((h) => h.trim());
  return { delimiter, newLine, header };
}

/**
 * The bytes of the given physical lines (1-based; `spans` sorted by line, each `count` lines
 * long), read in one pass over the file: the span's bytes as in the file, without the final
 * line break.
 */
export async function readLines(
  path: string,
  gzip: boolean,
  newLine: NewLine,
  spans: readonly { line: number; count: number }[],
): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  if (!spans.length) return out;
  const breakByte = newLine === '\r' ? 13 : 10;
  let line = 1; // the line the next byte belongs to
  let s = 0; // the next span to fill
  let pieces: Buffer[] = [];
  const wanted = () => s < spans.length && line >= spans[s]!.line && line < spans[s]!.line + spans[s]!.count;
  const finishSpan = () => {
    const bytes = Buffer.concat(pieces);
    // a CRLF file's lines end in CR here: the span keeps the ones inside it, not its last
    out.set(spans[s]!.line, newLine === '\r\n' && bytes.at(-1) === 13 ? bytes.subarray(0, -1) : bytes);
    pieces = [];
    s++;
  };
  for await (const buf of openBytes(path, gzip)) {
    let pos = 0;
    while (pos < buf.length && s < spans.length) {
      const at = buf.indexOf(breakByte, pos);
      const end = at < 0 ? buf.length : at;
      if (wanted()) {
        pieces.push(buf.subarray(pos, end));
        if (at >= 0 && line + 1 < spans[s]!.line + spans[s]!.count) pieces.push(buf.subarray(at, at + 1));
      }
      if (at < 0) break;
      if (wanted() && line + 1 === spans[s]!.line + spans[s]!.count) finishSpan();
      line++;
      pos = at + 1;
      while (s < spans.length && spans[s]!.line + spans[s]!.count <= line) s++; // spans passed over (never wanted twice)
    }
    if (s >= spans.length) break;
  }
  if (pieces.length && s < spans.length) finishSpan(); // the last line has no break
  return out;
}
