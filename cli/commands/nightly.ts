import { Command } from 'commander';
import { DEFAULT_KEEP_NIGHTS, runNightly, type RunResult } from '../../pipelines/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, isoTime, positiveInt } from '../context.ts';

/** Runs the nightly pipeline with a line per step (step n of m, time, rows). */
export async function nightlyWithProgress(
  dataDir: string,
  options: { asOf?: Date; gateDays?: number; k?: number; seed?: number; keepNights?: number; resume?: string },
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<RunResult> {
  return withWarehouse(dataDir, {}, (wh) =>
    runNightly(wh, {
      dataDir,
      ...(options.asOf ? { asOf: options.asOf } : {}),
      ...(options.gateDays !== undefined ? { gateDays: options.gateDays } : {}),
      ...(options.k !== undefined ? { k: options.k } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.keepNights !== undefined ? { keepNights: options.keepNights } : {}),
      ...(options.resume ? { resumeRunId: options.resume } : {}),
      events: {
        onStepStart: (step, i, n) => log(`nightly: step ${i}/${n} ${step} …`),
        onStepEnd: (step, i, n, r) =>
          log(
            `nightly: step ${i}/${n} ${step} ${r.status} in ${r.seconds.toFixed(1)} s${r.rows !== undefined ? ` · ${r.rows.toLocaleString('en-US')} rows` : ''}${r.error ? ` — ${r.error}` : ''}`,
          ),
      },
    }),
  );
}

export function nightlyCommand(): Command {
  return new Command('nightly')
    .description('the nightly run: ingest outcomes → features → graph → segments → train → gate → score → publish → retention')
    .option('--as-of <time>', 'the night to run (default: now); backfills a past night', isoTime('--as-of'))
    .option('--gate-days <n>', 'days held back to compare candidate and champion', positiveInt('--gate-days'), 7)
    .option('--k <n>', 'a fixed number of segments (default: chosen by silhouette)', positiveInt('--k'))
    .option('--seed <n>', 'seed of training and segmentation', positiveInt('--seed'))
    .option('--keep-nights <n>', 'nights whose customer-level rows (snapshots, graph, segments) are kept; older ones keep summaries only', positiveInt('--keep-nights'), DEFAULT_KEEP_NIGHTS)
    .option('--resume <run_id>', 'retry a failed run from its failed step')
    .option('--json', 'print the run result as JSON')
    .action(async (opts: { asOf?: Date; gateDays: number; k?: number; seed?: number; keepNights: number; resume?: string; json?: boolean }, command: Command) => {
      const { dataDir } = globals(command);
      const result = await nightlyWithProgress(dataDir, opts);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else console.log(`${result.runId}: ${result.status}${result.error ? ` — ${result.error} (retry: dialwise nightly --resume ${result.runId})` : ''}`);
      if (result.status !== 'succeeded') process.exitCode = 1;
    });
}
