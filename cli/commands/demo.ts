import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { IngestKind } from '../../contracts/index.ts';
import { formatReport, ingestFile } from '../../pipelines/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, positiveInt } from '../context.ts';
import { StepProgress } from '../progress.ts';
import { runGenerate } from './generate.ts';

const EXPORTS: { file: string; kind: IngestKind }[] = [
  { file: 'customers.csv', kind: 'customers' },
  { file: 'events.csv', kind: 'events' },
  { file: 'call_log.csv', kind: 'call-attempts' },
];

/**
 * The main job on the embedded default: a synthetic call centre is generated (once per seed)
 * and loaded into the warehouse. Re-running it is safe: ingest is idempotent.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole loop on a synthetic call centre: generate it, then ingest its exports')
    .option('--customers <n>', 'customers in the synthetic call centre', positiveInt('--customers'), 5_000)
    .option('--days <n>', 'days of call history', positiveInt('--days'), 60)
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 42)
    .action(async (opts: { customers: number; days: number; seed: number }, command: Command) => {
      const { dataDir } = globals(command);
      const outDir = join(dataDir, 'generated', `seed-${opts.seed}-${opts.customers}x${opts.days}`);
      const steps = 1 + EXPORTS.length;
      console.log(`demo: data in ${dataDir}`);
      if (existsSync(join(outDir, 'manifest.json'))) console.log(`step 1/${steps} generate: already there (${outDir})`);
      else {
        console.log(`step 1/${steps} generate: ${opts.customers} customers × ${opts.days} days, seed ${opts.seed}`);
        await runGenerate({ customers: opts.customers, days: opts.days, seed: opts.seed, outDir, dirtyShare: 0.01 });
      }
      await withWarehouse(dataDir, {}, async (wh) => {
        for (const [i, e] of EXPORTS.entries()) {
          console.log(`step ${i + 2}/${steps} ingest ${e.file}`);
          const progress = new StepProgress(`  ingest ${e.file}`);
          try {
            const report = await ingestFile(wh, join(outDir, e.file), {
              kind: e.kind,
              mapping: join(outDir, e.file.replace(/\.csv$/, '.mapping.json')),
              onProgress: (p) => progress.update(p.step, p.steps, p.label, p.rows),
            });
            progress.stop();
            console.log(formatReport(report));
          } finally {
            progress.stop();
          }
        }
      });
    });
}
