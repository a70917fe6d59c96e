import { DialwiseError } from '../../contracts/index.ts';

/** An error the API answers with: `{code, message}` and this HTTP status. */
export class ApiError extends DialwiseError {
  constructor(
    readonly statusCode: number,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'send `Authorization: Bearer <token>` with a token from `dialwise serve token add`') {
    super(401, 'UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(role: string, route: string) {
    super(403, 'FORBIDDEN', `role "${role}" may not call ${route}`);
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, 'NOT_FOUND', message);
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) {
    super(400, 'BAD_REQUEST', message);
  }
}

export class UnavailableError extends ApiError {
  constructor(code: 'NO_PUBLISHED_RUN' | 'WAREHOUSE_UNAVAILABLE', message: string) {
    super(503, code, message);
  }
}

/** Bad token-file or server configuration: raised at start-up, never per request. */
export class ServeConfigError extends DialwiseError {
  constructor(message: string) {
    super('SERVE_CONFIG', message);
  }
}
