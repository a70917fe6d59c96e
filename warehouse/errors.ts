import { DialwiseError } from '../contracts/index.ts';

export class WarehouseError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WAREHOUSE', message, options);
  }
}

export class MigrationError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MIGRATION', message, options);
  }
}

export class QueryError extends DialwiseError {
  constructor(
    readonly sql: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('QUERY', message, options);
  }
}
