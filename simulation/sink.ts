/**
 * Chunked text output: each row is UTF-8-encoded straight into a large preallocated buffer
 * (no multi-megabyte string ropes for the GC to chase); full buffers are hashed and handed to
 * the file stream with back-pressure, so memory stays flat however many rows go through.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const CHUNK_BYTES = 8 * 1024 * 1024;

export class TextSink {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private readonly full: Buffer[] = [];
  private readonly stream: WriteStream;
  private readonly hash: Hash;
  private bytesWritten = 0;
  private failed: Error | null = null;
  /** Physical lines written so far (the caller says how many each write holds). */
  lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { highWaterMark: CHUNK_BYTES });
    this.stream.on('error', (e) => {
      this.failed = e;
    });
    this.hash = createHash('sha256');
  }

  /** Appends text holding `lines` line breaks. Call `maybeFlush` regularly to bound memory. */
  write(text: string, lines = 1): void {
    this.lines += lines;
    // a UTF-8 character takes at most 3 bytes per UTF-16 unit
    if (this.pos + text.length * 3 > this.buf.length) {
      this.rotate();
      if (text.length * 3 > this.buf.length) {
        this.full.push(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** True when enough is buffered that the caller should await `maybeFlush`. */
  get pending(): boolean {
    return this.full.length > 0;
  }

  async maybeFlush(): Promise<void> {
    if (this.full.length > 0) await this.drain();
  }

  private rotate(): void {
    if (this.pos === 0) return;
    this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
  }

  private async drain(): Promise<void> {
    if (this.failed) throw this.failed;
    while (this.full.length > 0) {
      const chunk = this.full.shift() as Buffer;
      this.hash.update(chunk);
      this.bytesWritten += chunk.length;
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
      if (this.failed) throw this.failed;
    }
  }

  /** Flushes, closes, and returns size and SHA-256 of everything written. */
  async close(): Promise<{ bytes: number; sha256: string }> {
    this.rotate();
    await this.drain();
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
