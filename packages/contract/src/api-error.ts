/**
 * An answer from the API that is not a success (its `{ code, message }`), a transport failure,
 * or a client's own refusal before asking. `status` is the HTTP status; 0 when no answer came.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /**
   * Worth trying again at once: the network, a timeout, throttling or a server-side fault. Not a
   * full disk (507): that waits for someone to free space, then for the person to try again.
   */
  get transient(): boolean {
    const s = this.status;
    return s === 0 || s === 408 || s === 425 || s === 429 || (s >= 500 && s !== 507);
  }
}

/** Reads a failed response as an ApiError, whatever its body looks like. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.message === "string" && body.message) {
      return new ApiError(typeof body.code === "string" ? body.code : "error", body.message, response.status);
    }
  } catch {
    // Not JSON (a proxy's HTML page, S3's XML): fall through to a generic message.
  }
  const reason = response.statusText ? ` ${response.statusText}` : "";
  return new ApiError(`http.${response.status}`, `The server answered ${response.status}${reason}.`, response.status);
}
