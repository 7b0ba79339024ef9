// @ts-check
// Trims a bundle's source map to the workspace's own sources. The bundle also holds npm packages
// (bundle.js), whose mappings made the map five times larger; Node parses the whole map the first
// time a stack trace is printed, about 0.3 s of CPU for a `vos` command or worker task that logs
// an error. Their code is left unmapped, so a stack frame inside a package names the bundle file.

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE_OF = new Map([...DIGITS].map((digit, value) => [digit, value]));

/**
 * @typedef {{ version: number, sources: string[], names?: string[], mappings: string, sourcesContent?: (string | null)[] }} SourceMap
 */

/**
 * The map with only the sources `keep` accepts, their mappings and the names they use.
 * @param {SourceMap} map
 * @param {(source: string) => boolean} keep
 * @returns {SourceMap}
 */
export function trimSourceMap(map, keep) {
  const sourceIndex = map.sources.map((source) => (keep(source) ? 0 : -1));
  const sources = [];
  for (let i = 0; i < map.sources.length; i++) if (sourceIndex[i] === 0) sourceIndex[i] = sources.push(map.sources[i]) - 1;
  const names = /** @type {string[]} */ ([]);
  const nameIndex = new Map();
  // Whether the last segment kept, on this line or one before, marks package code.
  let unmapped = false;
  const lines = decode(map.mappings).map((segments) => {
    const kept = [];
    for (const segment of segments) {
      const source = segment.length > 1 ? sourceIndex[segment[1]] : -1;
      if (source === undefined || source < 0) {
        // One unmapped segment stands for a whole run of package code (without it, a lookup there
        // would find the last mapped segment before it).
        if (!unmapped) kept.push([segment[0]]);
        unmapped = true;
        continue;
      }
      unmapped = false;
      const out = [segment[0], source, segment[2], segment[3]];
      if (segment.length > 4) {
        const name = map.names?.[segment[4]] ?? "";
        if (!nameIndex.has(name)) nameIndex.set(name, names.push(name) - 1);
        out.push(nameIndex.get(name));
      }
      kept.push(out);
    }
    return kept;
  });
  return { version: map.version, sources, names, mappings: encode(lines) };
}

/** @param {string} mappings @returns {number[][][]} absolute fields per segment, per line */
function decode(mappings) {
  const state = [0, 0, 0, 0, 0];
  return mappings.split(";").map((line) => {
    state[0] = 0; // columns restart on each line; the other fields run on
    if (line === "") return [];
    return line.split(",").map((text) => {
      const segment = [];
      let value = 0;
      let shift = 0;
      for (const char of text) {
        const digit = VALUE_OF.get(char);
        if (digit === undefined) throw new Error(`not a source map digit: ${char}`);
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if (digit & 32) continue;
        const field = segment.length;
        state[field] += value % 2 === 1 ? -Math.floor(value / 2) : value / 2;
        segment.push(state[field]);
        value = 0;
        shift = 0;
      }
      return segment;
    });
  });
}

/** @param {number[][][]} lines @returns {string} */
function encode(lines) {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((segments) => {
      state[0] = 0;
      return segments
        .map((segment) =>
          segment
            .map((field, i) => {
              const delta = field - state[i];
              state[i] = field;
              return vlq(delta);
            })
            .join(""),
        )
        .join(",");
    })
    .join(";");
}

/** @param {number} value */
function vlq(value) {
  let rest = value < 0 ? -value * 2 + 1 : value * 2;
  let text = "";
  do {
    let digit = rest % 32;
    rest = Math.floor(rest / 32);
    if (rest > 0) digit += 32;
    text += DIGITS[digit];
  } while (rest > 0);
  return text;
}
