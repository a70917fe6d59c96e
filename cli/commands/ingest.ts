import { Command, Option } from 'commander';
import { INGEST_KINDS, type IngestKind } from '../../contracts/index.ts';
import { formatReport, ingestFile, type IngestReport } from '../../pipelines/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals } from '../context.ts';
import { StepProgress } from '../progress.ts';

export function ingestCommand(): Command {
  return new Command('ingest')
    .description('load customer, event or call-log files (CSV, Parquet, NDJSON, .gz) into the warehouse, quarantining bad rows')
    .argument('<files...>', 'files to ingest, in order')
    .addOption(new Option('--kind <kind>', 'what the files hold').choices([...INGEST_KINDS]).makeOptionMandatory())
    .option('--mapping <file>', 'column/value mapping JSON (source names → canonical fields)')
    .option('--source <name>', 'source name recorded on every row (default: the file name)')
    .option('--json', 'print the reports as JSON on stdout')
    .option('--quiet', 'no progress output')
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
