import { DialwiseError } from '../../../contracts/index.ts';

/** The features asked for cannot be used for segmentation (unknown, or not encodable). */
export class SegmentFeatureError extends DialwiseError {
  constructor(message: string) {
    super('SEGMENT_FEATURES', message);
  }
}

/** A segment run failed; nothing of it was written and the previous segments stay in force. */
export class SegmentRunError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEGMENT_RUN', message, options);
  }
}

/** A segment version (or any run at all) that was asked for does not exist. */
export class SegmentVersionNotFoundError extends DialwiseError {
  constructor(message: string) {
    super('SEGMENT_VERSION_NOT_FOUND', message);
  }
}
