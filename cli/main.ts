import { Command, CommanderError, Option } from 'commander';
import { DialwiseError } from '../contracts/index.ts';
import { defaultDataDir } from './context.ts';
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
    .addOption(new Option('--data-dir <dir>', 'where the warehouse and published runs live').env('DIALWISE_HOME').default(defaultDataDir()))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [demoCommand(), generateCommand(), ingestCommand(), quarantineCommand(), featuresCommand(), segmentCommand(), nightlyCommand(), simulateCommand(), runsCommand(), migrateCommand(), trainCommand(), modelsCommand(), serveCommand()]) {
    // every subcommand also accepts --data-dir after its own name
    command.addOption(new Option('--data-dir <dir>', 'where the warehouse and published runs live').env('DIALWISE_HOME'));
    command.showHelpAfterError('(run with --help for usage)').exitOverride();
    program.addCommand(command);
  }
  return program;
}

async function main(): Promise<void> {
  // `dialwise runs | head` closes the pipe early; that is not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed the message (or the help)
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof DialwiseError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  }
}

await main();
