import { Command } from 'commander';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, positiveInt } from '../context.ts';

interface RunRow {
  run_id: string;
  kind: string;
  as_of: Date;
  started_at: Date;
  status: string;
  published: boolean;
  error: string | null;
}

interface StepRow {
  run_id: string;
  step: string;
  attempt: number;
  status: string;
  seconds: number | null;
  rows: number | null;
  error: string | null;
}

export function runsCommand(): Command {
  return new Command('runs')
    .description('show pipeline runs (nightly, simulate) with each step\'s status, timing, rows and error, and recent ingests')
    .option('--limit <n>', 'runs to show', positiveInt('--limit'), 10)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }, command: Command) => {
      const { dataDir } = globals(command);
      await withWarehouse(dataDir, { readOnly: true }, async (wh) => {
        const runs = await wh.query<RunRow>(
          'SELECT run_id, kind, as_of, started_at, status, published, error FROM pipeline_runs ORDER BY started_at DESC LIMIT $1',
          [opts.limit],
        );
        const steps = runs.length
          ? await wh.query<StepRow>(
              `SELECT run_id, step, attempt, status, seconds, rows, error FROM pipeline_steps
               WHERE list_contains($ids::VARCHAR[], run_id) ORDER BY run_id, position, attempt`,
              { ids: runs.map((r) => r.run_id) },
            )
          : [];
        const ingests = await wh.query(
          `SELECT ingest_run_id, kind, source, status, rows_read, rows_loaded, rows_quarantined, rows_already_present, started_at
           FROM ingest_runs ORDER BY started_at DESC LIMIT $1`,
          [opts.limit],
        );
        if (opts.json) {
          console.log(JSON.stringify({ runs: runs.map((r) => ({ ...r, steps: steps.filter((s) => s.run_id === r.run_id) })), ingests }, null, 2));
          return;
        }
        if (!runs.length) console.log('no pipeline runs yet (dialwise nightly)');
        for (const r of runs) {
          console.log(`${r.run_id}  ${r.kind}  as of ${r.as_of.toISOString()}  ${r.status}${r.published ? ' · published' : ''}`);
          for (const s of steps.filter((x) => x.run_id === r.run_id)) {
            const rows = s.rows !== null ? `${s.rows.toLocaleString('en-US')} rows` : '';
            const time = s.seconds !== null ? `${s.seconds.toFixed(1)} s` : '';
            console.log(`    ${s.step.padEnd(18)} ${s.status.padEnd(10)} ${time.padStart(8)} ${rows.padStart(14)}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}${s.error ? `  ${s.error}` : ''}`);
          }
        }
        if (ingests.length) {
          console.log('\nrecent ingests:');
          for (const i of ingests as Record<string, unknown>[]) {
            console.log(`  ${String(i.ingest_run_id)}  ${String(i.kind).padEnd(13)} ${String(i.status).padEnd(9)} read ${i.rows_read ?? '-'} · loaded ${i.rows_loaded ?? '-'} · quarantined ${i.rows_quarantined ?? '-'} · present ${i.rows_already_present ?? '-'}  ${String(i.source)}`);
          }
        }
      });
    });
}
