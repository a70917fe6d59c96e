import { DialwiseError } from '../../contracts/index.ts';

/** The caller passed data or options the segment maths cannot work with. */
export class SegmentsInputError extends DialwiseError {
  constructor(message: string) {
    super('SEGMENTS_INPUT', message);
  }
}

/** A worker of the K-Means engine failed or exited; the fit was abandoned. */
export class SegmentsWorkerError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEGMENTS_WORKER', message, options);
  }
}
