import { Command } from 'commander';
import { dataDirOption, defaultDataDir } from './context.ts';
import { demoCommand } from './commands/demo.ts';
import { featuresCommand } from './commands/features.ts';
import { generateCommand } from './commands/generate.ts';
import { ingestCommand } from './commands/ingest.ts';
import { migrateCommand } from './commands/migrate.ts';
import { nightlyCommand } from './commands/nightly.ts';
import { simulateCommand } from './commands/simulate.ts';
import { modelsCommand } from './commands/models.ts';
import { quarantineCommand } from './commands/quarantine.ts';
import { runsCommand } from './commands/runs.ts';
import { segmentCommand } from './commands/segment.ts';
import { serveCommand } from './commands/serve.ts';
import { trainCommand } from './commands/train.ts';

/** The composition root: every `dialwise` command, each with --help and --data-dir. */
export function buildProgram(): Command {
  const program = new Command('dialwise')
    .description('Dialwise — data and ML platform for outbound calling')
    .addOption(dataDirOption().default(defaultDataDir()))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [demoCommand(), generateCommand(), ingestCommand(), quarantineCommand(), featuresCommand(), segmentCommand(), nightlyCommand(), simulateCommand(), runsCommand(), migrateCommand(), trainCommand(), modelsCommand(), serveCommand()]) {
    withSharedOptions(command);
    program.addCommand(command);
  }
  return program;
}

/** Every command and subcommand, at any depth: --data-dir after its own name, usage on bad arguments. */
function withSharedOptions(command: Command): void {
  command.addOption(dataDirOption()).showHelpAfterError('(run with --help for usage)').exitOverride();
  for (const sub of command.commands) withSharedOptions(sub);
}
