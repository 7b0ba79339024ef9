import { z } from "zod";

/**
 * NUL and lone surrogates: PostgreSQL's text cannot hold a NUL (the query fails), and a lone
 * surrogate has no UTF-8 form (the driver silently stores U+FFFD instead).
 */
const UNSTORABLE = /\u0000|\p{Cs}/u;

export const UNSTORABLE_MESSAGE = "contains a character that cannot be stored (NUL or a lone surrogate)";

/** True when PostgreSQL can store `value` as it is. */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/**
 * Every string that comes in from outside (bodies, path parameters, queries) is built on this,
 * so a NUL is refused at the edge with the field's name instead of failing in the database.
 * Chain the usual checks after it: `textField().trim().min(1).max(255)`.
 */
export function textField() {
  return z.string().refine(isStorableText, { message: UNSTORABLE_MESSAGE, abort: true });
}
