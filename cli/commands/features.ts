import { Command } from 'commander';
import { buildSnapshot, formatFeatureList, listFeatures, type SnapshotResult } from '../../features/index.ts';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals, isoTime } from '../context.ts';
import { StepProgress } from '../progress.ts';

/** `dialwise features --as-of <time>` builds a point-in-time snapshot; `dialwise features list` shows the registry. */
export function featuresCommand(): Command {
  const command = new Command('features')
    .description('build a point-in-time feature snapshot of every customer (see `features list` for the features)')
    .option('--as-of <time>', 'snapshot time: only data before it is used (default: now)', isoTime('--as-of'))
    .option('--skip-drift', 'do not compare with the previous snapshot')
    .option('--json', 'print the snapshot report as JSON')
    .option('--quiet', 'no progress output')
    .action(async (opts: { asOf?: Date; skipDrift?: boolean; json?: boolean; quiet?: boolean }, cmd: Command) => {
      const { dataDir } = globals(cmd);
      const asOf = opts.asOf ?? new Date();
      const progress = new StepProgress('features', opts.quiet || opts.json);
      let result: SnapshotResult;
      try {
        result = await withWarehouse(dataDir, {}, (wh) =>
          buildSnapshot(wh, {
            asOf,
            ...(opts.skipDrift ? { skipDrift: true } : {}),
            onProgress: (p) => progress.update(p.step, p.steps, p.label, p.rows),
          }),
        );
      } finally {
        progress.stop();
      }
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(
        `snapshot ${result.snapshotId} as of ${result.asOf.toISOString()}: ${result.rows.toLocaleString('en-US')} customers × ` +
          `${result.featureCount} features in ${(result.buildSeconds ?? 0).toFixed(1)} s`,
      );
      const drift = result.drift;
      if (drift) {
        console.log(
          `drift vs snapshot ${drift.baselineSnapshotId}: max PSI ${drift.maxPsi.toFixed(3)}` +
            (drift.alarms.length ? ` · alarms (PSI ≥ ${drift.threshold}): ${drift.alarms.join(', ')}` : ' · no alarms'),
        );
      }
    });

  command
    .command('list')
    .description('list every feature: family, name, type, meaning')
    .option('--json', 'print the registry as JSON')
    .action((opts: { json?: boolean }) => {
      console.log(opts.json ? JSON.stringify(listFeatures(), null, 2) : formatFeatureList());
    });
  return command;
}
