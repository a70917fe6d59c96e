import { DialwiseError } from '../../contracts/index.ts';

/** A scoring worker failed or exited; the scoring call was abandoned (nothing was published). */
export class ScoringWorkerError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SCORING_WORKER', message, options);
  }
}
