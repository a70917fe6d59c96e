import { CommanderError } from 'commander';
import { DialwiseError } from '../contracts/index.ts';
import { buildProgram } from './program.ts';

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
