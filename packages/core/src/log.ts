/**
 * One structured logger: JSON lines on stderr with a level, a message and fields (jobId,
 * videoId, stage, ms...). Child loggers carry fields. The level comes from VOS_LOG_LEVEL.
 */
import { redactQueryError } from "./db/redact.js";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

let threshold: number = LEVELS[parseLevel(process.env.VOS_LOG_LEVEL) ?? "info"];
let sink: (line: string) => void = (line) => process.stderr.write(line + "\n");

function parseLevel(value: string | undefined): LogLevel | undefined {
  return value && value in LEVELS ? (value as LogLevel) : undefined;
}

export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

/** Redirects log lines (tests capture them; the CLI keeps stdout for results). */
export function setLogSink(write: (line: string) => void): void {
  sink = write;
}

// ---------------------------------------------------------------------------------------------
// Secrets never reach a log line: fields named like one are dropped, known secret values and
// credential-shaped text (URL passwords, presigned signatures, bearer tokens, JWTs, Pinecone
// keys) are masked wherever they appear, in messages, fields, errors and stacks alike.

const REDACTED = "[redacted]";
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authori[sz]ation|cookie|credential|signature|private[-_]?key/i;
const SECRET_TEXT: [RegExp, string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):[^\s@/]+@/gi, `$1:${REDACTED}@`],
  [/\b(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi, `$1${REDACTED}`],
  [/\b(Bearer\s+)[\w.~+/=-]+/gi, `$1${REDACTED}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+/g, REDACTED],
  [/\bpcsk_[\w-]+/g, REDACTED],
];
const knownSecrets = new Set<string>();

/** Masks this value wherever it appears in later log lines (an API key, a password, a token). */
export function redactSecret(value: string | undefined): void {
  if (value && value.length >= 6) knownSecrets.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

function serialise(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (value instanceof Error) {
    // Wherever it is logged from, a failed query keeps its SQL but never the values it was given.
    const error = redactQueryError(value) as Error;
    return { name: error.name, message: redactText(error.message), stack: error.stack && redactText(error.stack) };
  }
  if (value === null || typeof value !== "object" || depth > 4) return value;
  if (Array.isArray(value)) return value.map((item) => serialise(item, depth + 1));
  if (value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : serialise(item, depth + 1)]));
}

export function createLogger(base: LogFields = {}): Logger {
  const emit = (level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    const entry: LogFields = { time: new Date().toISOString(), level, msg: redactText(msg) };
    for (const [key, value] of Object.entries({ ...base, ...fields })) entry[key] = SECRET_KEY.test(key) ? REDACTED : serialise(value);
    sink(JSON.stringify(entry));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

export const log = createLogger();
