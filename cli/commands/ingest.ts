import { Command, Option } from 'commander';
import { INGEST_KINDS, type IngestKind } from '../../contracts/index.ts';
import { formatReport, ingestFile, type IngestReport } from '../../pipelines/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals } from '../context.ts';
import { StepProgress } from '../progress.ts';

/** The mapping file's keys, so `ingest --help` answers "how do I read this export?" (schema: contracts/mapping.ts). */
const MAPPING_HELP = `
Mapping file keys (all optional):
  columns           {"SourceName": "canonical_field", …}
  values            {"field": {"source value": canonical value, …}, …}
  nulls             values read as null in every column (default "", NA, N/A, null, unknown)
  timestampFormats  {"field": ["%d/%m/%Y %H:%M", …]}, tried after ISO-8601
  defaultRegion     country for national phone numbers (default US)
  defaultTimezone   IANA zone for naive times when the customer's is unknown (default UTC)
  encoding          text encoding, e.g. windows-1252 (default utf-8; UTF-16 found by its BOM)
  decimalSeparator  "." (default) or ","
  skipLines         lines before the header (an Excel "sep=;" line is found by itself)
  source            source name recorded on every row`;

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('load customer, event or call-log files (CSV, Parquet, NDJSON, .gz) into the warehouse, quarantining bad rows')
    .argument('<files...>', 'files to ingest, in order')
    .addOption(new Option('--kind <kind>', 'what the files hold').choices([...INGEST_KINDS]).makeOptionMandatory())
    .option('--mapping <file>', 'column/value mapping JSON (source names → canonical fields)')
    .option('--source <name>', 'source name recorded on every row (default: the file name)')
    .option('--json', 'print the reports as JSON on stdout')
    .option('--quiet', 'no progress output')
    .addHelpText('after', MAPPING_HELP)
    .action(async (files: string[], opts: { kind: IngestKind; mapping?: string; source?: string; json?: boolean; quiet?: boolean }, command: Command) => {
      const { dataDir } = globals(command);
      const reports: IngestReport[] = [];
      await withWarehouse(dataDir, {}, async (wh) => {
        for (const file of files) {
          const progress = new StepProgress(`ingest ${file}`, opts.quiet || opts.json);
          try {
            const report = await ingestFile(wh, file, {
              kind: opts.kind,
              mapping: opts.mapping,
              source: opts.source,
              onProgress: (p) => progress.update(p.step, p.steps, p.label, p.rows),
            });
            reports.push(report);
          } finally {
            progress.stop();
          }
          if (!opts.json) console.log(formatReport(reports[reports.length - 1]!));
        }
      });
      if (opts.json) console.log(JSON.stringify(reports, null, 2));
    });
}
