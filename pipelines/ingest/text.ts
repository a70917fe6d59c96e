import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { encodingName } from '../../contracts/index.ts';
import { IngestError } from './errors.ts';
import { DELIMITERS, openBytes, readHead, type Delimiter, type SourceFile } from './source.ts';

/**
 * Text files as exported, made readable by DuckDB: in an encoding other than UTF-8 (CRM exports
 * from Excel on Windows are often windows-1252; Excel's "Unicode text" is UTF-16 with a BOM), or
 * with lines before the header (a report title; Excel's "sep=;"). Such a file is first copied,
 * streamed, to UTF-8 from its header on; line numbers are shifted back when rows are quarantined.
 */

/** The encoding a byte-order mark at the start of the file declares, if any. */
function bomEncoding(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** A text source ready for DuckDB, and what to remove once it has been read. */
export interface PreparedText {
  file: SourceFile;
  /** the encoding the file was read in */
  encoding: string;
  cleanup: () => void;
}

/** How a text file is to be read: its encoding (a label) and the lines before its header. */
export interface TextOptions {
  encoding: string;
  skipLines: number;
}

/** How much of the head to look at for the first lines (a preamble longer than this is not searched for "sep="). */
const HEAD_BYTES = 64 * 1024;

/**
 * The file itself when DuckDB can read it as it is: UTF-8 (or Parquet, always UTF-8 inside)
 * with the header on its first line. Otherwise a copy in a temp directory, streamed: in UTF-8,
 * and without the lines before the header (`skipLines`, then an Excel "sep=;" line, whose
 * delimiter is kept in `file.delimiter`); `file.lineOffset` says how many lines were left out.
 * A byte-order mark decides over the encoding named. Bytes that the encoding cannot map become
 * U+FFFD (none can in the single-byte encodings). iconv-lite, not Node's TextDecoder, which
 * reads windows-1252 as ISO-8859-1 in Node 20.
 */
export async function prepareText(file: SourceFile, options: TextOptions): Promise<PreparedText> {
  const none = { file, encoding: 'utf-8', cleanup: () => undefined };
  if (file.format === 'parquet') return none;
  const head = await readHead(file, HEAD_BYTES);
  const name = bomEncoding(head) ?? encodingName(options.encoding);
  if (name === undefined) throw new IngestError(file.path, `unknown text encoding "${options.encoding}"`);
  const text = iconv.decode(head, name, { stripBOM: true });
  const { drop, delimiter } = leadingLines(text, options.skipLines, file.path);
  if (name === 'utf-8' && drop === 0) return none;
  // a CR-only file breaks its lines on CR; every other style has one LF a line
  const breakByte = /\r\n|\n|\r/.exec(text)?.[0] === '\r' ? 13 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'dialwise-text-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const data = join(dir, file.format === 'ndjson' ? 'data.ndjson' : 'data.csv');
  let toDrop = drop;
  try {
    // UTF-8 is copied byte for byte, so a line that is not valid UTF-8 stays as it was
    const decoder = name === 'utf-8' ? undefined : iconv.getDecoder(name, { stripBOM: true });
    const out = createWriteStream(data);
    const write = async (bytes: Buffer) => {
      let from = 0;
      while (toDrop > 0 && from < bytes.length) {
        const at = bytes.indexOf(breakByte, from);
        if (at < 0) return;
        from = at + 1;
        toDrop--;
      }
      if (from < bytes.length && !out.write(bytes.subarray(from))) await once(out, 'drain');
    };
    for await (const chunk of openBytes(file.data, file.gzip)) await write(decoder ? Buffer.from(decoder.write(chunk), 'utf8') : chunk);
    if (decoder) await write(Buffer.from(decoder.end() ?? '', 'utf8'));
    out.end();
    await finished(out);
  } catch (cause) {
    cleanup();
    throw new IngestError(file.path, `cannot read as ${name}: ${(cause as Error).message}`, { cause });
  }
  if (toDrop > 0) {
    cleanup();
    throw new IngestError(file.path, `skipLines: ${options.skipLines} lines to skip, but the file ends before its header`);
  }
  return { file: { ...file, data, gzip: false, lineOffset: drop, ...(delimiter ? { delimiter } : {}) }, encoding: name, cleanup };
}

/** The lines before the header: `skipLines`, and an Excel "sep=X" line right after them (X the delimiter). */
function leadingLines(text: string, skipLines: number, path: string): { drop: number; delimiter?: Delimiter } {
  const line = text.split(/\r\n|\n|\r/, skipLines + 1)[skipLines];
  const sep = line === undefined ? null : /^sep=(.)$/i.exec(line);
  if (!sep) return { drop: skipLines };
  const declared = sep[1]!;
  const delimiter = DELIMITERS.find((d) => d === declared);
  if (!delimiter) throw new IngestError(path, `line ${skipLines + 1}: the file declares the delimiter "${declared}" (sep=), which is not one of , ; tab |`);
  return { drop: skipLines + 1, delimiter };
}

/**
 * Bytes as UTF-8 text, every byte that is not part of a valid UTF-8 sequence written as
 * `\xNN`: a line that is not UTF-8 is kept whole, readable and reversible, in quarantine.
 */
export function escapeInvalidUtf8(bytes: Uint8Array): string {
  const strict = new TextDecoder('utf-8', { fatal: true });
  let out = '';
  let from = 0; // start of the pending valid run
  let i = 0;
  while (i < bytes.length) {
    const n = utf8SequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += strict.decode(bytes.subarray(from, i)) + `\\x${bytes[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
    i++;
    from = i;
  }
  return out + strict.decode(bytes.subarray(from));
}

/** Length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or > U+10FFFF), or 0. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
