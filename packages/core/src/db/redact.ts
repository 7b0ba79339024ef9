/**
 * Database errors without the values they were given. drizzle's DrizzleQueryError puts the SQL
 * and every parameter in its message ("Failed query: ...\nparams: ..."), so logging it as it is
 * would write user data (and whatever a hostile request sent) into the logs.
 */
interface QueryError extends Error {
  query: string;
  params: unknown[];
}

const isQueryError = (error: unknown): error is QueryError =>
  error instanceof Error && typeof (error as Partial<QueryError>).query === "string" && Array.isArray((error as Partial<QueryError>).params);

/** PostgreSQL's reason; data exceptions (SQLSTATE class 22) quote the offending value after a colon. */
function reason(cause: unknown): string {
  if (!(cause instanceof Error)) return "";
  const code = (cause as { code?: unknown }).code;
  const message = typeof code === "string" && code.startsWith("22") ? cause.message.replace(/:[^:]*$/, "") : cause.message;
  return typeof code === "string" ? `${code} ${message}` : message;
}

/**
 * The error to log in place of `error`: a failed query keeps its SQL text (placeholders only),
 * the number of parameters and PostgreSQL's reason, never the parameters. Anything else is
 * returned as it is.
 */
export function redactQueryError(error: unknown): unknown {
  if (!isQueryError(error)) return error;
  const why = reason(error.cause);
  const redacted = new Error(`Failed query: ${error.query} (${error.params.length} parameter${error.params.length === 1 ? "" : "s"} withheld)${why ? `: ${why}` : ""}`);
  redacted.name = "DatabaseQueryError";
  // Keep where it failed, not the original first lines (they repeat the parameters).
  const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  redacted.stack = [`${redacted.name}: ${redacted.message}`, ...frames].join("\n");
  return redacted;
}
