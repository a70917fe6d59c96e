import { Command } from 'commander';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, positiveInt } from '../context.ts';

export function quarantineCommand(): Command {
  return new Command('quarantine')
    .description('show quarantined input rows with their file, line and reason')
    .option('--run <ingest_run_id>', 'only rows of this ingest run')
    .option('--source <name>', 'only rows from this source file')
    .option('--limit <n>', 'rows to show', positiveInt('--limit'), 50)
    .option('--json', 'print JSON')
    .action(async (opts: { run?: string; source?: string; limit: number; json?: boolean }, command: Command) => {
      const { dataDir } = globals(command);
      await withWarehouse(dataDir, { readOnly: true }, async (wh) => {
        const rows = await wh.query<{ source: string; line_number: number | null; field: string | null; reason: string; raw: string }>(
          `SELECT source, line_number, field, reason, raw FROM quarantine
           WHERE ($run IS NULL OR ingest_run_id = $run) AND ($source IS NULL OR source = $source)
           ORDER BY quarantined_at DESC, source, line_number LIMIT $limit`,
          { run: opts.run ?? null, source: opts.source ?? null, limit: opts.limit },
        );
        if (opts.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (!rows.length) console.log('no quarantined rows');
        for (const r of rows) console.log(`${r.source}:${r.line_number ?? '?'}  ${r.reason}\n    ${r.raw.slice(0, 200)}`);
      });
    });
}
