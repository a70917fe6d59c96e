import { Command } from 'commander';
import { globals, positiveInt } from '../context.ts';
import { runSimulation, summarise } from './simulate.ts';

/**
 * The main job on the embedded default: the whole loop on a synthetic call centre —
 * generate and ingest its history, then day after day the nightly run (features, segments,
 * models, gate, scores, publish) and a dialing day, model vs random vs oracle.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole loop on a small synthetic call centre (generate, ingest, nightly runs, dialing days)')
    .option('--customers <n>', 'customers in the synthetic call centre', positiveInt('--customers'), 3_000)
    .option('--days <n>', 'simulated dialing days', positiveInt('--days'), 3)
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 42)
    .action(async (opts: { customers: number; days: number; seed: number }, command: Command) => {
      const { dataDir } = globals(command);
      console.log(`demo: data in ${dataDir}`);
      const result = await runSimulation(dataDir, {
        customers: opts.customers,
        days: opts.days,
        seed: opts.seed,
        historyDays: 60,
        dialsPerDay: 600,
        lines: 10,
        exploration: 0.1,
        k: 3,
      });
      console.log(summarise(result));
      console.log(`\nnext: dialwise runs · dialwise models list · dialwise segment profiles · dialwise quarantine  (all with --data-dir ${dataDir})`);
      console.log(`      dashboards: dialwise serve token add --role analyst --name you, then dialwise serve (same --data-dir)`);
      console.log(`      notebooks:  DIALWISE_HOME=${dataDir} jupyter notebook notebooks/  (kernel "TypeScript (Dialwise)")`);
    });
}
