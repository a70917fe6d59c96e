import { DialwiseError } from '../../contracts/index.ts';

/** The input cannot be ingested at all (unreadable file, bad mapping); nothing was loaded. */
export class IngestError extends DialwiseError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('INGEST', `${file}: ${message}`, options);
  }
}

export class MappingError extends DialwiseError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('MAPPING', `${file}: ${message}`, options);
  }
}
