/** Base class of every error Dialwise raises on purpose; `code` is stable for scripts and the API. */
export class DialwiseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
