import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Warehouse } from '../../warehouse/index.ts';
import { ingestFile, sha256File, type IngestReport } from '../ingest/index.ts';

export const OUTCOMES_DIR = 'outcomes';

/**
 * Ingests the dialer's closed outcome segments (`<data-dir>/outcomes/*.ndjson`; open ones end
 * in `.open` and are left alone). Segments already ingested (same content hash) are skipped;
 * ingest is idempotent on attempt_id anyway, so a segment seen twice adds nothing.
 */
export async function ingestOutcomeSegments(
  wh: Warehouse,
  dataDir: string,
  onFile?: (file: string, index: number, total: number) => void,
): Promise<{ files: number; skipped: number; reports: IngestReport[] }> {
  const dir = join(dataDir, OUTCOMES_DIR);
  if (!existsSync(dir)) return { files: 0, skipped: 0, reports: [] };
  const segments = readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .sort();
  const reports: IngestReport[] = [];
  let skipped = 0;
  for (const [i, name] of segments.entries()) {
    const path = join(dir, name);
    const sha = await sha256File(path);
    const seen = await wh.query(`SELECT 1 FROM ingest_runs WHERE file_sha256 = $1 AND status = 'succeeded' LIMIT 1`, [sha]);
    if (seen.length) {
      skipped++;
      continue;
    }
    onFile?.(name, i + 1, segments.length);
    reports.push(await ingestFile(wh, path, { kind: 'call-attempts', source: `outcomes/${name}` }));
  }
  return { files: segments.length, skipped, reports };
}
