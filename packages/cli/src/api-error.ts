/** An error the API answered with, a transport failure, or a refusal of the CLI's own, as `{ code, message }`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status; 0 when no answer came (or the CLI refused before asking). */
    readonly status: number,
  ) {
    super(message);
  }
}
