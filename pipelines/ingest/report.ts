import type { IngestKind } from '../../contracts/index.ts';
import type { SourceFormat } from './source.ts';

export interface ReasonCount {
  field: string | null;
  reason: string;
  count: number;
}

/** What one file's ingest did. rows_read = loaded + updated + quarantined + already_present. */
export interface IngestReport {
  runId: string;
  file: string;
  source: string;
  kind: IngestKind;
  format: SourceFormat;
  /** the text encoding the file was read in ("utf-8" unless the mapping or a BOM said otherwise) */
  encoding: string;
  status: 'succeeded' | 'failed';
  rowsRead: number;
  rowsLoaded: number;
  rowsUpdated: number;
  rowsQuarantined: number;
  rowsAlreadyPresent: number;
  /** quarantine reasons of this run, most frequent first (by field and reason kind) */
  reasons: ReasonCount[];
  /** source columns that map to no canonical field and were not kept */
  ignoredColumns: string[];
  seconds: number;
  rowsPerSecond: number;
  error?: string;
}

export function formatReport(r: IngestReport): string {
  const lines = [
    `${r.file} (${r.kind}, ${r.format}${r.encoding === 'utf-8' ? '' : `, ${r.encoding}`}) — run ${r.runId}: ${r.status}`,
    `  rows read          ${r.rowsRead.toLocaleString('en-US')}`,
    `  loaded             ${r.rowsLoaded.toLocaleString('en-US')}`,
  ];
  if (r.rowsUpdated) lines.push(`  updated            ${r.rowsUpdated.toLocaleString('en-US')}`);
  lines.push(
    `  quarantined        ${r.rowsQuarantined.toLocaleString('en-US')}`,
    `  already present    ${r.rowsAlreadyPresent.toLocaleString('en-US')}`,
    `  time               ${r.seconds.toFixed(2)} s (${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s)`,
  );
  if (r.reasons.length) {
    lines.push('  quarantine reasons:');
    for (const reason of r.reasons.slice(0, 12)) lines.push(`    ${String(reason.count).padStart(8)}  ${reason.reason}`);
    if (r.reasons.length > 12) lines.push(`    … ${r.reasons.length - 12} more (dialwise quarantine --run ${r.runId})`);
  }
  if (r.ignoredColumns.length) lines.push(`  ignored columns: ${r.ignoredColumns.join(', ')}`);
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines.join('\n');
}
