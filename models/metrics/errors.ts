import { DialwiseError } from '../../contracts/index.ts';

/** Metric or calibrator inputs that do not fit together (lengths, empty sets, bad values). */
export class MetricsInputError extends DialwiseError {
  constructor(message: string) {
    super('METRICS_INPUT', message);
  }
}
