import { Command } from 'commander';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, isoTime, nonNegativeInt, nonNegativeNumber, positiveInt } from '../context.ts';
import { dayLabel, POLICIES, simulate, type SimulationResult } from '../simulate/loop.ts';

export interface SimulateCliOptions {
  customers: number;
  days: number;
  seed: number;
  historyDays: number;
  dialsPerDay: number;
  newLeadsPerDay?: number;
  lines: number;
  exploration: number;
  k?: number;
  /** where the simulated days end (UTC midnight; default: the start of today) */
  end?: Date;
  /** dial the budget as fast as the lines allow instead of spreading it over the day */
  burst?: boolean;
}

export async function runSimulation(dataDir: string, opts: SimulateCliOptions): Promise<SimulationResult> {
  return withWarehouse(dataDir, {}, (wh) =>
    simulate(wh, { dataDir, ...opts, spreadDials: opts.burst !== true, onLog: (line) => console.log(line) }),
  );
}

/** Model vs random vs oracle over the whole run: conversions per 1,000 dials and the ratios. */
export function summarise(result: SimulationResult): string {
  const total = (policy: (typeof POLICIES)[number]) => {
    const dials = result.days.reduce((s, d) => s + d.stats[policy].dials, 0);
    const conv = result.days.reduce((s, d) => s + d.stats[policy].conversions, 0);
    const violations = result.days.reduce((s, d) => s + d.stats[policy].complianceViolations + d.stats[policy].scheduleViolations, 0);
    const expected = result.days.reduce((s, d) => s + d.expectedConversions[policy], 0);
    return { dials, conv, per1000: dials ? (1000 * conv) / dials : 0, expectedPer1000: dials ? (1000 * expected) / dials : 0, violations };
  };
  const m = total('model');
  const r = total('random');
  const o = total('oracle');
  const last = result.days[result.days.length - 1];
  const lastLine = last
    ? `last day (${dayLabel(last.dayStart)}): model ${last.stats.model.conversionsPer1000Dials.toFixed(1)} vs random ${last.stats.random.conversionsPer1000Dials.toFixed(1)} vs oracle ${last.stats.oracle.conversionsPer1000Dials.toFixed(1)} conversions per 1,000 dials`
    : '';
  return [
    `simulation ${result.simId}: ${result.days.length} days`,
    `  conversions per 1,000 dials — model ${m.per1000.toFixed(1)} · random ${r.per1000.toFixed(1)} · oracle ${o.per1000.toFixed(1)}`,
    `  model ÷ random ${(r.per1000 ? m.per1000 / r.per1000 : 0).toFixed(2)} · model ÷ oracle ${(o.per1000 ? m.per1000 / o.per1000 : 0).toFixed(2)}`,
    `  expected from the true probabilities of the calls connected (no sale draws) — model ${m.expectedPer1000.toFixed(1)} · random ${r.expectedPer1000.toFixed(1)} · oracle ${o.expectedPer1000.toFixed(1)}`,
    `  compliance violations — model ${m.violations} · random ${r.violations} · oracle ${o.violations}`,
    `  ${lastLine}`,
  ].join('\n');
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('close the loop on a synthetic call centre: nightly run then a dialing day, model vs random vs oracle, day after day')
    .option('--customers <n>', 'customers in the synthetic call centre', positiveInt('--customers'), 5_000)
    .option('--days <n>', 'simulated dialing days', positiveInt('--days'), 7)
    .option('--seed <n>', 'random seed', positiveInt('--seed'), 42)
    .option('--history-days <n>', 'days of call history before the first simulated day', positiveInt('--history-days'), 60)
    .option('--dials-per-day <n>', 'daily dial budget per policy, spread evenly over the day', positiveInt('--dials-per-day'), 1_000)
    .option('--new-leads-per-day <n>', 'new customers joining the list on each simulated day (scored from the next night)', nonNegativeInt('--new-leads-per-day'), 0)
    .option('--burst', 'dial the daily budget as fast as the lines allow from midnight UTC instead of spreading it over the day')
    .option('--lines <n>', 'concurrent robot lines', positiveInt('--lines'), 50)
    .option('--exploration <x>', 'share of dials that explore', nonNegativeNumber('--exploration', 1), 0.1)
    .option('--end <date>', 'where the simulated days end, UTC midnight, not after today (default: the start of today); pin it to rerun a simulation as it was', isoTime('--end'))
    .option('--k <n>', 'a fixed number of segments (default: chosen by silhouette)', positiveInt('--k'))
    .action(async (opts: SimulateCliOptions, command: Command) => {
      const { dataDir } = globals(command);
      const result = await runSimulation(dataDir, opts);
      console.log(summarise(result));
    });
}
