/**
 * Errors a user may see. The code is dotted (`video.not_found`) and stable; the message says
 * what went wrong and, where there is one, what to do about it. `status` is the HTTP status the
 * API answers with; `permanent` tells the pipeline not to retry (bad input never gets better).
 */
export class VisibleError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 423 | 429 | 503 = 400,
    readonly permanent = true,
  ) {
    super(message);
    this.name = "VisibleError";
  }
}

export function isVisibleError(error: unknown): error is VisibleError {
  return error instanceof VisibleError;
}

/** The message of anything thrown, for logs and stored failure reasons. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
