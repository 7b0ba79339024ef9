import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * Sortable, URL-safe ids such as `vid_0kq3x8m2b7c4d9e1f5g6`: milliseconds since the epoch in
 * base 32, then 80 random bits. Sorting by id sorts by creation time.
 */
export function createId(prefix: string): string {
  let time = Date.now();
  let head = "";
  for (let i = 0; i < 9; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(10);
  let tail = "";
  for (const byte of bytes) tail += ALPHABET[byte % 32];
  return `${prefix}_${head}${tail}`;
}
