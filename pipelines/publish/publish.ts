import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CURRENT_FILE,
  LEADS_FILE,
  MANIFEST_FILE,
  PUBLISHED_DIR,
  PUBLISHED_SCHEMA_VERSION,
  PublishedRunError,
  readCurrentRun,
  readRun,
  SCORES_FILE,
  SEGMENTS_FILE,
  type PublishedManifest,
  type PublishedRunRef,
} from '../../contracts/index.ts';
import { quoteLiteralPath, type Warehouse } from '../../warehouse/index.ts';

export interface PublishInput {
  dataDir: string;
  runId: string;
  asOf: Date;
  modelVersions: Record<string, string>;
  /** SELECTs producing exactly the published columns (see contracts/published-run.ts) */
  scoresSql: string;
  leadsSql: string;
  segmentsSql: string;
  /** published runs to keep besides the current one (default 7) */
  keep?: number;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Writes `content` to `path` so that a crash leaves either the old file or the new one. */
export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncPath(join(path, '..'));
}

/**
 * Publishes a run: writes its files into a hidden folder, fsyncs them, writes the manifest,
 * renames the folder into place, and only then switches `CURRENT` (write, fsync, rename). A
 * crash at any point leaves CURRENT on the last complete run.
 */
export async function publishRun(wh: Warehouse, input: PublishInput): Promise<PublishedRunRef> {
  const root = join(input.dataDir, PUBLISHED_DIR);
  mkdirSync(root, { recursive: true });
  removeIncomplete(root);
  const finalDir = join(root, input.runId);
  if (existsSync(finalDir)) throw new PublishedRunError(`run ${input.runId} is already published`);
  const tmpDir = join(root, `.tmp-${input.runId}`);
  mkdirSync(tmpDir);
  const files: PublishedManifest['files'] = {};
  const rowCounts: PublishedManifest['row_counts'] = {};
  for (const [name, sql] of [
    [SCORES_FILE, input.scoresSql],
    [LEADS_FILE, input.leadsSql],
    [SEGMENTS_FILE, input.segmentsSql],
  ] as const) {
    const path = join(tmpDir, name);
    await wh.run(`COPY (${sql}) TO ${quoteLiteralPath(path)} (FORMAT parquet, COMPRESSION zstd)`);
    fsyncPath(path);
    const count = await wh.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet(${quoteLiteralPath(path)})`);
    rowCounts[name.replace('.parquet', '')] = count.n;
    files[name] = { sha256: sha256(path), bytes: statSync(path).size };
  }
  const manifest: PublishedManifest = {
    schema_version: PUBLISHED_SCHEMA_VERSION,
    run_id: input.runId,
    as_of: input.asOf.toISOString(),
    created_at: new Date().toISOString(),
    model_versions: input.modelVersions,
    row_counts: rowCounts,
    files,
  };
  writeFileAtomic(join(tmpDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  fsyncPath(tmpDir);
  renameSync(tmpDir, finalDir);
  fsyncPath(root);
  writeFileAtomic(join(root, CURRENT_FILE), `${input.runId}\n`);
  prune(root, input.runId, input.keep ?? 7);
  return { runId: input.runId, dir: finalDir, manifest };
}

/** Checks a published run's files against its manifest (sizes and checksums). */
export function verifyRun(dataDir: string, runId?: string): PublishedRunRef {
  const ref = runId ? readRun(dataDir, runId) : readCurrentRun(dataDir);
  for (const [name, meta] of Object.entries(ref.manifest.files)) {
    const path = join(ref.dir, name);
    if (!existsSync(path)) throw new PublishedRunError(`published run ${ref.runId} is missing ${name}`);
    if (statSync(path).size !== meta.bytes || sha256(path) !== meta.sha256) {
      throw new PublishedRunError(`published run ${ref.runId}: ${name} does not match its manifest checksum`);
    }
  }
  return ref;
}

/** Half-written runs from a crash are hidden folders; they are never read, and are removed here. */
function removeIncomplete(root: string): void {
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.tmp-')) rmSync(join(root, entry), { recursive: true, force: true });
  }
}

function prune(root: string, current: string, keep: number): void {
  const runs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== current && existsSync(join(root, e.name, MANIFEST_FILE)))
    .map((e) => ({ name: e.name, created: statSync(join(root, e.name, MANIFEST_FILE)).mtimeMs }))
    .sort((a, b) => b.created - a.created);
  for (const old of runs.slice(keep)) rmSync(join(root, old.name), { recursive: true, force: true });
}
