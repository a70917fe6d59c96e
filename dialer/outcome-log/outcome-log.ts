import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
  ftruncateSync,
} from 'node:fs';
import { join } from 'node:path';
import type { CallAttemptRecord } from '../../contracts/call-attempt.ts';
import { OutcomeLogError } from '../errors.ts';

/** Where outcome segments live under a data directory. */
export const OUTCOMES_DIR = 'outcomes';
const OPEN_SUFFIX = '.ndjson.open';
const CLOSED_SUFFIX = '.ndjson';

/**
 * One outcome line: the canonical `call_attempts` fields (what ingest loads) plus `scores` —
 * what the ranking saw when it chose the dial (ingest lists unknown keys as ignored columns).
 */
export interface OutcomeRecord extends CallAttemptRecord {
  scores?: {
    source: string;
    p_answer: number;
    p_convert: number;
    expected_value: number;
    local_hour_of_week: number;
    pool_size: number;
  };
}

export interface OutcomeLogOptions {
  /** Directory of the segments (usually `<data-dir>/outcomes`). */
  dir: string;
  /** This dialer's id: segment files are `<dialerId>-<seq>.ndjson[.open]`. Letters, digits, `_ . -`. */
  dialerId: string;
  /** fsync after this many records… (default 256) */
  syncEveryRecords?: number;
  /** …or when this many milliseconds of wall time have passed since the last fsync (default 200). */
  syncEveryMs?: number;
  /** Close the segment and start the next after this many records (default 100,000). */
  maxRecordsPerSegment?: number;
  /** Called after every fsync with the total number of records known durable. */
  onSync?: (syncedTotal: number) => void;
}

export interface RecoveredSegment {
  /** The closed path the leftover now has (null when it held no complete line and was removed). */
  path: string | null;
  from: string;
  lines: number;
  /** Bytes of a torn last line that were cut off. */
  truncatedBytes: number;
}

const ID_RE = /^[A-Za-z0-9_.-]+$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** `<dir>/<dialerId>-<seq>.ndjson[.open]`, seq zero-padded so names sort in order. */
export function segmentPath(dir: string, dialerId: string, seq: number, open: boolean): string {
  return join(dir, `${dialerId}-${String(seq).padStart(6, '0')}${open ? OPEN_SUFFIX : CLOSED_SUFFIX}`);
}

function segmentsOf(dir: string, dialerId: string): { name: string; seq: number; open: boolean }[] {
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${escapeRe(dialerId)}-(\\d+)\\.ndjson(\\.open)?$`);
  const out: { name: string; seq: number; open: boolean }[] = [];
  for (const name of readdirSync(dir)) {
    const m = re.exec(name);
    if (m) out.push({ name, seq: Number(m[1]), open: m[2] !== undefined });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Offset just past the last '\n' in the file (0 if none), scanning backwards in blocks. */
function endOfLastLine(fd: number, size: number): number {
  const block = Buffer.allocUnsafe(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const n = readSync(fd, block, 0, end - start, start);
    for (let i = n - 1; i >= 0; i--) if (block[i] === 0x0a) return start + i + 1;
    end = start;
  }
  return 0;
}

function countLines(fd: number, size: number): number {
  const block = Buffer.allocUnsafe(256 * 1024);
  let lines = 0;
  for (let pos = 0; pos < size; ) {
    const n = readSync(fd, block, 0, Math.min(block.length, size - pos), pos);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) if (block[i] === 0x0a) lines++;
    pos += n;
  }
  return lines;
}

/**
 * Closes the `.open` segments a crashed dialer left behind: a torn last line (no newline) is cut
 * off, the file is fsynced and renamed to `.ndjson`, so ingest sees only whole lines. A leftover
 * with no complete line is removed. Only `dialerId`'s segments are touched (another dialer may be
 * writing its own right now); without `dialerId`, every `.open` segment in `dir` is — use that
 * only when no dialer runs.
 */
export function recoverOpenSegments(dir: string, dialerId?: string): RecoveredSegment[] {
  if (!existsSync(dir)) return [];
  const names =
    dialerId === undefined
      ? readdirSync(dir).filter((n) => n.endsWith(OPEN_SUFFIX))
      : segmentsOf(dir, dialerId)
          .filter((s) => s.open)
          .map((s) => s.name);
  const out: RecoveredSegment[] = [];
  for (const name of names) {
    const from = join(dir, name);
    const to = from.slice(0, -'.open'.length);
    if (existsSync(to)) throw new OutcomeLogError(`cannot recover ${from}: ${to} already exists (move one of them aside by hand)`);
    const fd = openSync(from, 'r+');
    let lines = 0;
    let cut = 0;
    try {
      const size = fstatSync(fd).size;
      const keep = endOfLastLine(fd, size);
      cut = size - keep;
      if (cut > 0) ftruncateSync(fd, keep);
      lines = countLines(fd, keep);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (lines === 0) {
      unlinkSync(from);
      out.push({ path: null, from, lines, truncatedBytes: cut });
    } else {
      renameSync(from, to);
      out.push({ path: to, from, lines, truncatedBytes: cut });
    }
  }
  if (out.length) fsyncDir(dir);
  return out;
}

/**
 * The dialer's outcome log: every attempt becomes one NDJSON line of the current segment
 * `<dialerId>-<seq>.ndjson.open`. Lines are collected into a batch that is written with
 * `writeSync` on the segment's fd and fsynced every `syncEveryRecords` records or `syncEveryMs`
 * of wall time (whichever comes first), and a segment is closed by fsync + rename to `.ndjson` —
 * only closed segments are for ingest. A kill -9 loses at most the batch not yet synced, and
 * the next `open()` closes the leftover, cutting a torn last line (a write cut short by the
 * kill) so every line ingest sees is whole.
 */
export class OutcomeLog {
  readonly dir: string;
  readonly dialerId: string;
  /** Leftovers of an earlier run closed by `open()`. */
  readonly recovered: readonly RecoveredSegment[];
  private readonly syncEveryRecords: number;
  private readonly syncEveryMs: number;
  private readonly maxRecords: number;
  private readonly onSync: ((n: number) => void) | null;
  private fd: number | null = null;
  private path: string | null = null;
  private seq: number;
  private inSegment = 0;
  private unsynced = 0;
  private total = 0;
  private durable = 0;
  private lastSync = Date.now();
  /** Lines appended since the last sync, not yet written. */
  private batch: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closedPaths: string[] = [];
  private closed = false;

  private constructor(opts: OutcomeLogOptions, recovered: RecoveredSegment[], nextSeq: number) {
    this.dir = opts.dir;
    this.dialerId = opts.dialerId;
    this.recovered = recovered;
    this.syncEveryRecords = Math.max(1, opts.syncEveryRecords ?? 256);
    this.syncEveryMs = Math.max(0, opts.syncEveryMs ?? 200);
    this.maxRecords = Math.max(1, opts.maxRecordsPerSegment ?? 100_000);
    this.onSync = opts.onSync ?? null;
    this.seq = nextSeq;
  }

  /** Opens the log: creates the directory, closes this dialer's leftovers, picks the next sequence number. */
  static open(opts: OutcomeLogOptions): OutcomeLog {
    if (!ID_RE.test(opts.dialerId)) throw new OutcomeLogError(`dialer id '${opts.dialerId}' must be letters, digits, '_', '.' or '-'`);
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (cause) {
      throw new OutcomeLogError(`cannot create outcome directory ${opts.dir}: ${(cause as Error).message}`, { cause });
    }
    const recovered = recoverOpenSegments(opts.dir, opts.dialerId);
    const existing = segmentsOf(opts.dir, opts.dialerId);
    const next = existing.length ? existing[existing.length - 1]!.seq + 1 : 1;
    return new OutcomeLog(opts, recovered, next);
  }

  /** Opens the log in `<dataDir>/outcomes`. */
  static openInDataDir(dataDir: string, opts: Omit<OutcomeLogOptions, 'dir'>): OutcomeLog {
    return OutcomeLog.open({ ...opts, dir: join(dataDir, OUTCOMES_DIR) });
  }

  /** Records appended so far (written at the next sync). */
  get appended(): number {
    return this.total;
  }

  /** Records known to be on disk (fsynced). */
  get synced(): number {
    return this.durable;
  }

  /** Path of the segment being written, or null. */
  get currentPath(): string | null {
    return this.path;
  }

  /** Segments this log has closed. */
  get closedSegments(): readonly string[] {
    return this.closedPaths;
  }

  private ensureSegment(): number {
    if (this.closed) throw new OutcomeLogError('the outcome log is closed');
    if (this.fd !== null) return this.fd;
    const path = segmentPath(this.dir, this.dialerId, this.seq, true);
    try {
      this.fd = openSync(path, 'wx');
    } catch (cause) {
      throw new OutcomeLogError(`cannot create outcome segment ${path}: ${(cause as Error).message}`, { cause });
    }
    this.path = path;
    this.inSegment = 0;
    fsyncDir(this.dir);
    if (this.syncEveryMs > 0 && this.timer === null) {
      // Idle periods of a live dialer: make the last records durable within syncEveryMs.
      this.timer = setInterval(() => {
        if (this.unsynced > 0 && Date.now() - this.lastSync >= this.syncEveryMs) this.sync();
      }, this.syncEveryMs);
      this.timer.unref();
    }
    return this.fd;
  }

  /** Appends one record as a line (durable at the next sync). */
  append(record: OutcomeRecord): void {
    this.ensureSegment();
    this.batch.push(JSON.stringify(record));
    this.total++;
    this.inSegment++;
    this.unsynced++;
    if (this.unsynced >= this.syncEveryRecords || Date.now() - this.lastSync >= this.syncEveryMs) this.sync();
    if (this.inSegment >= this.maxRecords) this.rotate();
  }

  /** Writes the pending batch and fsyncs the current segment. */
  sync(): void {
    if (this.fd === null || this.unsynced === 0) {
      this.lastSync = Date.now();
      return;
    }
    const buf = Buffer.from(this.batch.join('\n') + '\n', 'utf8');
    this.batch = [];
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (cause) {
      throw new OutcomeLogError(`cannot write to ${this.path}: ${(cause as Error).message}`, { cause });
    }
    fsyncSync(this.fd);
    this.durable += this.unsynced;
    this.unsynced = 0;
    this.lastSync = Date.now();
    this.onSync?.(this.durable);
  }

  /** Closes the current segment (fsync + rename to `.ndjson`) so ingest can take it; returns its path. */
  rotate(): string | null {
    if (this.fd === null) return null;
    this.sync();
    closeSync(this.fd);
    this.fd = null;
    const from = this.path!;
    this.path = null;
    let to: string | null = null;
    if (this.inSegment === 0) unlinkSync(from);
    else {
      to = segmentPath(this.dir, this.dialerId, this.seq, false);
      renameSync(from, to);
      this.closedPaths.push(to);
    }
    fsyncDir(this.dir);
    this.seq++;
    this.inSegment = 0;
    return to;
  }

  /** Closes the current segment and the log. Returns every segment this log closed. */
  close(): readonly string[] {
    if (this.closed) return this.closedPaths;
    this.rotate();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closed = true;
    return this.closedPaths;
  }
}
