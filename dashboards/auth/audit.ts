import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
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

export class AuditLog {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  static inDataDir(dataDir: string): AuditLog {
    return new AuditLog(join(dataDir, AUDIT_FILE));
  }

  /**
   * One line per read, written with a single write(2) on an O_APPEND descriptor, so lines from
   * concurrent requests never interleave. Written before the response leaves.
   */
  record(who: Principal, route: string, params: Record<string, unknown>, rows: number): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a', 0o600);
    }
    const entry: AuditEntry = { at: new Date().toISOString(), token_name: who.name, role: who.role, route, params, rows };
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  /** Newest first. */
  read(limit: number): AuditEntry[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n').filter((l) => l.length > 0);
    return lines.slice(-limit).reverse().map((l) => JSON.parse(l) as AuditEntry);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
