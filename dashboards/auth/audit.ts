import { close as closeFd, existsSync, mkdirSync, open, readFileSync, write } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Principal } from './tokens.ts';

/** Append-only NDJSON of every read of lead-level data: `<data-dir>/audit/lead-access.ndjson`. */
export const AUDIT_FILE = join('audit', 'lead-access.ndjson');

export interface AuditEntry {
  at: string;
  token_name: string;
  role: string;
  route: string;
  params: Record<string, unknown>;
  /** lead-level rows returned */
  rows: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Written off the event loop with group commit: a line goes out at once when no write is in
 * progress, and lines recorded meanwhile go out together in the next write (one write(2) on an
 * O_APPEND descriptor, so lines never interleave with another writer's). `record` resolves once
 * its line is written, and the routes wait for it before answering: no response leaves without
 * its audit line, and a slow disk delays the audited requests only, not every request (a
 * writeSync per request stalled the whole server whenever the disk did).
 */
export class AuditLog {
  private fd: Promise<number> | null = null;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private writing: Promise<void> | null = null;

  constructor(readonly path: string) {}

  static inDataDir(dataDir: string): AuditLog {
    return new AuditLog(join(dataDir, AUDIT_FILE));
  }

  /** Resolves when the line is in the file (rejects if it could not be written). */
  record(who: Principal, route: string, params: Record<string, unknown>, rows: number): Promise<void> {
    const entry: AuditEntry = { at: new Date().toISOString(), token_name: who.name, role: who.role, route, params, rows };
    const line = `${JSON.stringify(entry)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.pending.push(line);
      this.waiters.push({ resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Writes batches until nothing is pending. */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await writeAll(await this.descriptor(), Buffer.from(lines.join(''), 'utf8'));
          for (const w of waiters) w.resolve();
        } catch (error) {
          for (const w of waiters) w.reject(error as Error);
        }
      }
    } finally {
      this.writing = null;
    }
  }

  private descriptor(): Promise<number> {
    if (this.fd) return this.fd;
    const fd = new Promise<number>((resolve, reject) => {
      try {
        mkdirSync(dirname(this.path), { recursive: true });
      } catch (error) {
        reject(error as Error);
        return;
      }
      open(this.path, 'a', 0o600, (error, n) => (error ? reject(error) : resolve(n)));
    });
    fd.catch(() => {
      if (this.fd === fd) this.fd = null; // try again on the next record
    });
    this.fd = fd;
    return fd;
  }

  /** Newest first (lines whose record has resolved). */
  read(limit: number): AuditEntry[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n').filter((l) => l.length > 0);
    return lines.slice(-limit).reverse().map((l) => JSON.parse(l) as AuditEntry);
  }

  /** Waits for the lines recorded so far, then closes the file. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    const fd = this.fd;
    this.fd = null;
    if (fd) {
      const n = await fd.catch(() => null);
      if (n !== null) await new Promise<void>((resolve) => closeFd(n, () => resolve()));
    }
  }
}

/** write(2) until the whole buffer is in (a regular file takes it in one call unless the disk is full). */
function writeAll(fd: number, buffer: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const step = (offset: number) => {
      write(fd, buffer, offset, buffer.length - offset, null, (error, written) => {
        if (error) return reject(error);
        if (offset + written < buffer.length) return step(offset + written);
        resolve();
      });
    };
    step(0);
  });
}
