import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { encodingName } from '../../contracts/index.ts';
import { IngestError } from './errors.ts';
import { openBytes, readHead, type SourceFile } from './source.ts';

/**
 * Text files in an encoding other than UTF-8 (CRM exports from Excel on Windows are often
 * windows-1252; Excel's "Unicode text" is UTF-16 with a BOM). DuckDB reads UTF-8, so such a
 * file is first copied to UTF-8, streamed; line structure and so line numbers are unchanged.
 */

/** The encoding a byte-order mark at the start of the file declares, if any. */
export function bomEncoding(head: Buffer): 'utf-8' | 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** A text source ready for DuckDB, and what to remove once it has been read. */
export interface Utf8Source {
  file: SourceFile;
  /** the encoding the file was read in */
  encoding: string;
  cleanup: () => void;
}

/**
 * The file itself when it is UTF-8 (or Parquet, always UTF-8 inside), else a UTF-8 copy in a
 * temp directory. A byte-order mark decides over `encoding` (the mapping's, default UTF-8).
 * Bytes that the encoding cannot map become U+FFFD (none can in the single-byte encodings).
 * iconv-lite, not Node's TextDecoder, which reads windows-1252 as ISO-8859-1 in Node 20.
 */
export async function asUtf8(file: SourceFile, encoding: string): Promise<Utf8Source> {
  const none = { file, encoding: 'utf-8', cleanup: () => undefined };
  if (file.format === 'parquet') return none;
  const declared = bomEncoding(await readHead(file, 4));
  const name = declared ?? encodingName(encoding);
  if (name === undefined) throw new IngestError(file.path, `unknown text encoding "${encoding}"`);
  if (name === 'utf-8') return none;
  const dir = mkdtempSync(join(tmpdir(), 'dialwise-utf8-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const data = join(dir, file.format === 'ndjson' ? 'data.ndjson' : 'data.csv');
  try {
    const decoder = iconv.getDecoder(name, { stripBOM: true });
    const out = createWriteStream(data);
    for await (const chunk of openBytes(file.data, file.gzip)) {
      if (!out.write(decoder.write(chunk), 'utf8')) await once(out, 'drain');
    }
    out.end(decoder.end() ?? '', 'utf8');
    await finished(out);
  } catch (cause) {
    cleanup();
    throw new IngestError(file.path, `cannot read as ${name}: ${(cause as Error).message}`, { cause });
  }
  return { file: { ...file, data, gzip: false }, encoding: name, cleanup };
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
