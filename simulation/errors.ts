import { DialwiseError } from '../contracts/index.ts';

/** Parameters that cannot make a world (bad counts, shares, dates). */
export class InvalidWorldParamsError extends DialwiseError {
  constructor(message: string) {
    super('SIM_INVALID_PARAMS', message);
  }
}

/** A generated folder that cannot be read back (missing or foreign truth/world.json). */
export class WorldNotFoundError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SIM_WORLD_NOT_FOUND', message, options);
  }
}

/** Re-created truth does not match the stored one: the generator changed since the files were made. */
export class WorldMismatchError extends DialwiseError {
  constructor(message: string) {
    super('SIM_WORLD_MISMATCH', message);
  }
}
