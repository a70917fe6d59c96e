import { Command } from 'commander';
import { withWarehouse } from '../../warehouse/index.ts';
import { globals } from '../context.ts';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('create the warehouse or bring its schema up to date (every writing command does this too)')
    .action(async (_opts: unknown, command: Command) => {
      const { dataDir } = globals(command);
      await withWarehouse(dataDir, {}, async (wh) => {
        const { applied, current } = wh.migrations;
        console.log(applied.length ? `applied migrations ${applied.join(', ')}; schema version ${current}` : `schema is up to date (version ${current})`);
      });
    });
}
