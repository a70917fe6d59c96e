/**
 * Chunked text output: rows are concatenated into one large string and written (and hashed)
 * a few MB at a time, with back-pressure, so memory stays flat however many rows go through.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const FLUSH_CHARS = 4 * 1024 * 1024;

export class TextSink {
  private buf = '';
  private readonly stream: WriteStream;
  private readonly hash: Hash;
  private bytesWritten = 0;
  private failed: Error | null = null;
  /** Physical lines written so far (the caller counts them as it writes). */
  lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 8 * 1024 * 1024 });
    this.stream.on('error', (e) => {
      this.failed = e;
    });
    this.hash = createHash('sha256');
  }

  /** Appends text holding `lines` line breaks. Call `maybeFlush` now and then. */
  write(text: string, lines = 1): void {
    this.buf += text;
    this.lines += lines;
  }

  get pending(): boolean {
    return this.buf.length >= FLUSH_CHARS;
  }

  async maybeFlush(): Promise<void> {
    if (this.buf.length >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.buf.length === 0) return;
    const chunk = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    this.hash.update(chunk);
    this.bytesWritten += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Flushes, closes, and returns size and SHA-256 of everything written. */
  async close(): Promise<{ bytes: number; sha256: string }> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failed) throw this.failed;
    return { bytes: this.bytesWritten, sha256: this.hash.digest('hex') };
  }
}

export async function sha256File(path: string): Promise<{ bytes: number; sha256: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * 1024 * 1024 })) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: h.digest('hex') };
}
