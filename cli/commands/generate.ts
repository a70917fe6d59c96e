import { join } from 'node:path';
import { Command } from 'commander';
import { generate, type GenerateManifest } from '../../simulation/index.ts';
import { globals, isoTime, nonNegativeNumber, positiveInt } from '../context.ts';
import { CountProgress } from '../progress.ts';

export interface GenerateRun {
  outDir: string;
  manifest: GenerateManifest;
}

/** Generates a synthetic call centre into `outDir`, drawing a progress bar per step. */
export async function runGenerate(
  options: { customers: number; days: number; seed: number; outDir: string; dirtyShare: number; endDate?: Date },
  quiet = false,
): Promise<GenerateRun> {
  const progress = new CountProgress('generate', quiet);
  try {
    const manifest = await generate({
      customers: options.customers,
      days: options.days,
      seed: options.seed,
      outDir: options.outDir,
      dirtyShare: options.dirtyShare,
      ...(options.endDate ? { endDate: options.endDate } : {}),
      onProgress: (p) => progress.update(`step ${p.stepIndex}/${p.steps} ${p.step}`, p.rows, Math.max(p.total, p.rows)),
    });
    return { outDir: options.outDir, manifest };
  } finally {
    progress.stop();
  }
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('generate a synthetic call centre (customers, events, call log with dirty rows, and the ground truth)')
    .option('--customers <n>', 'number of customers', positiveInt('--customers'), 10_000)
    .option('--days <n>', 'days of call history', positiveInt('--days'), 90)
    .option('--seed <n>', 'random seed (same seed, same files)', positiveInt('--seed'), 42)
    .option('--dirty-share <x>', 'share of dirty rows in each export (0–0.5)', nonNegativeNumber('--dirty-share', 0.5), 0.01)
    .option('--end <time>', 'end of the history (default: start of today, UTC)', isoTime('--end'))
    .option('--out <dir>', 'output folder (default: <data-dir>/generated)')
    .option('--json', 'print the manifest as JSON')
    .action(async (opts: { customers: number; days: number; seed: number; dirtyShare: number; end?: Date; out?: string; json?: boolean }, command: Command) => {
      const { dataDir } = globals(command);
      const outDir = opts.out ?? join(dataDir, 'generated');
      const { manifest } = await runGenerate(
        { customers: opts.customers, days: opts.days, seed: opts.seed, outDir, dirtyShare: opts.dirtyShare, endDate: opts.end },
        opts.json,
      );
      if (opts.json) {
        console.log(JSON.stringify(manifest, null, 2));
        return;
      }
      console.log(`generated into ${outDir} (seed ${manifest.seed}, ${manifest.window.start} → ${manifest.window.end})`);
      const c = manifest.counts;
      console.log(`  customers ${c.customers.toLocaleString('en-US')} · events ${c.events.toLocaleString('en-US')} · attempts ${c.attempts.toLocaleString('en-US')} · answered ${c.answered.toLocaleString('en-US')} · conversions ${c.conversions.toLocaleString('en-US')}`);
      for (const [name, file] of Object.entries(manifest.files)) {
        if (file.kind === 'customers' || file.kind === 'events' || file.kind === 'call-attempts') {
          console.log(`  ${name.padEnd(20)} ${String(file.rows ?? '').padStart(10)} rows (${file.dirtyRows ?? 0} dirty)  → dialwise ingest ${join(outDir, name)} --kind ${file.kind} --mapping ${join(outDir, file.mapping ?? '')}`);
        }
      }
    });
}
