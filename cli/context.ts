import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';

/** Options every command shares. */
export interface GlobalOptions {
  dataDir: string;
}

export function defaultDataDir(): string {
  return process.env.DIALWISE_HOME ?? './data';
}

/** `--data-dir`, which every command and subcommand accepts after its own name. */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'where the warehouse and published runs live').env('DIALWISE_HOME');
}

/** The global options as seen from inside a subcommand's action. */
export function globals(command: Command): GlobalOptions {
  const opts = command.optsWithGlobals() as { dataDir?: string };
  return { dataDir: resolve(opts.dataDir ?? defaultDataDir()) };
}

/** Parses a positive integer option, or fails with a message that names the option. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidOptionValue(name, value, 'a positive whole number');
    return n;
  };
}

/** Parses a whole number ≥ 0, or fails with a message that names the option. */
export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidOptionValue(name, value, 'a whole number ≥ 0');
    return n;
  };
}

export function nonNegativeNumber(name: string, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > max) throw new InvalidOptionValue(name, value, `a number from 0 to ${max}`);
    return n;
  };
}

export function isoTime(name: string) {
  return (value: string): Date => {
    const d = new Date(value);
    if (Number.isNaN(d.getTime())) throw new InvalidOptionValue(name, value, 'an ISO-8601 date or time, e.g. 2024-06-01T00:00:00Z');
    return d;
  };
}


class InvalidOptionValue extends InvalidArgumentError {
  constructor(name: string, value: string, expected: string) {
    super(`${name} must be ${expected}, got "${value}"`);
  }
}
