import { DialwiseError } from '../../contracts/index.ts';

/** A version or alias that the registry does not have. */
export class ModelNotFoundError extends DialwiseError {
  constructor(message: string) {
    super('MODEL_NOT_FOUND', message);
  }
}

/** A registry operation that cannot be done as asked (nothing to roll back to, wrong kind …). */
export class RegistryError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_REGISTRY', message, options);
  }
}

/** A model's files are missing or unreadable. */
export class ArtifactError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_ARTIFACT', message, options);
  }
}
