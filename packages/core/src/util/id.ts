import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

const encode = (value: number, length: number) => {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
};

let lastTime = 0;
let sequence = 0;

/**
 * Sortable, URL-safe ids such as `vid_1m8gz2fn4000t4sthqm4`: milliseconds since the epoch,
 * a sequence within the millisecond, then 60 random bits, in base 32. Ids made by one process
 * sort in creation order, so lists page by id.
 */
export function createId(prefix: string): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
  } else {
    sequence++;
  }
  let tail = "";
  for (const byte of randomBytes(12)) tail += ALPHABET[byte % 32];
  return `${prefix}_${encode(lastTime, 9)}${encode(sequence, 3)}${tail}`;
}
